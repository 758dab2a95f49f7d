import { SqliteAdapter, sql, type Kysely } from 'kysely';

/**
 * The audit trail: who did what, through which surface, client and session, with what outcome and
 * how long it took. Ids sort by time (`<ms base36>-<seq>-<tag>`), so newest-first pages, time
 * windows and retention are walks of the primary key in both dialects: no index on `at` to pay
 * for on every insert.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // SQLite: the text key is the table's own order (WITHOUT ROWID), one B-tree fewer per insert.
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  await db.schema
    .createTable('audit_events')
    .ifNotExists()
    .addColumn('id', 'varchar(48)', (c) => c.primaryKey())
    .addColumn('at', 'varchar(40)', (c) => c.notNull())
    .addColumn('principal_id', 'varchar(200)', (c) => c.notNull())
    .addColumn('principal_name', 'varchar(200)', (c) => c.notNull())
    .addColumn('surface', 'varchar(20)', (c) => c.notNull())
    .addColumn('action', 'varchar(40)', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('outcome', 'varchar(20)', (c) => c.notNull())
    .addColumn('duration_ms', 'double precision', (c) => c.notNull())
    .addColumn('request_id', 'varchar(100)', (c) => c.notNull())
    .addColumn('session_id', 'varchar(100)')
    .addColumn('client', 'varchar(300)')
    .addColumn('error_code', 'varchar(40)')
    .addColumn('details', 'text')
    .$call((t) => (sqlite ? t.modifyEnd(sql`without rowid`) : t))
    .execute();
  // "My own events" must stay fast on a large trail; other filters walk the time-ordered key.
  await db.schema.createIndex('audit_events_principal').ifNotExists().on('audit_events').columns(['principal_id', 'id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('audit_events').ifExists().execute();
}
