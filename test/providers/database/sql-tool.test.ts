/**
 * The `database` SQL tool on SQLite and PostgreSQL: parameters, row cap, timeout, read-only mode
 * enforced by the database (shown by running the runners without the lexical guard), write mode
 * only with db:sql:write, and the schema resource.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PorticoError } from '../../../src/core/errors.js';
import type { Principal } from '../../../src/core/identity/principal.js';
import { createPostgresSqlRunner } from '../../../src/providers/database/postgres-sql-runner.js';
import type { SqlRunner } from '../../../src/providers/database/sql-runner.js';
import { createSqliteSqlRunner } from '../../../src/providers/database/sqlite-sql-runner.js';
import { activeDialects } from '../../helpers/dialects.js';
import { startDatabaseHarness, type DatabaseHarness } from './database-harness.js';

interface SqlOut {
  columns: { name: string }[];
  rows: unknown[][];
  row_count: number;
  truncated: boolean;
  changes?: number;
}

describe.each(activeDialects)('database SQL tool [%s]', (dialect) => {
  let h: DatabaseHarness;
  let sqlReader: Principal;
  let runner: SqlRunner;
  const p = (n: number) => (dialect === 'postgres' ? `$${n}` : '?');

  beforeAll(async () => {
    h = await startDatabaseHarness(dialect, { PORTICO_DATABASES__SQL_TIMEOUT_MS: '1500', PORTICO_DATABASES__SQL_MAX_ROWS: '200' });
    await h.runtime.identity.saveRole({ name: 'sql-reader', permissions: ['db:sql:read'] });
    const user = await h.runtime.identity.createUser({ username: 'sql-reader', role: 'sql-reader' });
    sqlReader = await h.runtime.identity.principalForUser(user.id);
    runner =
      dialect === 'postgres'
        ? createPostgresSqlRunner({ url: h.config.database.url!, schema: h.config.database.schema })
        : createSqliteSqlRunner({ file: h.runtime.store.database.sqlite!.file });
  });
  afterAll(() => runner?.close());

  it('runs a query with bound parameters', async () => {
    const out = await h.ok<SqlOut>('database', { query: `select category, count(*) as n from items where price > ${p(1)} and category = ${p(2)} group by category`, params: [100, 'electronics'] }, sqlReader);
    expect(out.columns.map((c) => c.name)).toEqual(['category', 'n']);
    expect(out.rows).toHaveLength(1);
    expect(out.rows[0]![0]).toBe('electronics');
    expect(out.truncated).toBe(false);
    // A parameter is a value, never SQL.
    const hostile = await h.ok<SqlOut>('database', { query: `select count(*) from items where category = ${p(1)}`, params: ["x' OR '1'='1"] }, sqlReader);
    expect(Number(hostile.rows[0]![0])).toBe(0);
  });

  it('accepts semicolons and comment markers inside strings, and a trailing semicolon', async () => {
    const out = await h.ok<SqlOut>('database', { query: "select ';' as a, '--' as b, '/*' as c -- a comment; with a semicolon\n;" }, sqlReader);
    expect(out.rows).toEqual([[';', '--', '/*']]);
  });

  it('caps rows and says it truncated', async () => {
    const out = await h.ok<SqlOut>('database', { query: 'select id from items order by id', max_rows: 10 }, sqlReader);
    expect(out.row_count).toBe(10);
    expect(out.truncated).toBe(true);
    expect(await h.fails('database', { query: 'select 1', max_rows: 201 }, sqlReader)).toMatch(/Invalid arguments/);
  });

  it('stops a statement at the timeout, and keeps working afterwards', async () => {
    const slow = dialect === 'postgres' ? 'select pg_sleep(10)' : 'with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c';
    const started = Date.now();
    expect(await h.fails('database', { query: slow }, sqlReader)).toMatch(/timeout|did not finish|timed out/i);
    expect(Date.now() - started).toBeLessThan(8000);
    const after = await h.ok<SqlOut>('database', { query: 'select count(*) from items' }, sqlReader);
    expect(Number(after.rows[0]![0])).toBeGreaterThan(0);
  });

  it('stops a statement when the caller cancels', async () => {
    const slow = dialect === 'postgres' ? 'select pg_sleep(10)' : 'with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c';
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const started = Date.now();
    const outcome = await h.runtime.pipeline.callTool(h.scope(sqlReader), 'database', { query: slow }, { signal: controller.signal }).then(
      (r) => JSON.stringify(r),
      (e: Error) => e.message,
    );
    expect(outcome).toMatch(/cancel/i);
    expect(Date.now() - started).toBeLessThan(1400);
    const after = await h.ok<SqlOut>('database', { query: 'select 1' }, sqlReader);
    expect(after.rows).toEqual([[1]]);
    if (dialect === 'postgres') {
      // The backend stopped too (not only our socket): no pg_sleep is left running.
      await new Promise((r) => setTimeout(r, 300));
      const running = await h.ok<SqlOut>('database', { query: "select count(*) from pg_stat_activity where query = 'select pg_sleep(10)' and state = 'active'" }, sqlReader);
      expect(Number(running.rows[0]![0])).toBe(0);
    }
  });

  const refusedInReadMode = [
    "insert into subscriptions (email, is_active, created_at) values ('sneaky@example.com', true, '2026-01-01')",
    'drop table items',
    'delete from items',
    "update items set price = 0",
    "attach database '/tmp/portico-attack.db' as evil",
    'pragma writable_schema = on',
    'select 1; drop table items',
    "select 1; -- harmless?\n delete from items",
    '/* comment */ delete from items',
    "select ';'; drop table items",
    'create table evil (x int)',
    'begin; delete from items; commit',
  ];

  it.each(refusedInReadMode)('refuses in read mode: %s', async (query) => {
    const text = await h.fails('database', { query }, 'admin');
    expect(text).toMatch(/read-only|not allowed|exactly one SQL statement|Read-only mode/i);
    const count = await h.ok<SqlOut>('database', { query: 'select count(*) from items' }, 'admin');
    expect(Number(count.rows[0]![0])).toBeGreaterThan(0);
  });

  it('the database itself refuses writes in read mode (no lexical guard involved)', async () => {
    const writes = [
      "insert into subscriptions (email, is_active, created_at) values ('raw@example.com', true, '2026-01-01')",
      'drop table items',
      'with doomed as (select id from items) delete from items where id in (select id from doomed)',
      'create table evil (x int)',
      ...(dialect === 'sqlite' ? ["attach database ':memory:' as evil", 'create temp table evil (x int)'] : ['set transaction read write']),
    ];
    for (const query of writes) {
      const err = await runner.run({ sql: query, params: [], write: false, timeoutMs: 2000, maxRows: 10 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, query).toBeInstanceOf(PorticoError);
      expect((err as PorticoError).message, query).toMatch(/read-only|not allowed|SQL error/i);
    }
    if (dialect === 'sqlite') {
      // better-sqlite3 opens connections in SQLite's defensive mode: writable_schema cannot be
      // switched on at all, so the statement is a no-op (the tool's guard refuses it outright).
      const pragma = await runner.run({ sql: 'pragma writable_schema = on', params: [], write: false, timeoutMs: 2000, maxRows: 10 });
      expect(pragma.rows).toEqual([]);
    }
    // A statement sneaking a second one past the guard is refused by the driver/protocol too.
    const multi = await runner.run({ sql: 'select 1; delete from items', params: [], write: false, timeoutMs: 2000, maxRows: 10 }).catch((e: Error) => e);
    expect((multi as Error).message).toMatch(/exactly one SQL statement/);
    const count = await runner.run({ sql: 'select count(*) from items', params: [], write: false, timeoutMs: 2000, maxRows: 10 });
    expect(Number(count.rows[0]![0])).toBeGreaterThan(0);
  });

  it('writes only in write mode with db:sql:write', async () => {
    const insert = `insert into subscriptions (email, is_active, created_at) values (${p(1)}, ${p(2)}, ${p(3)})`;
    const params = ['sql-writer@example.com', dialect === 'postgres' ? true : 1, '2026-11-01T00:00:00.000Z'];
    expect(await h.fails('database', { query: insert, params, mode: 'write' }, sqlReader)).toMatch(/db:sql:write/);
    const out = await h.ok<SqlOut>('database', { query: insert, params, mode: 'write' }, 'admin');
    expect(out.changes).toBe(1);
    const found = await h.ok<{ total_found: number }>('search_subscriptions', { query: 'sql-writer@' });
    expect(found.total_found).toBe(1);
    // ATTACH stays refused even in write mode (it opens arbitrary files).
    expect(await h.fails('database', { query: "attach database '/tmp/x.db' as x", mode: 'write' }, 'admin')).toMatch(/ATTACH is not allowed/);
  });

  it('is invisible without db:sql:read, and reports SQL errors clearly', async () => {
    for (const role of ['user', 'ai_agent', 'readonly'] as const) {
      expect(h.toolNames(role)).not.toContain('database');
      await expect(h.call('database', { query: 'select 1' }, role)).rejects.toThrow(/Unknown tool/);
    }
    expect(await h.fails('database', { query: 'select * from no_such_table' }, sqlReader)).toMatch(/SQL error/);
    expect(await h.fails('database', { query: 'select 1', connection: 'other' }, sqlReader)).toMatch(/Invalid arguments/);
  });

  it('publishes the schema of the connection', async () => {
    const schema = (await h.read('portico://db-schema/main', sqlReader)) as { dialect: string; tables: { name: string; primary_key: string[]; unique: string[]; columns: { name: string; type: string }[] }[] };
    expect(schema.dialect).toBe(dialect);
    const subs = schema.tables.find((t) => t.name === 'subscriptions')!;
    expect(subs.primary_key).toEqual(['id']);
    expect(subs.unique).toContain('email');
    expect(subs.columns.map((c) => c.name)).toEqual(['id', 'email', 'is_active', 'created_at']);
    await expect(h.read('portico://db-schema/main', 'user')).rejects.toThrow(/not found/i);
  });
});
