/**
 * Refresh tokens: opaque random values (`prt_…`), stored only as keyed hashes, grouped in a family
 * per login. Every use rotates: the presented token is spent and a new one of the same family comes
 * back. A spent token presented again means it leaked (or a client raced itself), so the whole
 * family is revoked — the thief's and the owner's tokens alike, and the access tokens bound to it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { PorticoError } from '../core/errors.js';
import type { RefreshTokenRepository } from '../store/repositories/refresh-token.repository.js';
import { createKeyHasher } from './api-key-format.js';

export const REFRESH_TOKEN_PREFIX = 'prt_';

export interface IssuedRefreshToken {
  token: string;
  familyId: string;
  userId: string;
  /** Seconds until it expires. */
  expiresIn: number;
}

export interface RefreshTokens {
  /** Start a family (a login) or continue one. */
  issue(userId: string, familyId?: string): Promise<IssuedRefreshToken>;
  /** Spend a token and get its successor; reuse of a spent token revokes the family. Throws `unauthenticated`. */
  rotate(token: string): Promise<IssuedRefreshToken>;
  /** The family and user of a token, if it is one of ours (spent or not). */
  familyOf(token: string): Promise<{ familyId: string; userId: string } | undefined>;
  revokeFamily(familyId: string): Promise<void>;
  /** Revoke every session of a user, except the one making the change. */
  revokeUser(userId: string, exceptFamily?: string): Promise<void>;
  /** Whether the family is still live (not logged out, not revoked for reuse). */
  familyActive(familyId: string): Promise<boolean>;
  /** Listeners run after any revocation (caches of verified access tokens drop their entries). */
  onRevoke(listener: () => void): () => void;
}

export interface RefreshTokenOptions {
  ttlSeconds: number;
  now?: () => number;
}

const PRUNE_EVERY_MS = 3_600_000;
const refused = (message = 'The refresh token is not valid.') => new PorticoError('unauthenticated', message);

export function createRefreshTokens(repo: RefreshTokenRepository, secretKey: Buffer, options: RefreshTokenOptions): RefreshTokens {
  const hasher = createKeyHasher(secretKey, 'refresh-token');
  const now = options.now ?? Date.now;
  const listeners = new Set<() => void>();
  let prunedAt = 0;
  const iso = (ms: number) => new Date(ms).toISOString();
  const revoked = () => {
    for (const l of listeners) l();
  };

  const find = (token: string) => (token.startsWith(REFRESH_TOKEN_PREFIX) && token.length < 200 ? repo.byHash(hasher.hash(token)) : Promise.resolve(undefined));

  const newToken = (userId: string, familyId: string, at: number) => {
    const token = `${REFRESH_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const row = {
      id: randomUUID(),
      family_id: familyId,
      user_id: userId,
      token_hash: hasher.hash(token),
      created_at: iso(at),
      expires_at: iso(at + options.ttlSeconds * 1000),
      used_at: null,
      revoked_at: null,
    };
    return { row, issued: { token, familyId, userId, expiresIn: options.ttlSeconds } };
  };

  const service: RefreshTokens = {
    async issue(userId, familyId = randomUUID()) {
      const at = now();
      if (at - prunedAt > PRUNE_EVERY_MS) {
        prunedAt = at;
        await repo.pruneExpired(iso(at));
      }
      const next = newToken(userId, familyId, at);
      await repo.insert(next.row);
      return next.issued;
    },

    async rotate(token) {
      const row = await find(token);
      if (!row) throw refused();
      if (row.revoked_at) throw refused('The refresh token has been revoked.');
      if (Date.parse(row.expires_at) <= now()) throw refused('The refresh token has expired.');
      // The conditional update settles races: of two concurrent uses, exactly one wins. The successor
      // is stored in the same transaction, so the loser's family revocation reaches it too.
      const at = now();
      const next = newToken(row.user_id, row.family_id, at);
      if (row.used_at || !(await repo.spend(row.id, iso(at), next.row))) {
        await service.revokeFamily(row.family_id);
        throw refused('The refresh token was already used; its session has been revoked.');
      }
      return next.issued;
    },

    async familyOf(token) {
      const row = await find(token);
      return row ? { familyId: row.family_id, userId: row.user_id } : undefined;
    },

    async revokeFamily(familyId) {
      await repo.revokeFamily(familyId, iso(now()));
      revoked();
    },

    async revokeUser(userId, exceptFamily) {
      await repo.revokeUser(userId, iso(now()), exceptFamily);
      revoked();
    },

    familyActive: (familyId) => repo.familyActive(familyId),

    onRevoke(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return service;
}
