/**
 * Refresh tokens, stored as keyed hashes and grouped in families (one family per login). Plain data
 * access; rotation and reuse detection live in auth/refresh-tokens.ts.
 */
import type { Kysely, Selectable } from 'kysely';
import type { DatabaseSchema, RefreshTokensTable } from '../schema.js';

export type RefreshTokenRow = Selectable<RefreshTokensTable>;

export interface RefreshTokenRepository {
  insert(row: RefreshTokenRow): Promise<void>;
  byHash(tokenHash: string): Promise<RefreshTokenRow | undefined>;
  /**
   * Spend a token and store its successor in one transaction; false (and nothing stored) if it was
   * already spent. Atomic so a concurrent reuse that revokes the family also revokes the successor.
   */
  spend(id: string, at: string, successor: RefreshTokenRow): Promise<boolean>;
  revokeFamily(familyId: string, at: string): Promise<void>;
  /** Revoke every family of a user, except one (the session making the change). */
  revokeUser(userId: string, at: string, exceptFamily?: string): Promise<void>;
  /** Whether any token of the family is unrevoked. */
  familyActive(familyId: string): Promise<boolean>;
  /** Delete tokens that expired before `before`. */
  pruneExpired(before: string): Promise<number>;
}

export function createRefreshTokenRepository(db: Kysely<DatabaseSchema>): RefreshTokenRepository {
  return {
    async insert(row) {
      await db.insertInto('refresh_tokens').values(row).execute();
    },
    byHash: (tokenHash) => db.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst(),
    spend: (id, at, successor) =>
      db.transaction().execute(async (trx) => {
        const r = await trx.updateTable('refresh_tokens').set({ used_at: at }).where('id', '=', id).where('used_at', 'is', null).executeTakeFirst();
        if (Number(r.numUpdatedRows) === 0) return false;
        await trx.insertInto('refresh_tokens').values(successor).execute();
        return true;
      }),
    async revokeFamily(familyId, at) {
      await db.updateTable('refresh_tokens').set({ revoked_at: at }).where('family_id', '=', familyId).where('revoked_at', 'is', null).execute();
    },
    async revokeUser(userId, at, exceptFamily) {
      let q = db.updateTable('refresh_tokens').set({ revoked_at: at }).where('user_id', '=', userId).where('revoked_at', 'is', null);
      if (exceptFamily) q = q.where('family_id', '!=', exceptFamily);
      await q.execute();
    },
    async familyActive(familyId) {
      const row = await db.selectFrom('refresh_tokens').select('id').where('family_id', '=', familyId).where('revoked_at', 'is', null).limit(1).executeTakeFirst();
      return row !== undefined;
    },
    async pruneExpired(before) {
      const r = await db.deleteFrom('refresh_tokens').where('expires_at', '<', before).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
