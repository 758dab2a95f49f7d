import type { Kysely } from 'kysely';

/**
 * Identity: roles (permission sets as data), users, API keys, refresh tokens, and the signing keys
 * of Portico's own access tokens. Secrets are never stored in the clear: passwords as argon2id
 * hashes, API keys and refresh tokens as keyed hashes, private signing keys encrypted.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('roles')
    .ifNotExists()
    .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('permissions', 'text', (c) => c.notNull())
    .addColumn('builtin', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(40)', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('users')
    .ifNotExists()
    .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('username', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('email', 'varchar(320)', (c) => c.unique())
    .addColumn('full_name', 'varchar(200)')
    .addColumn('password_hash', 'text')
    .addColumn('role', 'varchar(64)', (c) => c.notNull().references('roles.name'))
    .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('last_login_at', 'varchar(40)')
    .execute();
  await db.schema
    .createTable('api_keys')
    .ifNotExists()
    .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(100)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(40)', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('role', 'varchar(64)', (c) => c.notNull().references('roles.name'))
    .addColumn('scopes', 'text')
    .addColumn('secret_hash', 'varchar(128)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('expires_at', 'varchar(40)')
    .addColumn('last_used_at', 'varchar(40)')
    .addColumn('revoked_at', 'varchar(40)')
    .execute();
  await db.schema.createIndex('api_keys_user').ifNotExists().on('api_keys').column('user_id').execute();
  await db.schema
    .createTable('refresh_tokens')
    .ifNotExists()
    .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('family_id', 'varchar(40)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(40)', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('token_hash', 'varchar(128)', (c) => c.notNull().unique())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('expires_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('used_at', 'varchar(40)')
    .addColumn('revoked_at', 'varchar(40)')
    .execute();
  await db.schema.createIndex('refresh_tokens_family').ifNotExists().on('refresh_tokens').column('family_id').execute();
  await db.schema
    .createTable('signing_keys')
    .ifNotExists()
    .addColumn('kid', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('alg', 'varchar(16)', (c) => c.notNull())
    .addColumn('public_jwk', 'text', (c) => c.notNull())
    .addColumn('private_jwk_encrypted', 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('retired_at', 'varchar(40)')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['signing_keys', 'refresh_tokens', 'api_keys', 'users', 'roles']) await db.schema.dropTable(t).ifExists().execute();
}
