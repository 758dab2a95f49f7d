/**
 * Connections besides the embedded demo: another SQLite file and another PostgreSQL database
 * (URL from an environment variable), with hidden columns, a text key, read-only tables and a
 * custom tool name; configuration mistakes; and the demo seeding rules (once, and not on
 * PostgreSQL unless asked).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { localAuthenticator, localPrincipal } from '../../../src/core/identity/local-principal.js';
import { createDatabaseProvider } from '../../../src/providers/database/database-provider.js';
import { DEMO_ITEM_COUNT, DEMO_SEEDED_SETTING, demoItems, demoSubscriptions } from '../../../src/providers/database/demo-data.js';
import { createRuntime } from '../../../src/runtime.js';
import { activeDialects } from '../../helpers/dialects.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { startDatabaseHarness, type DatabaseHarness } from './database-harness.js';

const pgUrl = process.env.TEST_DATABASE_URL;

/** A small staff table with a secret column, in SQLite or PostgreSQL; returns the connection URL. */
async function staffDatabase(dialect: 'sqlite' | 'postgres'): Promise<string> {
  const rows = [
    ['a-1', 'Ada Lovelace', 'tok-ada', 5200, '2025-02-01'],
    ['b-2', 'Charles Babbage', 'tok-charles', 4800, '2025-06-15'],
    ['c-3', 'Mary Somerville', 'tok-mary', 5100, '2026-01-10'],
  ];
  if (dialect === 'sqlite') {
    const file = join(tempDir(), 'staff.db');
    const db = new SqliteDatabase(file);
    db.exec('create table people (code text primary key, name text not null, secret_token text, salary integer, joined date)');
    const insert = db.prepare('insert into people values (?, ?, ?, ?, ?)');
    for (const r of rows) insert.run(...r);
    db.close();
    return `sqlite:${file}`;
  }
  const schema = `s_${randomBytes(5).toString('hex')}`;
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  await client.query(`create schema "${schema}"`);
  await client.query(`create table "${schema}".people (code text primary key, name text not null, secret_token text, salary integer, joined date)`);
  for (const r of rows) await client.query(`insert into "${schema}".people values ($1, $2, $3, $4, $5)`, r);
  await client.end();
  afterAll(async () => {
    const c = new pg.Client({ connectionString: pgUrl });
    await c.connect();
    await c.query(`drop schema if exists "${schema}" cascade`);
    await c.end();
  });
  const url = new URL(pgUrl!);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

describe.each(activeDialects)('other connections [%s]', (dialect) => {
  let h: DatabaseHarness;
  beforeAll(async () => {
    process.env[`STAFF_DB_URL_${dialect.toUpperCase()}`] = await staffDatabase(dialect);
    const connections = {
      main: { url: 'embedded', tables: { items: { searchable: ['name'], writable: false } } },
      staff: { urlEnv: `STAFF_DB_URL_${dialect.toUpperCase()}`, tables: { people: { name: 'staff', singular: 'member', searchable: ['name', 'secret_token'], hidden: ['secret_token'] } } },
    };
    h = await startDatabaseHarness(dialect, { PORTICO_DATABASES__CONNECTIONS: JSON.stringify(connections), PORTICO_DATABASES__EXPOSE_USERS: 'false' });
  });

  it('exposes the configured tables under their names, read-only where not writable', () => {
    const names = h.toolNames('admin');
    expect(names).toEqual(expect.arrayContaining(['search_items', 'get_item', 'analyze_items', 'search_staff', 'get_member', 'analyze_staff', 'database', 'manage_users']));
    expect(names).not.toContain('create_item');
    expect(names).not.toContain('create_member');
    expect(names).not.toContain('search_users');
  });

  it('never shows, searches or filters on hidden columns', async () => {
    const all = await h.ok<{ results: Record<string, unknown>[] }>('search_staff', { order_by: 'code' });
    expect(all.results.map((r) => Object.keys(r).sort())).toEqual(Array(3).fill(['code', 'joined', 'name', 'salary']));
    expect(JSON.stringify(all)).not.toContain('tok-');
    // A searchable column that is hidden is not searched.
    expect((await h.ok<{ total_found: number }>('search_staff', { query: 'tok-ada' })).total_found).toBe(0);
    expect(await h.fails('search_staff', { secret_token: 'tok-ada' })).toMatch(/Invalid arguments/);
    expect(await h.fails('search_staff', { order_by: 'secret_token' })).toMatch(/Invalid arguments/);
    const tool = h.runtime.pipeline.listTools(h.scope('admin')).find((t) => t.name === 'search_staff')!;
    expect(JSON.stringify(tool.inputSchema)).not.toContain('secret_token');
  });

  it('reads by a text key, with date and integer filters', async () => {
    expect(await h.ok('get_member', { code: 'b-2' })).toEqual({ member: { code: 'b-2', name: 'Charles Babbage', salary: 4800, joined: '2025-06-15' } });
    expect(await h.read('portico://db/staff/c-3')).toMatchObject({ name: 'Mary Somerville' });
    const joined = await h.ok<{ results: { code: string }[] }>('search_staff', { joined_from: '2025-06-01', min_salary: 5000 });
    expect(joined.results.map((r) => r.code)).toEqual(['c-3']);
    const dist = await h.ok<{ count: number; median: number }>('analyze_staff', { analysis_type: 'distribution', column: 'salary' });
    expect(dist).toMatchObject({ count: 3, median: 5100 });
  });

  it('runs SQL on the other connection', async () => {
    const out = await h.ok<{ rows: unknown[][] }>('database', { query: 'select name from people order by code', connection: 'staff' }, 'admin');
    expect(out.rows).toEqual([['Ada Lovelace'], ['Charles Babbage'], ['Mary Somerville']]);
  });
});

describe('configuration mistakes', () => {
  const start = async (connections: unknown) => {
    const config = loadConfig({ env: { PORTICO_DATA_DIR: tempDir(), PORTICO_PROVIDERS__BUILTIN: 'false', PORTICO_DATABASES__CONNECTIONS: JSON.stringify(connections) } });
    const runtime = await createRuntime(config, { logger: pino({ level: 'silent' }), authenticator: localAuthenticator(), providers: [createDatabaseProvider(config)] });
    await runtime.close();
  };
  it('refuses a missing table, a missing column, a hidden key and clashing names', async () => {
    await expect(start({ main: { url: 'embedded', tables: { nope: {} } } })).rejects.toThrow(/table "nope" does not exist/);
    await expect(start({ main: { url: 'embedded', tables: { items: { searchable: ['colour'] } } } })).rejects.toThrow(/column "colour" does not exist/);
    await expect(start({ main: { url: 'embedded', tables: { items: { hidden: ['id'] } } } })).rejects.toThrow(/key column cannot be hidden/);
    await expect(start({ main: { url: 'embedded', tables: { items: {}, subscriptions: { name: 'items' } } } })).rejects.toThrow(/both exposed as "items"/);
    await expect(start({ main: { urlEnv: 'PORTICO_TEST_UNSET_VARIABLE', tables: {} } })).rejects.toThrow(/PORTICO_TEST_UNSET_VARIABLE is not set/);
  });
  it('refuses identifiers that are not plain SQL names', () => {
    expect(() => loadConfig({ env: { PORTICO_DATABASES__CONNECTIONS: JSON.stringify({ main: { tables: { 'items; drop table x': {} } } }) } })).toThrow();
    expect(() => loadConfig({ env: { PORTICO_DATABASES__CONNECTIONS: JSON.stringify({ main: { tables: { items: { searchable: ['name"--'] } } } }) } })).toThrow();
  });
});

describe('demo application data', () => {
  it('is deterministic, spread over twelve months and eight categories', () => {
    expect(demoItems()).toEqual(demoItems());
    expect(demoSubscriptions()).toEqual(demoSubscriptions());
    const months = new Set(demoItems().map((i) => i.created_at.slice(0, 7)));
    expect(months.size).toBeGreaterThanOrEqual(12);
    expect(new Set(demoItems().map((i) => i.category)).size).toBe(8);
    expect(new Set(demoSubscriptions().map((s) => s.email)).size).toBe(demoSubscriptions().length);
  });

  it('is seeded once: deleted rows do not come back on the next start', async () => {
    const dataDir = tempDir();
    const env = { PORTICO_DATA_DIR: dataDir, PORTICO_PROVIDERS__BUILTIN: 'false' };
    const config = loadConfig({ env });
    const open = () => createRuntime(config, { logger: pino({ level: 'silent' }), authenticator: localAuthenticator(), providers: [createDatabaseProvider(config)] });
    let runtime = await open();
    const db = () => runtime.store.database.db as unknown as Kysely<{ items: { id: number; category: string } }>;
    const count = async () => Number((await db().selectFrom('items').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    expect(await count()).toBe(DEMO_ITEM_COUNT);
    await db().deleteFrom('items').where('category', '=', 'toys').execute();
    const left = await count();
    expect(left).toBeLessThan(DEMO_ITEM_COUNT);
    await runtime.close();
    runtime = await open();
    expect(await count()).toBe(left);
    expect(await runtime.store.database.db.selectFrom('settings').select('key').where('key', '=', DEMO_SEEDED_SETTING).executeTakeFirst()).toBeDefined();
    // Dropped demo tables stay dropped: the start succeeds and simply exposes less.
    await db().schema.dropTable('items').execute();
    await runtime.close();
    runtime = await open();
    const tools = runtime.catalog.tools().map((t) => t.entry.name);
    expect(tools).not.toContain('search_items');
    expect(tools).toContain('create_subscription');
    await runtime.close();
  });

  it.runIf(pgUrl)('is not created on PostgreSQL unless asked (databases.demo=auto)', async () => {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const config = loadConfig({ env: { PORTICO_DATA_DIR: tempDir(), PORTICO_PROVIDERS__BUILTIN: 'false', DATABASE_URL: pgUrl!, PORTICO_DATABASE__SCHEMA: schema } });
    const runtime = await createRuntime(config, { logger: pino({ level: 'silent' }), authenticator: localAuthenticator(), providers: [createDatabaseProvider(config)] });
    try {
      const tools = runtime.catalog.tools().map((t) => t.entry.name);
      expect(tools).not.toContain('search_items');
      expect(tools).toEqual(expect.arrayContaining(['database', 'manage_users', 'search_users']));
    } finally {
      await runtime.close();
      const c = new pg.Client({ connectionString: pgUrl });
      await c.connect();
      await c.query(`drop schema if exists "${schema}" cascade`);
      await c.end();
    }
  });
});

describe('connection URLs and secrets', () => {
  it('refuses a password inside a configured URL (it belongs in urlEnv)', () => {
    const withPassword = { app: { url: 'postgres://app:hunter2@db.internal/app', tables: {} } };
    expect(() => loadConfig({ env: { PORTICO_DATABASES__CONNECTIONS: JSON.stringify(withPassword) } })).toThrow(/urlEnv/);
    const inQuery = { app: { url: 'postgres://db.internal/app?password=hunter2', tables: {} } };
    expect(() => loadConfig({ env: { PORTICO_DATABASES__CONNECTIONS: JSON.stringify(inQuery) } })).toThrow(/urlEnv/);
    expect(loadConfig({ env: { PORTICO_DATABASES__CONNECTIONS: JSON.stringify({ app: { url: 'postgres://app@db.internal/app', tables: {} } }) } }).databases.connections.app!.url).toBe('postgres://app@db.internal/app');
  });

  it.runIf(pgUrl)('never shows the URL of a failing connection', async () => {
    process.env.PORTICO_TEST_BAD_PG_URL = 'postgres://someone:very-secret-pw@127.0.0.1:1/nowhere';
    const config = loadConfig({
      env: { PORTICO_DATA_DIR: tempDir(), PORTICO_PROVIDERS__BUILTIN: 'false', PORTICO_DATABASES__CONNECTIONS: JSON.stringify({ bad: { urlEnv: 'PORTICO_TEST_BAD_PG_URL', tables: {} } }) },
    });
    const runtime = await createRuntime(config, { logger: pino({ level: 'silent' }), authenticator: localAuthenticator(), providers: [createDatabaseProvider(config)] });
    try {
      const result = await runtime.pipeline.callTool({ principal: localPrincipal(), surface: 'internal', requestId: 'r1' }, 'database', { query: 'select 1', connection: 'bad' });
      const text = JSON.stringify(result);
      expect(text).toMatch(/connection failed/);
      expect(text).not.toContain('very-secret-pw');
      expect(text).not.toContain('someone');
    } finally {
      await runtime.close();
    }
  });
});
