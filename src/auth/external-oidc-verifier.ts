/**
 * Accepts JWT access tokens from one external OIDC issuer (Keycloak, Entra ID, Okta…), for teams
 * whose people already sign in there. Keys come from the issuer's JWKS (configured, or discovered
 * from `<issuer>/.well-known/openid-configuration`); the token must carry the configured issuer
 * and audience, be within its validity window and be signed with an asymmetric algorithm by a key
 * in that set. Its role claim (a dot path; a string or a list) maps to a Portico role through
 * `oidc.roleMap` — the first entry of the map the token matches wins — or to `oidc.defaultRole`;
 * a token matching neither is refused. A token from another issuer is not this verifier's kind:
 * it answers undefined so the next verifier may try.
 */
import { createRemoteJWKSet, customFetch, decodeJwt, errors, jwtVerify, type JWTPayload } from 'jose';
import type { FrozenConfig } from '../config/schema.js';
import { PorticoError } from '../core/errors.js';
import type { PermissionSet } from '../core/identity/permissions.js';
import type { Principal } from '../core/identity/principal.js';
import type { TokenVerifier } from './token-verifier.js';

export type OidcConfig = FrozenConfig['oidc'];

export interface ExternalOidcOptions {
  /** Fetch used for discovery and the JWKS (tests; default global fetch). */
  fetch?: typeof fetch;
  /** Role → permissions (the identity service's `permissionsOf`). */
  permissionsOf(role: string): Promise<PermissionSet>;
  /** Allowed clock difference with the issuer, in seconds (default 30). */
  clockToleranceSeconds?: number;
}

const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const DISCOVERY_TIMEOUT_MS = 5_000;

/** The value at a dot path (`realm_access.roles`); a claim whose own name has dots is found too. */
export function claimAt(payload: Record<string, unknown>, path: string): unknown {
  if (path in payload) return payload[path];
  let cur: unknown = payload;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** The Portico role for a claim value: first roleMap entry present in the claim, else the default. */
export function mapRole(claim: unknown, roleMap: Readonly<Record<string, string>>, defaultRole: string | undefined): string | undefined {
  const values = new Set(typeof claim === 'string' ? [claim] : Array.isArray(claim) ? claim.filter((v): v is string => typeof v === 'string') : []);
  for (const [external, role] of Object.entries(roleMap)) if (values.has(external)) return role;
  return defaultRole;
}

const refuse = (message: string) => new PorticoError('unauthenticated', message);

export function createExternalOidcVerifier(config: OidcConfig, options: ExternalOidcOptions): TokenVerifier {
  const issuer = config.issuer;
  if (!issuer) throw new PorticoError('config_invalid', 'oidc.issuer must be set to accept external tokens.');
  // Without an audience any token the issuer minted for any application would be accepted.
  if (!config.audience) throw new PorticoError('config_invalid', 'oidc.audience must be set when oidc.issuer is set (tokens minted for other applications must be refused).');
  const audience = config.audience;
  const doFetch = options.fetch ?? fetch;
  const clockTolerance = options.clockToleranceSeconds ?? 30;

  let jwks: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;
  const keySet = (url: string) => createRemoteJWKSet(new URL(url), { [customFetch]: doFetch as never });

  async function discover(): Promise<string> {
    const url = `${issuer!.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    const res = await doFetch(url, { headers: { accept: 'application/json' }, redirect: 'error', signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS) });
    if (!res.ok) throw new Error(`discovery answered ${res.status}`);
    const doc = (await res.json()) as { issuer?: unknown; jwks_uri?: unknown };
    // OpenID Connect Discovery: the document must name the issuer it was fetched for.
    if (doc.issuer !== issuer) throw new Error('discovery document names another issuer');
    if (typeof doc.jwks_uri !== 'string') throw new Error('discovery document has no jwks_uri');
    return doc.jwks_uri;
  }

  function keys(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    jwks ??= (config.jwksUrl ? Promise.resolve(config.jwksUrl) : discover()).then(keySet, (err: unknown) => {
      jwks = undefined; // try again on the next token
      throw err;
    });
    return jwks;
  }

  return {
    name: 'external-oidc',
    async verify(token) {
      let unverified: JWTPayload;
      try {
        unverified = decodeJwt(token);
      } catch {
        return undefined; // not a JWT: not ours
      }
      if (unverified.iss !== issuer) return undefined;

      let payload: JWTPayload;
      try {
        payload = (await jwtVerify(token, await keys(), { issuer, audience, algorithms: ALGORITHMS, clockTolerance, requiredClaims: ['exp', 'sub'] })).payload;
      } catch (err) {
        if (err instanceof errors.JWTExpired) throw refuse('The token has expired.');
        if (err instanceof errors.JWTClaimValidationFailed) throw refuse(err.claim === 'aud' ? 'The token was not issued for this server.' : 'The token is not valid.');
        if (err instanceof errors.JOSEError) throw refuse('The token is not valid.');
        throw new PorticoError('unavailable', 'The identity provider could not be reached to check the token.', { cause: err });
      }

      const role = mapRole(claimAt(payload, config.roleClaim), config.roleMap, config.defaultRole);
      if (!role) throw new PorticoError('forbidden', 'Your identity provider account has no role that grants access here.');
      const claims = payload as Record<string, unknown>;
      const name = [claims.preferred_username, claims.email, payload.sub].find((v): v is string => typeof v === 'string' && v !== '')!;
      const principal: Principal = {
        id: `oidc:${payload.sub}`,
        kind: 'user',
        name,
        roles: Object.freeze([role]),
        permissions: await options.permissionsOf(role),
      };
      return Object.freeze(principal);
    },
  };
}
