import type { Kysely } from 'kysely';

/**
 * Blob metadata: one row per distinct content (the SHA-256 of its bytes is the key), so storing
 * the same bytes twice keeps the first record. Content itself lives in the BlobStore.
 * `created_seq` orders listing pages stably (newest first) in both dialects.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('blobs')
    .ifNotExists()
    .addColumn('sha256', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('filename', 'varchar(255)', (c) => c.notNull())
    .addColumn('mime_type', 'varchar(255)', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('owner_id', 'varchar(200)')
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('metadata', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('blobs_created').ifNotExists().on('blobs').columns(['created_at', 'sha256']).execute();
  await db.schema.createIndex('blobs_mime').ifNotExists().on('blobs').columns(['mime_type']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('blobs').ifExists().execute();
}
