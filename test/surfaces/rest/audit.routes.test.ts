/**
 * The audit trail end to end: calls on every surface land in the database in batches with redacted
 * arguments; GET /api/v1/audit filters, pages and enforces who may read what; administrative
 * changes and refused credentials are recorded; nothing is lost on a graceful shutdown.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/store/database.js';
import type { Json } from '../../helpers/http.js';
import { startTestServer } from '../../helpers/test-server.js';
import { modernPost, openLegacySession, rpcBody } from '../mcp-http/mcp-http-kit.js';
import { catalogFixture } from './catalog-fixture.js';

const QUIET = { PORTICO_ADMIN_PASSWORD: 'a-test-admin-password-1' };

describe('GET /api/v1/audit', async () => {
  const server = await startTestServer({ ...QUIET, PORTICO_AUDIT__MAX_ARGUMENT_BYTES: '300' }, { providers: [catalogFixture()] });
  const { identity } = server;
  const admin = await identity.createKey({ name: 'auditor', role: 'admin' });
  const user = await identity.createKey({ name: 'person', role: 'user' });
  const agent = await identity.createKey({ name: 'robot', role: 'ai_agent' });
  const adminId = `key:${admin.key.id}`;
  const userId = `key:${user.key.id}`;
  const agentId = `key:${agent.key.id}`;

  const call = (secret: string, tool: string, args: unknown) =>
    fetch(`${server.url}/api/v1/mcp/tools/${encodeURIComponent(tool)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify(args),
    });
  const audit = async (secret: string | undefined, query = '') => {
    const res = await fetch(`${server.url}/api/v1/audit${query}`, { headers: secret ? { authorization: `Bearer ${secret}` } : {} });
    return { status: res.status, body: (await res.json()) as Json };
  };

  // Five calls by the agent (one invalid, one failing), two by the user, one legacy MCP session call.
  for (let i = 0; i < 3; i++) expect((await call(agent.secret, 'echo', { text: `hello ${i}` })).status).toBe(200);
  await call(agent.secret, 'echo', { text: 'x', password: 'hunter2' });
  await call(agent.secret, 'crash', {});
  for (let i = 0; i < 2; i++) await call(user.secret, 'ns/ping', {});
  const session = await openLegacySession(server.url, user.secret);
  await session.call('tools/call', { name: 'echo', arguments: { text: 'from a session', token: 'tkn-secret' } });

  it('refuses without a credential (401) and without an audit permission (403)', async () => {
    expect((await audit(undefined)).status).toBe(401);
    const denied = await audit(agent.secret);
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('forbidden');
  });

  it('shows an admin every call, newest first, with outcome, duration and redacted arguments', async () => {
    const { status, body } = await audit(admin.secret, `?principal=${agentId}&action=tools/call`);
    expect(status).toBe(200);
    const items = body.items as Json[];
    expect(items.map((e) => [e.target, e.outcome])).toEqual([
      ['crash', 'error'],
      ['echo', 'invalid'],
      ['echo', 'ok'],
      ['echo', 'ok'],
      ['echo', 'ok'],
    ]);
    expect(items[0]).toMatchObject({ principal_id: agentId, principal_name: 'key:robot', surface: 'rest', action: 'tools/call', error_code: 'internal_error', session_id: null });
    expect(typeof items[0].duration_ms).toBe('number');
    expect(items[1].details).toEqual({ arguments: { text: 'x', password: '[redacted]' } });
    expect(items[4].details).toEqual({ arguments: { text: 'hello 0' } });
    expect(JSON.stringify(body)).not.toContain('hunter2');
    expect(body.next_cursor).toBeNull();
  });

  it('records the legacy session and client of an MCP call', async () => {
    const { body } = await audit(admin.secret, `?principal=${userId}&target=echo`);
    expect(body.items).toHaveLength(1);
    // `token` is not an argument echo takes: the call is invalid, and still audited with what was sent.
    expect(body.items[0]).toMatchObject({ surface: 'mcp-legacy', session_id: session.sessionId, client: 'portico-tests/1.0.0', outcome: 'invalid' });
    expect(body.items[0].details.arguments).toEqual({ text: 'from a session', token: '[redacted]' });
  });

  it('filters by outcome, target prefix and time', async () => {
    const errors = await audit(admin.secret, '?outcome=error');
    expect(errors.body.items.map((e: Json) => e.target)).toEqual(['crash']);
    const ns = await audit(admin.secret, '?target=ns%2F');
    expect(ns.body.items.map((e: Json) => e.target)).toEqual(['ns/ping', 'ns/ping']);
    const future = await audit(admin.secret, `?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
    expect(future.body.items).toEqual([]);
    const past = await audit(admin.secret, `?until=2000-01-01T00:00:00Z`);
    expect(past.body.items).toEqual([]);
    expect((await audit(admin.secret, '?since=yesterday')).status).toBe(400);
  });

  it('pages with a cursor', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const { body }: { body: Json } = await audit(admin.secret, `?principal=${agentId}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...body.items.map((e: Json) => e.id));
      cursor = body.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
    expect([...seen].sort().reverse()).toEqual(seen);
    expect((await audit(admin.secret, '?cursor=not-a-cursor')).status).toBe(400);
  });

  it('shows a holder of audit:own only their own events', async () => {
    const mine = await audit(user.secret);
    expect(mine.status).toBe(200);
    expect(mine.body.items.length).toBeGreaterThanOrEqual(3);
    expect(mine.body.items.every((e: Json) => e.principal_id === userId)).toBe(true);
    expect((await audit(user.secret, `?principal=${userId}`)).status).toBe(200);
    expect((await audit(user.secret, `?principal=${agentId}`)).status).toBe(403);
  });

  it('records administrative changes with who made them, and never a secret', async () => {
    const actor = { principal: { id: adminId, kind: 'api-key' as const, name: 'key:auditor', roles: ['admin'], permissions: { patterns: [], key: '', allows: () => true } }, surface: 'rest' as const, requestId: 'req-1' };
    const created = await identity.createUser({ username: 'erin', role: 'user', password: 'a-long-enough-password-9' }, actor);
    await identity.updateUser(created.id, { password: 'another-long-password-7', role: 'readonly' }, actor);
    const made = await identity.createKey({ name: 'erin-key', role: 'readonly', userId: created.id }, actor);
    await identity.revokeKey(made.key.id, actor);
    await identity.saveRole({ name: 'auditors', permissions: ['audit:read'] }, actor);
    const users = await audit(admin.secret, '?action=admin/users');
    expect(users.body.items.map((e: Json) => [e.target, e.details.operation])).toEqual([
      ['erin', 'update'],
      ['erin', 'create'],
      // The first-start admin, created by the server itself.
      ['admin', 'create'],
    ]);
    expect(users.body.items[0]).toMatchObject({ principal_id: adminId, surface: 'rest', request_id: 'req-1', outcome: 'ok' });
    expect(users.body.items[0].details).toMatchObject({ fields: ['password', 'role'], role: 'readonly' });
    const keys = await audit(admin.secret, '?action=admin/keys');
    expect(keys.body.items.map((e: Json) => [e.target, e.details.operation])).toEqual([
      [made.key.id, 'revoke'],
      [made.key.id, 'create'],
      // The three keys this suite made through the local identity service.
      [agent.key.id, 'create'],
      [user.key.id, 'create'],
      [admin.key.id, 'create'],
    ]);
    expect(keys.body.items[1].details).toMatchObject({ name: 'erin-key', role: 'readonly', owner: created.id });
    expect((await audit(admin.secret, '?action=admin/roles')).body.items[0]).toMatchObject({ target: 'auditors', details: { operation: 'create', permissions: ['audit:read'] } });
    const all = JSON.stringify((await audit(admin.secret, '?limit=1000')).body);
    for (const secret of ['a-long-enough-password-9', 'another-long-password-7', made.secret, admin.secret, user.secret, agent.secret]) expect(all).not.toContain(secret);
  });

  it('records refused credentials without the secret', async () => {
    const forged = `${agent.secret.slice(0, -4)}AAAA`;
    expect((await call(forged, 'echo', { text: 'x' })).status).toBe(401);
    const { body } = await audit(admin.secret, '?action=auth/token');
    expect(body.items[0]).toMatchObject({ principal_id: 'anonymous', target: `key:${agent.key.id}`, outcome: 'denied', error_code: 'unauthenticated' });
    expect(JSON.stringify(body)).not.toContain(forged);
  });

  it('records modern MCP calls too', async () => {
    const res = await rpcBody(await modernPost(server.url, 'tools/call', { name: 'echo', arguments: { text: 'modern' } }, { token: agent.secret }));
    expect(res.result).toBeDefined();
    const { body } = await audit(admin.secret, `?principal=${agentId}&limit=1`);
    expect(body.items[0]).toMatchObject({ surface: 'mcp', target: 'echo', outcome: 'ok', client: 'portico-tests/1.0.0', details: { arguments: { text: 'modern' } } });
  });
});

describe('audit trail on shutdown', async () => {
  // Batches every ten minutes: only the shutdown flush can have written these.
  const server = await startTestServer({ ...QUIET, PORTICO_AUDIT__FLUSH_INTERVAL_MS: '600000' }, { providers: [catalogFixture()] });

  it('writes every buffered event before the store closes', async () => {
    const { secret } = await server.identity.createKey({ name: 'late', role: 'ai_agent' });
    for (let i = 0; i < 25; i++) {
      const res = await fetch(`${server.url}/api/v1/mcp/tools/echo`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': secret }, body: JSON.stringify({ text: `n${i}` }) });
      expect(res.status).toBe(200);
    }
    await server.close();
    const database = await openDatabase({ dialect: 'sqlite', file: join(server.dataDir.root, 'portico.db') });
    try {
      const rows = await database.db.selectFrom('audit_events').selectAll().where('action', '=', 'tools/call').orderBy('id').execute();
      expect(rows).toHaveLength(25);
      expect(rows.map((r) => JSON.parse(r.details!).arguments.text)).toEqual(Array.from({ length: 25 }, (_, i) => `n${i}`));
      // And the key creation, an administrative change by the local operator.
      const admin = await database.db.selectFrom('audit_events').selectAll().where('action', '=', 'admin/keys').execute();
      expect(admin).toHaveLength(1);
      expect(admin[0]).toMatchObject({ principal_id: 'local:cli', surface: 'cli' });
    } finally {
      await database.close();
    }
  });
});
