import type { Kysely } from 'kysely';

/**
 * The prompt library: templates (the current version's content, denormalised for fast listing),
 * their full version history (every update and restore is a new row; rows are never changed), and
 * usage records (who rendered which version, through which surface, how long it took, and the
 * short argument values, which feed argument completion).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('prompt_templates')
    .ifNotExists()
    .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('title', 'varchar(200)')
    .addColumn('description', 'text')
    .addColumn('category', 'varchar(100)')
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('arguments', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_by', 'varchar(200)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(40)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('prompt_templates_category').ifNotExists().on('prompt_templates').columns(['category']).execute();

  await db.schema
    .createTable('prompt_template_versions')
    .ifNotExists()
    .addColumn('name', 'varchar(64)', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('title', 'varchar(200)')
    .addColumn('description', 'text')
    .addColumn('category', 'varchar(100)')
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('arguments', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_by', 'varchar(200)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('restored_from', 'integer')
    // Two writers racing to the same next version: the second fails here instead of overwriting.
    .addPrimaryKeyConstraint('prompt_template_versions_pk', ['name', 'version'])
    .execute();

  await db.schema
    .createTable('prompt_usage')
    .ifNotExists()
    .addColumn('id', 'varchar(48)', (c) => c.primaryKey())
    .addColumn('template_name', 'varchar(64)', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('principal_id', 'varchar(200)', (c) => c.notNull())
    .addColumn('surface', 'varchar(20)', (c) => c.notNull())
    .addColumn('at', 'varchar(40)', (c) => c.notNull())
    .addColumn('duration_ms', 'double precision', (c) => c.notNull())
    .addColumn('arguments', 'text')
    .execute();
  await db.schema.createIndex('prompt_usage_at').ifNotExists().on('prompt_usage').columns(['at']).execute();
  await db.schema.createIndex('prompt_usage_template').ifNotExists().on('prompt_usage').columns(['template_name', 'at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('prompt_usage').ifExists().execute();
  await db.schema.dropTable('prompt_template_versions').ifExists().execute();
  await db.schema.dropTable('prompt_templates').ifExists().execute();
}
