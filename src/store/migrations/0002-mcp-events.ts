import type { Kysely } from 'kysely';

/**
 * Events sent on legacy MCP streams, kept so a client that lost its connection can resume with
 * Last-Event-ID. Rows belong to one session and are purged when it closes or ages out.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('mcp_events')
    .ifNotExists()
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('session_id', 'varchar(100)', (c) => c.notNull())
    .addColumn('stream_id', 'varchar(200)', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('mcp_events_stream_seq').ifNotExists().on('mcp_events').columns(['session_id', 'stream_id', 'seq']).execute();
  await db.schema.createIndex('mcp_events_created').ifNotExists().on('mcp_events').column('created_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('mcp_events').ifExists().execute();
}
