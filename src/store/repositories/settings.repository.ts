/** Installation-wide key/value settings. Values are JSON; writes are upserts. */
import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../schema.js';

export interface SettingsRepository {
  get<T = unknown>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
  /** Insert only if absent; returns the value now stored (first writer wins across nodes). */
  setIfAbsent<T>(key: string, value: T): Promise<T>;
  all(): Promise<Record<string, unknown>>;
}

export function createSettingsRepository(db: Kysely<DatabaseSchema>): SettingsRepository {
  const get = async <T>(key: string): Promise<T | undefined> => {
    const row = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
    return row ? (JSON.parse(row.value) as T) : undefined;
  };
  return {
    get,
    async set(key, value) {
      const row = { key, value: JSON.stringify(value), updated_at: new Date().toISOString() };
      await db
        .insertInto('settings')
        .values(row)
        .onConflict((oc) => oc.column('key').doUpdateSet({ value: row.value, updated_at: row.updated_at }))
        .execute();
    },
    async setIfAbsent(key, value) {
      await db
        .insertInto('settings')
        .values({ key, value: JSON.stringify(value), updated_at: new Date().toISOString() })
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
      return (await get(key)) as typeof value;
    },
    async all() {
      const rows = await db.selectFrom('settings').select(['key', 'value']).orderBy('key').execute();
      return Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.value) as unknown]));
    },
  };
}
