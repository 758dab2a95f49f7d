/**
 * The TokenVerifier for Portico's own JWTs. A valid token becomes the principal of its user as the
 * identity service sees them now (a deactivated user or a changed role applies on the next
 * request), narrowed by the token's `scope`. Login tokens also die with their session (logout,
 * refresh-token reuse). Verified tokens are cached briefly, per identity generation, so the hot
 * path neither re-checks the signature nor reads the database on every request.
 */
import { PorticoError } from '../core/errors.js';
import { createPermissionSet } from '../core/identity/permissions.js';
import type { Principal } from '../core/identity/principal.js';
import type { AccessTokens } from './access-tokens.js';
import type { IdentityService } from './identity-service.js';
import type { RefreshTokens } from './refresh-tokens.js';
import type { TokenVerifier } from './token-verifier.js';

export interface AccessTokenVerifierDeps {
  tokens: AccessTokens;
  identity: IdentityService;
  sessions: Pick<RefreshTokens, 'familyActive' | 'onRevoke'>;
  now?: () => number;
}

/** Other nodes' deactivations and logouts reach this node's cache within this time. */
const CACHE_TTL_MS = 5_000;
const MAX_CACHED = 10_000;

export function createAccessTokenVerifier(deps: AccessTokenVerifierDeps): TokenVerifier {
  const now = deps.now ?? Date.now;
  const cache = new Map<string, { principal: Principal; until: number; generation: number }>();
  // Counts revocations, so a verification that raced a logout does not cache its stale answer.
  let revocations = 0;
  deps.sessions.onRevoke(() => {
    revocations++;
    cache.clear();
  });

  return {
    name: 'portico-jwt',
    async verify(token) {
      // The cache first: a hot token then costs one map lookup, not even a decode.
      const at = now();
      const hit = cache.get(token);
      if (hit && hit.until > at && hit.generation === deps.identity.generation) return hit.principal;
      if (!deps.tokens.claimsToBeOurs(token)) return undefined;
      const generation = deps.identity.generation;
      const seen = revocations;
      const claims = await deps.tokens.verify(token);
      if (claims.sid !== undefined && !(await deps.sessions.familyActive(claims.sid))) {
        throw new PorticoError('unauthenticated', 'The session of this access token has ended.');
      }
      const narrowTo = claims.scope ? createPermissionSet(claims.scope.split(' ')) : undefined;
      const principal = Object.freeze(await deps.identity.principalForUser(claims.sub, narrowTo));
      if (cache.size >= MAX_CACHED) cache.clear();
      if (seen === revocations) cache.set(token, { principal, until: Math.min(at + CACHE_TTL_MS, claims.exp * 1000), generation });
      return principal;
    },
  };
}
