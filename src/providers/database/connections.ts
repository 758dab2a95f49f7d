/**
 * Opens the connections named in `databases.connections`: `embedded` shares Portico's own
 * database; a SQLite file or a PostgreSQL URL gets its own Kysely instance. Each connection also
 * knows how to build the `database` tool's runner for itself. URLs never appear in errors or
 * logs except redacted.
 */
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { ConnectionConfig } from '../../config/sections/databases.js';
import { redactUrl } from '../../config/redact-config.js';
import type { FrozenConfig } from '../../config/schema.js';
import { PorticoError } from '../../core/errors.js';
import { createPostgresDialect } from '../../store/dialects/postgres-dialect.js';
import type { Store } from '../../store/store.js';
import { createPostgresSqlRunner } from './postgres-sql-runner.js';
import type { SqlRunner } from './sql-runner.js';
import { createSqliteSqlRunner } from './sqlite-sql-runner.js';
import type { TableConnection } from './table-model.js';

export interface OpenConnection extends TableConnection {
  /** Portico's own database. */
  readonly embedded: boolean;
  /** Where it points, safe to show (passwords redacted). */
  readonly display: string;
  readonly sqlEnabled: boolean;
  /** The `database` tool's runner, created on first use; undefined when SQL is impossible here (in-memory SQLite). */
  sqlRunner(): SqlRunner | undefined;
  close(): Promise<void>;
}

export function resolveUrl(name: string, spec: ConnectionConfig, env: NodeJS.ProcessEnv = process.env): string {
  if (spec.urlEnv) {
    const value = env[spec.urlEnv];
    if (!value) throw new PorticoError('config_invalid', `databases.connections.${name}: environment variable ${spec.urlEnv} is not set.`);
    return value;
  }
  return spec.url ?? 'embedded';
}

export function openConnection(name: string, spec: ConnectionConfig, config: FrozenConfig, store: Store): OpenConnection {
  const url = resolveUrl(name, spec);
  const writable = Object.values(spec.tables).some((t) => t.writable);
  let runner: SqlRunner | undefined;
  const lazyRunner = (make: () => SqlRunner | undefined) => () => (runner ??= make());
  const closeRunner = async () => {
    await runner?.close();
    runner = undefined;
  };

  if (url === 'embedded') {
    const database = store.database;
    const file = database.sqlite?.file;
    return {
      name,
      dialect: database.dialect,
      db: database.db,
      embedded: true,
      display: 'embedded',
      sqlEnabled: spec.sql,
      sqlRunner: lazyRunner(() =>
        database.dialect === 'postgres'
          ? config.database.url
            ? createPostgresSqlRunner({ url: config.database.url, schema: config.database.schema })
            : undefined
          : file
            ? createSqliteSqlRunner({ file, busyTimeoutMs: config.database.busyTimeoutMs })
            : undefined,
      ),
      close: closeRunner,
    };
  }

  if (/^postgres(ql)?:\/\//.test(url)) {
    const { dialect } = createPostgresDialect({ url, poolMax: 4 });
    const db = new Kysely<never>({ dialect });
    return {
      name,
      dialect: 'postgres',
      db,
      embedded: false,
      display: redactUrl(url),
      sqlEnabled: spec.sql,
      sqlRunner: lazyRunner(() => createPostgresSqlRunner({ url })),
      async close() {
        await closeRunner();
        await db.destroy();
      },
    };
  }

  const file = url.replace(/^sqlite:(\/\/)?/, '');
  let raw: SqliteDatabase.Database;
  try {
    // Someone else's application database: no journal-mode or permission changes, read-only unless a table is writable.
    raw = new SqliteDatabase(file, { readonly: !writable, fileMustExist: true, timeout: config.database.busyTimeoutMs });
  } catch (err) {
    throw new PorticoError('config_invalid', `databases.connections.${name}: cannot open the SQLite file ${file}.`, { cause: err });
  }
  raw.pragma('foreign_keys = ON');
  const db = new Kysely<never>({ dialect: new SqliteDialect({ database: raw }) });
  return {
    name,
    dialect: 'sqlite',
    db,
    embedded: false,
    display: file,
    sqlEnabled: spec.sql,
    sqlRunner: lazyRunner(() => createSqliteSqlRunner({ file, busyTimeoutMs: config.database.busyTimeoutMs })),
    async close() {
      await closeRunner();
      await db.destroy();
    },
  };
}
