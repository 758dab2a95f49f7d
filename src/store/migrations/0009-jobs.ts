import type { Kysely } from 'kysely';

/**
 * The background job queue. A job is `queued` until a worker claims it (`running`, with a lease
 * that the worker renews), then `succeeded`, `failed` (an error retrying cannot fix) or `dead`
 * (attempts exhausted: the dead-letter state). `lease_token` fences a worker whose lease lapsed:
 * only the holder of the current token may settle the job.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('jobs')
    .ifNotExists()
    .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('kind', 'varchar(100)', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'varchar(20)', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('run_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('lease_token', 'varchar(64)')
    .addColumn('lease_owner', 'varchar(200)')
    .addColumn('lease_expires_at', 'varchar(40)')
    .addColumn('result', 'text')
    .addColumn('last_error', 'text')
    .addColumn('principal_id', 'varchar(200)')
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('finished_at', 'varchar(40)')
    .execute();
  // Claiming walks due jobs by status and time; reaping walks running jobs by lease expiry.
  await db.schema.createIndex('jobs_due').ifNotExists().on('jobs').columns(['status', 'run_at']).execute();
  await db.schema.createIndex('jobs_lease').ifNotExists().on('jobs').columns(['status', 'lease_expires_at']).execute();
  await db.schema.createIndex('jobs_principal').ifNotExists().on('jobs').columns(['principal_id', 'created_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('jobs').ifExists().execute();
}
