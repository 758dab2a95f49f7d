/** Configured API resources. Rows carry headers already sealed; this layer never sees them in clear. */
import type { Kysely, Selectable } from 'kysely';
import type { ApiResourcesTable, DatabaseSchema } from '../schema.js';

export type ApiResourceRow = Selectable<ApiResourcesTable>;

export interface ApiResourceRepository {
  list(): Promise<ApiResourceRow[]>;
  get(name: string): Promise<ApiResourceRow | undefined>;
  /** Insert or replace by name; `created_*` survive a replace. */
  upsert(row: ApiResourceRow): Promise<void>;
  delete(name: string): Promise<boolean>;
}

export function createApiResourceRepository(db: Kysely<DatabaseSchema>): ApiResourceRepository {
  return {
    list: () => db.selectFrom('api_resources').selectAll().orderBy('name').execute(),
    get: (name) => db.selectFrom('api_resources').selectAll().where('name', '=', name).executeTakeFirst(),
    async upsert(row) {
      const { name: _name, created_by: _by, created_at: _at, ...changes } = row;
      await db
        .insertInto('api_resources')
        .values(row)
        .onConflict((oc) => oc.column('name').doUpdateSet(changes))
        .execute();
    },
    async delete(name) {
      const result = await db.deleteFrom('api_resources').where('name', '=', name).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}
