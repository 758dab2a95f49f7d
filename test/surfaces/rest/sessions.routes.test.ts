/**
 * GET/DELETE /api/v1/sessions: the live legacy MCP sessions. Each principal sees and closes its
 * own; an admin (or sessions:manage) all; someone else's session is "not found".
 */
import { describe, expect, it } from 'vitest';
import type { Json } from '../../helpers/http.js';
import { startTestServer } from '../../helpers/test-server.js';
import { openLegacySession, openSseSession, rpcBody, legacyHeaders } from '../mcp-http/mcp-http-kit.js';
import { catalogFixture } from './catalog-fixture.js';

describe('MCP sessions view', async () => {
  const server = await startTestServer({ PORTICO_ADMIN_PASSWORD: 'a-test-admin-password-1' }, { providers: [catalogFixture()] });
  const { identity } = server;
  const alice = await identity.createKey({ name: 'alice', role: 'user' });
  const bob = await identity.createKey({ name: 'bob', role: 'ai_agent' });
  const admin = await identity.createKey({ name: 'root', role: 'admin' });
  const narrow = await identity.createKey({ name: 'narrow', role: 'ai_agent', scopes: ['tools:call:echo'] });
  const aliceId = `key:${alice.key.id}`;
  const bobId = `key:${bob.key.id}`;

  const api = async (secret: string | undefined, path: string, method = 'GET') => {
    const res = await fetch(`${server.url}/api/v1${path}`, { method, headers: secret ? { authorization: `Bearer ${secret}` } : {} });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Json };
  };

  const a1 = await openLegacySession(server.url, alice.secret);
  const a2 = await openLegacySession(server.url, alice.secret);
  const b1 = await openLegacySession(server.url, bob.secret);
  await a1.call('tools/call', { name: 'echo', arguments: { text: 'one' } });
  await a1.call('tools/call', { name: 'echo', arguments: { text: 'two' } });

  it('lists your own sessions with client, protocol revision, activity and call count', async () => {
    const { status, body } = await api(alice.secret, '/sessions');
    expect(status).toBe(200);
    const items = body.items as Json[];
    expect(items.map((s) => s.id).sort()).toEqual([a1.sessionId, a2.sessionId].sort());
    const first = items.find((s) => s.id === a1.sessionId);
    expect(first).toMatchObject({
      kind: 'streamable',
      principal_id: aliceId,
      principal_name: 'key:alice',
      client: { name: 'portico-tests', version: '1.0.0' },
      protocol_version: '2025-11-25',
      calls: 2,
      open_streams: 0,
    });
    expect(Date.parse(first.created_at)).toBeLessThanOrEqual(Date.parse(first.last_activity_at));
    expect(items.find((s) => s.id === a2.sessionId).calls).toBe(0);
  });

  it('shows an admin every session, optionally of one principal', async () => {
    const all = await api(admin.secret, '/sessions');
    expect(all.body.items.map((s: Json) => s.id)).toEqual(expect.arrayContaining([a1.sessionId, a2.sessionId, b1.sessionId]));
    const bobs = await api(admin.secret, `/sessions?principal=${encodeURIComponent(bobId)}`);
    expect(bobs.body.items.map((s: Json) => s.id)).toEqual([b1.sessionId]);
    // Without sessions:manage the filter cannot widen the view.
    const sneaky = await api(bob.secret, `/sessions?principal=${encodeURIComponent(aliceId)}`);
    expect(sneaky.body.items.map((s: Json) => s.id)).toEqual([b1.sessionId]);
  });

  it('lists SSE sessions too', async () => {
    const sse = await openSseSession(server.url, bob.secret);
    try {
      const { body } = await api(bob.secret, '/sessions');
      const found = (body.items as Json[]).find((s) => s.kind === 'sse');
      expect(found).toMatchObject({ principal_id: bobId, open_streams: 1, client: { name: 'portico-tests', version: '1.0.0' }, protocol_version: '2024-11-05' });
    } finally {
      await sse.stream.cancel();
    }
  });

  it('refuses without a credential, and without a sessions permission', async () => {
    expect((await api(undefined, '/sessions')).status).toBe(401);
    expect((await api(narrow.secret, '/sessions')).status).toBe(403);
  });

  it('answers 404 for someone else’s session and for an unknown one, and leaves it open', async () => {
    const res = await api(bob.secret, `/sessions/${a2.sessionId}`, 'DELETE');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
    expect((await api(bob.secret, '/sessions/no-such-session', 'DELETE')).status).toBe(404);
    expect((await a2.call('tools/list')).result).toBeDefined();
  });

  it('closes your own session: 204, gone from the list, and unusable', async () => {
    const res = await api(alice.secret, `/sessions/${a2.sessionId}`, 'DELETE');
    expect(res.status).toBe(204);
    expect((await api(alice.secret, '/sessions')).body.items.map((s: Json) => s.id)).toEqual([a1.sessionId]);
    const after = await fetch(`${server.url}/mcp`, { method: 'POST', headers: legacyHeaders(alice.secret, a2.sessionId), body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }) });
    expect(after.status).toBe(404);
    await after.arrayBuffer();
  });

  it('lets an admin close anyone’s session, and audits it', async () => {
    expect((await api(admin.secret, `/sessions/${b1.sessionId}`, 'DELETE')).status).toBe(204);
    expect((await api(bob.secret, '/sessions')).body.items.filter((s: Json) => s.kind === 'streamable')).toEqual([]);
    const trail = await api(admin.secret, '/audit?action=admin/sessions');
    expect(trail.body.items[0]).toMatchObject({ target: b1.sessionId, principal_id: `key:${admin.key.id}`, surface: 'rest', details: { operation: 'close', owner: bobId, kind: 'streamable' } });
    // Alice's remaining session is untouched.
    const body = await rpcBody(await a1.request('tools/list'));
    expect(body.result).toBeDefined();
  });
});
