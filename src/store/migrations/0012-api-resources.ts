import type { Kysely } from 'kysely';

/**
 * Configured API resources (`{scheme}://api/{name}`): a fixed URL fetched under the web policy with
 * stored headers. The headers are sealed with auth/secret-box.ts; only their names are kept in clear,
 * so listing never needs the key and never shows a value.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('api_resources')
    .ifNotExists()
    .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('title', 'varchar(200)')
    .addColumn('description', 'text')
    .addColumn('mime_type', 'varchar(100)')
    .addColumn('header_names', 'text', (c) => c.notNull())
    .addColumn('headers_sealed', 'text')
    .addColumn('created_by', 'varchar(200)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(40)', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('api_resources').ifExists().execute();
}
