/**
 * Resource-server side of OAuth: accepts the JWT access tokens Portico's authorization server
 * issued (RFC 9068) on every HTTP surface. A token is ours when its header names our signing key;
 * then it must verify (ES256 only), come from our issuer, be meant for this server's MCP resource
 * (RFC 8707 audience), be unexpired, belong to a live grant (revocation), and name an active user.
 * Its scope narrows the user's role (see scopes.ts).
 *
 * Verified tokens are remembered for a few seconds (bounded), so a busy client costs one map
 * lookup per request; any identity change (role, deactivation) drops the memory.
 */
import type { KeyObject } from 'node:crypto';
import { decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import { PorticoError } from '../../core/errors.js';
import type { Principal } from '../../core/identity/principal.js';
import type { IdentityService } from '../identity-service.js';
import type { TokenVerifier } from '../token-verifier.js';
import { OAUTH_SIGNING_ALG } from './oauth-keys.js';
import { insufficientScope, readOnlyView, scopeGrant } from './scopes.js';

export interface OAuthTokenVerifierDeps {
  identity: Pick<IdentityService, 'principalForUser' | 'generation'>;
  kid: string;
  publicKey: KeyObject;
  /** Our issuer and the audiences we accept, resolved when first needed (the listen port is known late). */
  target(): { issuer: string; audiences: readonly string[] };
  grantAlive(grantId: string): Promise<boolean>;
  /** How long a verified token is remembered (default 5 s; never past its expiry). */
  cacheMs?: number;
  now?: () => number;
}

const MAX_CACHED = 10_000;

export function createOAuthTokenVerifier(deps: OAuthTokenVerifierDeps): TokenVerifier {
  const now = deps.now ?? Date.now;
  const cacheMs = deps.cacheMs ?? 5_000;
  const verified = new Map<string, { principal: Principal; until: number; generation: number; grantId: string }>();

  const invalid = (message = 'The access token is not valid.') => new PorticoError('unauthenticated', message);

  return {
    name: 'oauth',
    async verify(token) {
      let kid: unknown;
      try {
        kid = decodeProtectedHeader(token).kid;
      } catch {
        return undefined;
      }
      if (kid !== deps.kid) return undefined;

      const at = now();
      const cached = verified.get(token);
      if (cached && cached.until > at && cached.generation === deps.identity.generation) {
        // The grant check is itself cached, and a revocation on this node clears it at once.
        if (await deps.grantAlive(cached.grantId)) return cached.principal;
        verified.delete(token);
        throw invalid('The access token has been revoked.');
      }

      const { issuer, audiences } = deps.target();
      let payload;
      try {
        ({ payload } = await jwtVerify(token, deps.publicKey, {
          algorithms: [OAUTH_SIGNING_ALG],
          issuer,
          audience: [...audiences],
          typ: 'at+jwt',
          requiredClaims: ['exp', 'sub', 'jti', 'gid'],
          currentDate: new Date(at),
        }));
      } catch (err) {
        if (err instanceof joseErrors.JWTExpired) throw invalid('The access token has expired.');
        if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'aud') throw invalid('The access token was issued for another resource.');
        throw invalid();
      }
      const grantId = payload.gid;
      if (typeof grantId !== 'string' || typeof payload.sub !== 'string') throw invalid();
      if (!(await deps.grantAlive(grantId))) throw invalid('The access token has been revoked.');

      const grant = scopeGrant(payload.scope);
      if (grant === 'none') throw insufficientScope();
      const generation = deps.identity.generation;
      const user = await deps.identity.principalForUser(payload.sub);
      const principal: Principal = Object.freeze(grant === 'read' ? { ...user, permissions: readOnlyView(user.permissions) } : user);

      if (verified.size >= MAX_CACHED) verified.clear();
      verified.set(token, { principal, until: Math.min(at + cacheMs, (payload.exp ?? 0) * 1000), generation, grantId });
      return principal;
    },
  };
}
