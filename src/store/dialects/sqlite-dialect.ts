/**
 * Embedded SQLite through better-sqlite3. WAL lets CLI commands read and write while a server runs;
 * busy_timeout makes a second writer wait instead of failing; foreign keys are off by default in
 * SQLite and must be switched on per connection.
 */
import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { SqliteDialect } from 'kysely';

export interface SqliteOptions {
  /** File path, or ':memory:'. */
  file: string;
  busyTimeoutMs: number;
  readonly?: boolean;
}

export function createSqliteDialect(options: SqliteOptions): { dialect: SqliteDialect; raw: SqliteDatabase.Database } {
  if (options.file !== ':memory:') mkdirSync(dirname(options.file), { recursive: true, mode: 0o700 });
  const raw = new SqliteDatabase(options.file, { readonly: options.readonly ?? false, timeout: options.busyTimeoutMs });
  raw.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs)}`);
  if (!options.readonly) {
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = NORMAL');
  }
  raw.pragma('foreign_keys = ON');
  // The database holds hashed credentials and encrypted secrets: owner-only, like the directory.
  if (options.file !== ':memory:' && !options.readonly) chmodSync(options.file, 0o600);
  return { dialect: new SqliteDialect({ database: raw }), raw };
}
