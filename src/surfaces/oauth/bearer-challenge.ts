/**
 * The `WWW-Authenticate` challenge every HTTP surface sends when it refuses a credential. Without
 * OAuth it is the bare `Bearer realm="portico"`. With OAuth on, it tells a client where to start
 * (RFC 9728 §5.1, MCP authorization): `resource_metadata` always, `error="invalid_token"` when a
 * credential was given and refused, and for a token lacking a scope a 403 with
 * `error="insufficient_scope", scope="…"` (RFC 6750 §3.1) so the client can step up.
 *
 * The challenge in force is a decoration of the Fastify app (set by the OAuth surface), read when a
 * request is refused, so surfaces need not know whether OAuth is on.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { PorticoError } from '../../core/errors.js';
import { requiredScopeOf } from '../../auth/oauth/scopes.js';
import { DEFAULT_SCOPE } from '../../auth/oauth/scopes.js';

export const BASIC_CHALLENGE = 'Bearer realm="portico"';

export interface ChallengeContext {
  /** The request's URL (path and query), to point at the right resource's metadata. */
  url: string | undefined;
  /** Whether the request carried a credential at all (`error="invalid_token"` only then). */
  credentialGiven: boolean;
}

export interface BearerChallenge {
  /** The header value for a request refused with `error`; undefined when no challenge applies. */
  header(error: PorticoError, context: ChallengeContext): string | undefined;
}

/** A challenge computed per refusal (what the surfaces that live below Fastify are given). */
export type ChallengeSource = (error: PorticoError, context: ChallengeContext) => string | undefined;

declare module 'fastify' {
  interface FastifyInstance {
    /** Set when OAuth is on; see bearer-challenge.ts. */
    bearerChallenge?: BearerChallenge;
  }
}

/** The challenge for a refusal on `app` (the bare Bearer challenge for a 401 when OAuth is off). */
export function bearerChallengeHeader(app: FastifyInstance | undefined, error: PorticoError, context: ChallengeContext): string | undefined {
  const challenge = app?.bearerChallenge;
  if (challenge) return challenge.header(error, context);
  return error.code === 'unauthenticated' ? BASIC_CHALLENGE : undefined;
}

/** Whether the headers carry a credential (Authorization or X-API-Key). */
export function hasCredential(headers: IncomingHttpHeaders): boolean {
  return headers.authorization !== undefined || headers['x-api-key'] !== undefined;
}

/** Quoted-string per RFC 9110 §5.6.4. */
const quoted = (value: string) => `"${value.replace(/["\\]/g, '\\$&')}"`;

/** The OAuth challenge: `metadataUrlFor` names the protected resource metadata for a request URL. */
export function oauthBearerChallenge(metadataUrlFor: (url: string | undefined) => string): BearerChallenge {
  return {
    header(error, context) {
      const scope = requiredScopeOf(error);
      if (error.code !== 'unauthenticated' && scope === undefined) return undefined;
      const parts = [`realm="portico"`, `resource_metadata=${quoted(metadataUrlFor(context.url))}`];
      if (scope !== undefined) parts.push('error="insufficient_scope"', `scope=${quoted(scope)}`);
      else {
        // The MCP authorization spec asks for the scope a client should request up front.
        parts.push(`scope=${quoted(DEFAULT_SCOPE)}`);
        if (context.credentialGiven) parts.push('error="invalid_token"');
      }
      return `Bearer ${parts.join(', ')}`;
    },
  };
}
