import type { Kysely } from 'kysely';

/**
 * Storage of the OAuth 2.1 authorization server (oidc-provider's adapter): one generic table for
 * every model it persists — registered clients, grants, interactions, sessions, authorization
 * codes, refresh tokens — keyed by (model, id), the model's payload as JSON, and the secondary
 * keys the provider looks records up by. Expired rows are ignored on read and purged in passing.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('oauth_records')
    .ifNotExists()
    .addColumn('model', 'varchar(48)', (c) => c.notNull())
    .addColumn('id', 'varchar(512)', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('grant_id', 'varchar(255)')
    .addColumn('user_code', 'varchar(255)')
    .addColumn('uid', 'varchar(255)')
    .addColumn('expires_at', 'varchar(40)')
    .addColumn('consumed_at', 'varchar(40)')
    .addPrimaryKeyConstraint('oauth_records_pk', ['model', 'id'])
    .execute();
  await db.schema.createIndex('oauth_records_grant').ifNotExists().on('oauth_records').column('grant_id').execute();
  await db.schema.createIndex('oauth_records_uid').ifNotExists().on('oauth_records').columns(['model', 'uid']).execute();
  await db.schema.createIndex('oauth_records_user_code').ifNotExists().on('oauth_records').columns(['model', 'user_code']).execute();
  await db.schema.createIndex('oauth_records_expires').ifNotExists().on('oauth_records').column('expires_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('oauth_records').ifExists().execute();
}
