/**
 * Signing keys of Portico's own tokens. Plain data access; rotation and expiry rules live in
 * auth/signing-keys.ts. Private keys arrive here already encrypted.
 */
import type { Kysely, Selectable } from 'kysely';
import type { DatabaseSchema, SigningKeysTable } from '../schema.js';

export type SigningKeyRow = Selectable<SigningKeysTable>;

export interface SigningKeyRepository {
  /** Keys still usable for verification: never retired, or retired at or after `retiredSince`; newest first. */
  usable(retiredSince: string): Promise<SigningKeyRow[]>;
  insert(row: SigningKeyRow): Promise<void>;
  /** Mark every unretired key created before `createdBefore` (other than `keep`) as retired at `at`. */
  retireOlder(keep: string, createdBefore: string, at: string): Promise<void>;
  /** Delete keys retired before `retiredBefore`; they can no longer verify any live token. */
  pruneRetired(retiredBefore: string): Promise<number>;
}

export function createSigningKeyRepository(db: Kysely<DatabaseSchema>): SigningKeyRepository {
  return {
    usable: (retiredSince) =>
      db
        .selectFrom('signing_keys')
        .selectAll()
        .where((eb) => eb.or([eb('retired_at', 'is', null), eb('retired_at', '>=', retiredSince)]))
        .orderBy('created_at', 'desc')
        .orderBy('kid', 'desc')
        .execute(),
    async insert(row) {
      await db.insertInto('signing_keys').values(row).execute();
    },
    async retireOlder(keep, createdBefore, at) {
      await db.updateTable('signing_keys').set({ retired_at: at }).where('retired_at', 'is', null).where('kid', '!=', keep).where('created_at', '<=', createdBefore).execute();
    },
    async pruneRetired(retiredBefore) {
      const r = await db.deleteFrom('signing_keys').where('retired_at', 'is not', null).where('retired_at', '<', retiredBefore).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
