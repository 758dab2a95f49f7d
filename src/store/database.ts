/**
 * Opens the database chosen by configuration: PostgreSQL when `database.url` is set, otherwise the
 * embedded SQLite file in the data directory. Everything above this file speaks Kysely only.
 */
import { join } from 'node:path';
import { Kysely, sql } from 'kysely';
import type { FrozenConfig } from '../config/schema.js';
import { createPostgresDialect, ensureSchema } from './dialects/postgres-dialect.js';
import { createSqliteDialect } from './dialects/sqlite-dialect.js';
import type { DatabaseSchema, DialectName } from './schema.js';

export interface Database {
  readonly db: Kysely<DatabaseSchema>;
  readonly dialect: DialectName;
  /** The SQLite file (for repositories that keep a dedicated write connection), when SQLite. */
  readonly sqlite?: { file: string; busyTimeoutMs: number };
  /** A cheap round trip, for health checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type DatabaseOptions =
  | { dialect: 'sqlite'; file: string; busyTimeoutMs?: number }
  | { dialect: 'postgres'; url: string; schema?: string | undefined; poolMax?: number };

export function databaseOptionsFrom(config: FrozenConfig): DatabaseOptions {
  return config.database.url
    ? { dialect: 'postgres', url: config.database.url, schema: config.database.schema, poolMax: config.database.poolMax }
    : { dialect: 'sqlite', file: join(config.dataDir, 'portico.db'), busyTimeoutMs: config.database.busyTimeoutMs };
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.dialect === 'sqlite') {
    const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    const { dialect } = createSqliteDialect({ file: options.file, busyTimeoutMs });
    return wrap(new Kysely<DatabaseSchema>({ dialect }), 'sqlite', options.file === ':memory:' ? undefined : { file: options.file, busyTimeoutMs });
  }
  const pgOptions = { url: options.url, schema: options.schema, poolMax: options.poolMax ?? 10 };
  await ensureSchema(pgOptions);
  const { dialect } = createPostgresDialect(pgOptions);
  return wrap(new Kysely<DatabaseSchema>({ dialect }), 'postgres');
}

function wrap(db: Kysely<DatabaseSchema>, dialect: DialectName, sqlite?: { file: string; busyTimeoutMs: number }): Database {
  let closed = false;
  return {
    db,
    dialect,
    ...(sqlite ? { sqlite } : {}),
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}
