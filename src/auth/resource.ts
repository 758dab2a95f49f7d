/**
 * Who this server is, for tokens: the issuer of its own tokens and the resource identifier (RFC 8707)
 * they are bound to. Everything that mints or checks an audience (Portico JWTs, MCP tokens, OAuth,
 * protected resource metadata) uses these functions, so the identifiers never drift apart.
 */
import type { FrozenConfig } from '../config/schema.js';

const trimSlash = (url: string) => url.replace(/\/+$/, '');

/** The URL a listening server is reached at from the configured host and port (port 0 unknown until listening). */
export function configuredServerUrl(config: FrozenConfig): string {
  const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
  return `http://${host}:${config.server.port}`;
}

/** The external base URL: `server.publicUrl` when set (behind a proxy), else where the server listens. */
export function serverBaseUrl(config: FrozenConfig, url: string): string {
  return trimSlash(config.server.publicUrl ?? url);
}

/** The MCP resource identifier tokens are bound to: `<base URL>/mcp`. */
export function resourceIdentifier(config: FrozenConfig, url: string): string {
  return `${serverBaseUrl(config, url)}/mcp`;
}

/** Audiences a Portico token may carry to be accepted here: the resource identifier, or the bare base URL. */
export function acceptedAudiences(config: FrozenConfig, url: string): string[] {
  return [resourceIdentifier(config, url), serverBaseUrl(config, url)];
}

/**
 * Issuer of Portico's own JWTs. Without a public URL it is a constant rather than the listen URL,
 * so a restart on another port does not invalidate every token; the audience still binds them.
 */
export function tokenIssuer(config: FrozenConfig): string {
  return config.server.publicUrl ? trimSlash(config.server.publicUrl) : 'portico';
}
