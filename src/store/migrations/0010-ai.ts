import type { Kysely } from 'kysely';

/**
 * AI generation: model configurations (the API key sealed with the installation key, never
 * stored in clear) and every generation made (which template and version, with what arguments,
 * by which configuration and model, the output, token counts and latency, and who asked).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('ai_configurations')
    .ifNotExists()
    .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('provider', 'varchar(40)', (c) => c.notNull())
    .addColumn('model', 'varchar(200)', (c) => c.notNull())
    .addColumn('base_url', 'varchar(2000)')
    .addColumn('api_key_sealed', 'text')
    .addColumn('parameters', 'text', (c) => c.notNull())
    .addColumn('rate_limit_per_minute', 'integer')
    .addColumn('fallback_order', 'integer')
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_by', 'varchar(200)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(40)', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('generations')
    .ifNotExists()
    .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('template_name', 'varchar(200)', (c) => c.notNull())
    .addColumn('template_version', 'integer', (c) => c.notNull())
    .addColumn('arguments', 'text', (c) => c.notNull())
    .addColumn('configuration', 'varchar(64)')
    .addColumn('provider', 'varchar(40)', (c) => c.notNull())
    .addColumn('model', 'varchar(200)')
    .addColumn('output', 'text', (c) => c.notNull())
    .addColumn('input_tokens', 'integer')
    .addColumn('output_tokens', 'integer')
    .addColumn('latency_ms', 'double precision', (c) => c.notNull())
    .addColumn('principal_id', 'varchar(200)', (c) => c.notNull())
    .addColumn('surface', 'varchar(20)', (c) => c.notNull())
    .addColumn('job_id', 'varchar(40)')
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('generations_created').ifNotExists().on('generations').columns(['created_at']).execute();
  await db.schema.createIndex('generations_template').ifNotExists().on('generations').columns(['template_name', 'created_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('generations').ifExists().execute();
  await db.schema.dropTable('ai_configurations').ifExists().execute();
}
