/**
 * Legacy sessions (Streamable HTTP with Mcp-Session-Id, and the old HTTP+SSE transport): how they
 * are opened, addressed, owned and ended, and their lifecycle (idle expiry, per-principal cap,
 * shutdown).
 */
import { describe, expect, it } from 'vitest';
import type { Json } from '../../helpers/http.js';
import { startTestServer } from '../../helpers/test-server.js';
import {
  ALICE_TOKEN,
  BOB_TOKEN,
  FIXTURE_ENV,
  LEGACY,
  SseReader,
  bearer,
  initializeBody,
  legacyHeaders,
  openLegacySession,
  openSseSession,
  rpcBody,
  sleep,
  testAuthenticator,
  type LegacyClient,
} from './mcp-http-kit.js';

const listBody = (id = 7) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/list', params: {} });

/** POST, GET and DELETE on /mcp addressed to a session, as `token`. */
function sessionRequests(url: string, sessionId: string, token: string) {
  const base = { 'mcp-protocol-version': LEGACY, 'mcp-session-id': sessionId, ...bearer(token) };
  return {
    post: () => fetch(`${url}/mcp`, { method: 'POST', headers: { ...base, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: listBody() }),
    get: () => fetch(`${url}/mcp`, { headers: { ...base, accept: 'text/event-stream' } }),
    // Like the SDK client: no content type on a DELETE.
    del: () => fetch(`${url}/mcp`, { method: 'DELETE', headers: base }),
  };
}

async function expectSessionNotFound(res: Response): Promise<void> {
  expect(res.status).toBe(404);
  const body = (await res.json()) as Json;
  expect(body).toMatchObject({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' } });
}

describe('legacy sessions', async () => {
  const server = await startTestServer(FIXTURE_ENV, { authenticator: testAuthenticator });
  const url = server.url;

  it('initialize opens a session and returns a visible-ASCII Mcp-Session-Id', async () => {
    const res = await fetch(`${url}/mcp`, { method: 'POST', headers: legacyHeaders(ALICE_TOKEN), body: JSON.stringify(initializeBody(1)) });
    expect(res.status).toBe(200);
    const id = res.headers.get('mcp-session-id');
    expect(id).toMatch(/^[\x21-\x7e]{16,}$/);
    const body = await rpcBody(res);
    expect(body.result).toMatchObject({ protocolVersion: LEGACY, serverInfo: { name: 'portico' }, capabilities: { tools: { listChanged: true } } });
  });

  it('refuses a non-initialize legacy request without Mcp-Session-Id with 400, echoing the request id', async () => {
    const res = await fetch(`${url}/mcp`, { method: 'POST', headers: legacyHeaders(ALICE_TOKEN), body: listBody(41) });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ jsonrpc: '2.0', id: 41, error: { code: -32000, message: 'Bad Request: Mcp-Session-Id header is required' } });
  });

  it('refuses GET /mcp without a session with 400', async () => {
    const res = await fetch(`${url}/mcp`, { headers: { accept: 'text/event-stream', 'mcp-protocol-version': LEGACY, ...bearer(ALICE_TOKEN) } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Json).error.code).toBe(-32000);
  });

  it('refuses DELETE /mcp without a session with 400', async () => {
    const res = await fetch(`${url}/mcp`, { method: 'DELETE', headers: { 'mcp-protocol-version': LEGACY, ...bearer(ALICE_TOKEN) } });
    expect(res.status).toBe(400);
    await res.arrayBuffer();
  });

  it('answers an unknown session id with 404 on POST, GET and DELETE', async () => {
    const r = sessionRequests(url, 'no-such-session-0000', ALICE_TOKEN);
    await expectSessionNotFound(await r.post());
    await expectSessionNotFound(await r.get());
    await expectSessionNotFound(await r.del());
  });

  it('DELETE ends the session; the id is then 404 everywhere', async () => {
    const session = await openLegacySession(url, ALICE_TOKEN);
    const r = sessionRequests(url, session.sessionId, ALICE_TOKEN);
    const del = await r.del();
    expect([200, 204]).toContain(del.status);
    await del.arrayBuffer();
    await expectSessionNotFound(await r.post());
    await expectSessionNotFound(await r.get());
    await expectSessionNotFound(await r.del());
    expect(await sessionRowCount(session.sessionId)).toBe(0);
  });

  it("answers alice's session id used with bob's token with 404 (not 403), and leaves it working", async () => {
    const session = await openLegacySession(url, ALICE_TOKEN);
    const asBob = sessionRequests(url, session.sessionId, BOB_TOKEN);
    await expectSessionNotFound(await asBob.post());
    await expectSessionNotFound(await asBob.get());
    await expectSessionNotFound(await asBob.del());
    // Byte-for-byte the same answer as a session that never existed.
    const foreign = await asBob.post();
    const unknown = await sessionRequests(url, 'never-existed-1234', BOB_TOKEN).post();
    expect(foreign.status).toBe(unknown.status);
    expect(await foreign.text()).toBe(await unknown.text());
    expect((await session.call('tools/list')).result.tools.length).toBeGreaterThan(1);
  });

  it("answers alice's SSE session used by bob on /messages with 404", async () => {
    const sse = await openSseSession(url, ALICE_TOKEN);
    try {
      const res = await sse.post({ jsonrpc: '2.0', id: 5, method: 'tools/list' }, BOB_TOKEN);
      await expectSessionNotFound(res);
      expect((await sse.call('tools/list')).result.tools.length).toBeGreaterThan(1);
    } finally {
      await sse.stream.cancel();
    }
  });

  it('does not accept a Streamable HTTP session id on /messages', async () => {
    const session = await openLegacySession(url, ALICE_TOKEN);
    const res = await fetch(`${url}/messages?sessionId=${encodeURIComponent(session.sessionId)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(ALICE_TOKEN) },
      body: listBody(),
    });
    await expectSessionNotFound(res);
  });

  // Known bug: the /mcp route looks the id up without checking session.kind and hands an SSE-transport
  // session to toSession(), which calls handleRequest() on an SSEServerTransport (no such method) → 500.
  it('BUG: answers an SSE-transport session id on /mcp with 404 (currently 500)', async () => {
    const sse = await openSseSession(url, ALICE_TOKEN);
    try {
      const r = sessionRequests(url, sse.sessionId, ALICE_TOKEN);
      await expectSessionNotFound(await r.post());
      await expectSessionNotFound(await r.get());
      await expectSessionNotFound(await r.del());
    } finally {
      await sse.stream.cancel();
    }
  });

  async function sessionRowCount(sessionId: string): Promise<number> {
    // Event purge happens right after removal, asynchronously.
    await sleep(50);
    const rows = await server.database.db.selectFrom('mcp_events').select('id').where('session_id', '=', sessionId).execute();
    return rows.length;
  }
});

describe.concurrent('legacy session lifecycle: idle expiry', async () => {
  // The sweeper runs every max(1000, idle/4) ms, so an idle session is gone within ~2 s.
  const server = await startTestServer({ ...FIXTURE_ENV, PORTICO_MCP__SESSION_IDLE_TIMEOUT_MS: '1000' }, { authenticator: testAuthenticator });
  const url = server.url;

  it('closes an idle session (404, events purged) but keeps one with an open GET stream', async () => {
    const idle = await openLegacySession(url, ALICE_TOKEN);
    const rows = () => server.database.db.selectFrom('mcp_events').select('id').where('session_id', '=', idle.sessionId).execute();
    expect((await rows()).length).toBeGreaterThan(0);
    const streaming = await openLegacySession(url, ALICE_TOKEN);
    const get = await sessionRequests(url, streaming.sessionId, ALICE_TOKEN).get();
    expect(get.status).toBe(200);
    const stream = new SseReader(get);
    await sleep(2600);
    await expectSessionNotFound(await idle.request('tools/list'));
    expect(await rows()).toEqual([]);
    expect((await streaming.call('tools/list')).result.tools.length).toBeGreaterThan(1);
    await stream.cancel();
  });

  it('keeps a session that is used more often than the idle timeout', async () => {
    const busy = await openLegacySession(url, ALICE_TOKEN);
    for (let i = 0; i < 5; i++) {
      await sleep(500);
      expect((await busy.call('tools/list')).result).toBeDefined();
    }
  });

  // Known bug: only GET streams count as activity (openStreams); a POST whose call is still running
  // leaves lastSeen at the time the request arrived, so the sweeper closes the session mid-call and
  // the client never gets its result (the POST's SSE stream ends after the priming event).
  it('BUG: does not expire a session while one of its requests is still running', async () => {
    const session = await openLegacySession(url, ALICE_TOKEN);
    const res = await session.request('tools/call', { name: 'test_slow_operation', arguments: { seconds: 2.5 } });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('Finished after 2500 ms.');
    expect((await session.call('tools/list')).result.tools.length).toBeGreaterThan(1);
  });
});

describe('legacy session lifecycle: per-principal cap', async () => {
  const server = await startTestServer({ ...FIXTURE_ENV, PORTICO_MCP__MAX_SESSIONS_PER_PRINCIPAL: '2' }, { authenticator: testAuthenticator });
  const url = server.url;

  it("closes alice's least recently used session when she opens a third; the others, and bob's, keep working", async () => {
    const bobs = await openLegacySession(url, BOB_TOKEN);
    const first = await openLegacySession(url, ALICE_TOKEN);
    await sleep(5);
    const second = await openLegacySession(url, ALICE_TOKEN);
    const secondStream = new SseReader(await sessionRequests(url, second.sessionId, ALICE_TOKEN).get());
    await sleep(5);
    // Using the first makes the second the least recently used.
    await first.call('tools/list');
    await sleep(5);
    const third = await openLegacySession(url, ALICE_TOKEN);
    await expectSessionNotFound(await second.request('tools/list'));
    // Closing the evicted session also ends its open GET stream.
    expect(await secondStream.waitForEnd(1000)).toBe(true);
    for (const alive of [first, third]) expect((await alive.call('tools/list')).result.tools.length).toBeGreaterThan(1);
    expect((await bobs.call('tools/list')).result.tools.map((t: Json) => t.name)).toEqual(['echo']);
  });

  it('counts SSE-transport sessions against the same cap', async () => {
    const a = await openLegacySession(url, BOB_TOKEN);
    await sleep(5);
    const b = await openLegacySession(url, BOB_TOKEN);
    await sleep(5);
    await b.call('tools/list');
    const sse = await openSseSession(url, BOB_TOKEN);
    try {
      await expectSessionNotFound(await a.request('tools/list'));
      expect((await sse.call('tools/list')).result.tools.map((t: Json) => t.name)).toEqual(['echo']);
    } finally {
      await sse.stream.cancel();
    }
  });
});

describe('legacy session lifecycle: shutdown', async () => {
  const server = await startTestServer(FIXTURE_ENV, { authenticator: testAuthenticator });
  const url = server.url;

  it('server.close() ends open GET and /sse streams and finishes quickly', async () => {
    const sessions: LegacyClient[] = [await openLegacySession(url, ALICE_TOKEN), await openLegacySession(url, BOB_TOKEN)];
    const streams: SseReader[] = [];
    for (const [i, session] of sessions.entries()) {
      const res = await sessionRequests(url, session.sessionId, i === 0 ? ALICE_TOKEN : BOB_TOKEN).get();
      expect(res.status).toBe(200);
      streams.push(new SseReader(res));
    }
    const sse = await openSseSession(url, ALICE_TOKEN);
    streams.push(sse.stream);
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(2000);
    for (const stream of streams) expect(await stream.waitForEnd(1000)).toBe(true);
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });
});
