/**
 * The database tools end to end: a real Portico server (SQLite, and PostgreSQL when
 * TEST_DATABASE_URL is set) with the database provider and the demo data, real SDK clients of
 * both eras authenticating with API keys of different roles, over Streamable HTTP at /mcp.
 */
import { randomBytes } from 'node:crypto';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { createDatabaseProvider } from '../../src/providers/database/database-provider.js';
import { DEMO_ITEM_COUNT } from '../../src/providers/database/demo-data.js';
import type { RunningServer } from '../../src/server.js';
import { activeDialects } from '../helpers/dialects.js';
import { MODERN_REVISION, type Era } from '../helpers/mcp-clients.js';
import { startTestServer } from '../helpers/test-server.js';

const pgUrl = process.env.TEST_DATABASE_URL;
const SEED_TOOLS = ['search_items', 'create_item', 'analyze_items', 'search_users', 'create_subscription', 'manage_users', 'database'];

interface ToolOut {
  isError?: boolean;
  content: { type: string; text?: string }[];
  structuredContent?: Record<string, unknown>;
}

describe.each(activeDialects)('database tools over MCP with real SDK clients [%s]', (dialect) => {
  let server: RunningServer;
  const keys: Record<string, string> = {};
  const clients: Client[] = [];

  beforeAll(async () => {
    const env: Record<string, string> = {};
    if (dialect === 'postgres') {
      const schema = `t_${randomBytes(6).toString('hex')}`;
      Object.assign(env, { DATABASE_URL: pgUrl!, PORTICO_DATABASE__SCHEMA: schema, PORTICO_DATABASES__DEMO: 'on' });
      afterAll(async () => {
        const c = new pg.Client({ connectionString: pgUrl });
        await c.connect();
        await c.query(`drop schema if exists "${schema}" cascade`);
        await c.end();
      });
    }
    // The provider reads only its own section and the database settings, the same as the server's.
    const config = loadConfig({ env });
    server = await startTestServer(env, { providers: [createDatabaseProvider(config)] });
    for (const role of ['admin', 'user', 'readonly']) keys[role] = (await server.identity.createKey({ name: `e2e-${role}`, role })).secret;
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  });

  async function connect(role: string, era: Era): Promise<Client> {
    const client = new Client({ name: `db-e2e-${role}-${era}`, version: '1.0.0' }, era === 'modern' ? { versionNegotiation: { mode: { pin: MODERN_REVISION } } } : {});
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${keys[role] ?? role}` } } }));
    clients.push(client);
    return client;
  }
  const call = async (client: Client, name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as ToolOut;
  const ok = async (client: Client, name: string, args: Record<string, unknown>) => {
    const out = await call(client, name, args);
    expect(out.isError, `${name}: ${out.content[0]?.text}`).toBeFalsy();
    return out.structuredContent ?? {};
  };

  for (const era of ['legacy', 'modern'] as const) {
    describe(`${era} era`, () => {
      it('an admin finds the seed tools and they return correct results', async () => {
        const admin = await connect('admin', era);
        const names = (await admin.listTools()).tools.map((t) => t.name);
        expect(names).toEqual(expect.arrayContaining(SEED_TOOLS));

        const lamps = await ok(admin, 'search_items', { query: 'lamp', category: 'home', limit: 100 });
        expect((lamps.results as { name: string; category: string }[]).every((r) => r.category === 'home' && /lamp/i.test(r.name))).toBe(true);
        expect(lamps.total_found).toBeGreaterThan(0);

        const name = `E2E ${era} kettle`;
        const created = await ok(admin, 'create_item', { name, price: 42.5, category: 'kitchen', description: 'made over MCP' });
        expect(created.item).toMatchObject({ name, price: 42.5, category: 'kitchen' });
        const found = await ok(admin, 'search_items', { query: name });
        expect(found.total_found).toBe(1);

        const dist = await ok(admin, 'analyze_items', { analysis_type: 'price_distribution' });
        expect(dist.count).toBeGreaterThanOrEqual(DEMO_ITEM_COUNT + 1);
        const breakdown = await ok(admin, 'analyze_items', { analysis_type: 'category_breakdown' });
        expect(breakdown.total_categories).toBe(8);

        const email = `${era}-${dialect}@e2e.example`;
        expect((await ok(admin, 'create_subscription', { email })).subscription).toMatchObject({ email, is_active: true });
        const again = await call(admin, 'create_subscription', { email });
        expect(again.isError).toBe(true);
        expect(again.content[0]!.text).toBe(`${email} is already subscribed.`);

        const users = await ok(admin, 'search_users', { query: 'admin' });
        expect(JSON.stringify(users)).not.toMatch(/password|argon/i);
        const listed = await ok(admin, 'manage_users', { action: 'list' });
        expect((listed.users as unknown[]).length).toBeGreaterThan(0);

        const sqlOut = await ok(admin, 'database', { query: 'select count(*) as n from subscriptions where email = ' + (dialect === 'postgres' ? '$1' : '?'), params: [email] });
        expect(Number((sqlOut.rows as unknown[][])[0]![0])).toBe(1);
        const refused = await call(admin, 'database', { query: 'drop table items' });
        expect(refused.isError).toBe(true);

        const page = await admin.readResource({ uri: 'portico://db/items' });
        const body = JSON.parse((page.contents[0] as { text: string }).text) as { rows: unknown[]; next: string };
        expect(body.rows).toHaveLength(50);
        const next = await admin.readResource({ uri: body.next });
        expect(JSON.parse((next.contents[0] as { text: string }).text).rows).toHaveLength(50);
      });

      it('a user key sees no admin tools and cannot use them', async () => {
        const user = await connect('user', era);
        const names = (await user.listTools()).tools.map((t) => t.name);
        expect(names).toEqual(expect.arrayContaining(['search_items', 'create_item', 'create_subscription', 'search_users']));
        expect(names).not.toContain('manage_users');
        expect(names).not.toContain('database');
        expect(names).not.toContain('delete_item');
        await expect(user.callTool({ name: 'manage_users', arguments: { action: 'list' } })).rejects.toThrow(/Unknown tool/);
        await expect(user.callTool({ name: 'database', arguments: { query: 'select 1' } })).rejects.toThrow(/Unknown tool/);
      });

      it('a readonly key searches but cannot write', async () => {
        const readonly = await connect('readonly', era);
        expect((await ok(readonly, 'search_items', { limit: 1 })).returned_count).toBe(1);
        await expect(readonly.callTool({ name: 'create_item', arguments: { name: 'x', price: 1, category: 'toys' } })).rejects.toThrow(/Unknown tool/);
      });
    });
  }

  it('refuses a missing or wrong credential', async () => {
    const noKey = await fetch(`${server.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }) });
    expect(noKey.status).toBe(401);
    await expect(connect('not-a-real-key', 'legacy')).rejects.toThrow();
  });
});
