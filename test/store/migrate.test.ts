import { sql, type Migration } from 'kysely';
import { describe, expect, it } from 'vitest';
import { PorticoError } from '../../src/core/errors.js';
import { openDatabase, type Database } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { migrations } from '../../src/store/migrations/index.js';
import { describeEachDialect } from '../helpers/dialects.js';

async function tableExists(database: Database, name: string): Promise<boolean> {
  // PostgreSQL introspection lists every schema; only the one this database uses counts.
  const schema = database.dialect === 'postgres' ? (await sql<{ s: string }>`select current_schema() as s`.execute(database.db)).rows[0]?.s : undefined;
  const tables = await database.db.introspection.getTables();
  return tables.some((t) => t.name === name && (schema === undefined || t.schema === schema));
}

describeEachDialect('migrations', (ctx) => {
  it('applies every migration once and is a no-op the second time', async () => {
    const database = await ctx.open();
    const first = await migrateToLatest(database);
    expect(first.applied).toEqual(Object.keys(migrations));
    const second = await migrateToLatest(database);
    expect(second.applied).toEqual([]);
    expect(await tableExists(database, 'settings')).toBe(true);
  });

  it('rolls back the whole run when a migration fails and reports which one', async () => {
    const database = await ctx.open();
    const broken: Record<string, Migration> = {
      ...migrations,
      '0900-good': { up: async (d) => void (await d.schema.createTable('will_vanish').addColumn('id', 'integer').execute()) },
      '0901-bad': { up: async (d) => void (await sql`this is not sql`.execute(d)) },
    };
    const err = await migrateToLatest(database, broken).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PorticoError);
    expect((err as PorticoError).code).toBe('migration_failed');
    expect((err as PorticoError).message).toContain('0901-bad');
    // Nothing of the failed run survives: not the good migration before it, not even the base tables.
    expect(await tableExists(database, 'will_vanish')).toBe(false);
    expect(await tableExists(database, 'settings')).toBe(false);
    // And the database can still be migrated afterwards.
    expect((await migrateToLatest(database)).applied).toEqual(Object.keys(migrations));
  });

  it('refuses a database migrated by a newer Portico', async () => {
    const database = await ctx.open();
    await migrateToLatest(database, { ...migrations, '9999-future': { up: async () => undefined } });
    const err = await migrateToLatest(database).catch((e: unknown) => e);
    expect((err as PorticoError).code).toBe('migration_failed');
    expect((err as PorticoError).message).toContain('9999-future');
  });

  // SQLite's driver is synchronous, so two in-process connections would block each other's thread;
  // the cross-process case (CLI beside a server) is covered by the CLI end-to-end tests.
  it.runIf(ctx.name === 'postgres')('lets two concurrent migrators agree (the advisory lock serialises them)', async () => {
    const options = ctx.freshOptions();
    const a = await openDatabase(options);
    const b = await openDatabase(options);
    try {
      const [r1, r2] = await Promise.all([migrateToLatest(a), migrateToLatest(b)]);
      expect([...r1.applied, ...r2.applied].sort()).toEqual(Object.keys(migrations));
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('migration list', () => {
  it('is sorted and every migration has an up step', () => {
    const names = Object.keys(migrations);
    expect([...names].sort()).toEqual(names);
    for (const m of Object.values(migrations)) expect(typeof m.up).toBe('function');
  });
});
