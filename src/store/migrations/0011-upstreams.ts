import type { Kysely } from 'kysely';

/**
 * Upstream MCP servers added through the REST API or the CLI (config-file upstreams are never
 * stored). `definition` is the definition with every credential removed; the credentials (bearer
 * token, header values, OAuth client secret, stdio environment) are sealed together in
 * `credentials_sealed`, and OAuth tokens, which change on every refresh, in `oauth_tokens_sealed`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('upstreams')
    .ifNotExists()
    .addColumn('id', 'varchar(128)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('transport', 'varchar(16)', (c) => c.notNull())
    .addColumn('auth_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('definition', 'text', (c) => c.notNull())
    .addColumn('credentials_sealed', 'text')
    .addColumn('oauth_tokens_sealed', 'text')
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_by', 'varchar(200)')
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(40)', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('upstreams').ifExists().execute();
}
