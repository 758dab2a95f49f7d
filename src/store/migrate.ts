/**
 * Applies migrations in code. The whole pending set runs in one transaction on one connection:
 * PostgreSQL and SQLite both have transactional DDL, so a failing migration leaves the database
 * exactly as it was. Concurrent migrators (several nodes starting, or `portico migrate` beside a
 * server) are serialised by an advisory lock (PostgreSQL) or BEGIN IMMEDIATE (SQLite's write lock).
 */
import { sql, type Kysely, type Migration } from 'kysely';
import { PorticoError } from '../core/errors.js';
import type { Database } from './database.js';
import { migrations as builtIn } from './migrations/index.js';

export interface MigrationReport {
  applied: string[];
}

/** Arbitrary constant: the advisory-lock key all Portico nodes agree on for migrations. */
const PG_MIGRATION_LOCK = 0x706f7274;
const TABLE = 'portico_migration';

export async function migrateToLatest(database: Database, migrations: Readonly<Record<string, Migration>> = builtIn): Promise<MigrationReport> {
  const names = Object.keys(migrations).sort();
  const db = database.db as unknown as Kysely<Record<string, { name: string; executed_at: string }>>;
  return db.connection().execute(async (conn) => {
    await sql.raw(database.dialect === 'sqlite' ? 'begin immediate' : 'begin').execute(conn);
    let current: string | undefined;
    try {
      if (database.dialect === 'postgres') await sql`select pg_advisory_xact_lock(${PG_MIGRATION_LOCK})`.execute(conn);
      await conn.schema
        .createTable(TABLE)
        .ifNotExists()
        .addColumn('name', 'varchar(200)', (c) => c.primaryKey())
        .addColumn('executed_at', 'varchar(40)', (c) => c.notNull())
        .execute();
      const done = new Set((await conn.selectFrom(TABLE).select('name').execute()).map((r) => r.name));
      const unknown = [...done].filter((n) => !(n in migrations));
      if (unknown.length) {
        throw new PorticoError('migration_failed', `the database was migrated by a newer Portico (unknown migrations: ${unknown.join(', ')}); upgrade this installation`);
      }
      const applied: string[] = [];
      for (const name of names) {
        if (done.has(name)) continue;
        current = name;
        await migrations[name]!.up(conn as Kysely<unknown>);
        await conn.insertInto(TABLE).values({ name, executed_at: new Date().toISOString() }).execute();
        applied.push(name);
      }
      await sql`commit`.execute(conn);
      return { applied };
    } catch (err) {
      await sql`rollback`.execute(conn).catch(() => undefined);
      if (err instanceof PorticoError) throw err;
      const reason = err instanceof Error ? err.message : String(err);
      throw new PorticoError('migration_failed', `database migration ${current ?? '(setup)'} failed and was rolled back: ${reason}`, { cause: err });
    }
  });
}
