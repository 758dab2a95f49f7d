/**
 * Resumable legacy streams: notifications on a session's standalone GET stream carry `id:` lines,
 * are stored in the database, and are replayed after `Last-Event-ID` when the client reconnects —
 * only ever within the session (and principal) they belong to.
 */
import { describe, expect, it } from 'vitest';
import type { Json } from '../../helpers/http.js';
import { startTestServer } from '../../helpers/test-server.js';
import { ALICE_TOKEN, BOB_TOKEN, FIXTURE_ENV, LEGACY, SseReader, bearer, openLegacySession, sleep, testAuthenticator, type LegacyClient, type SseEvent } from './mcp-http-kit.js';

const TOOLS_CHANGED = 'notifications/tools/list_changed';
const PROMPTS_CHANGED = 'notifications/prompts/list_changed';

function getStream(url: string, session: LegacyClient, token: string, lastEventId?: string): Promise<Response> {
  return fetch(`${url}/mcp`, {
    headers: {
      accept: 'text/event-stream',
      'mcp-protocol-version': LEGACY,
      'mcp-session-id': session.sessionId,
      ...bearer(token),
      ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
    },
  });
}

async function trigger(session: LegacyClient, tool: 'test_trigger_tool_change' | 'test_trigger_prompt_change'): Promise<void> {
  const answer = await session.call('tools/call', { name: tool, arguments: {} });
  expect(answer.result.content[0].text).toMatch(/list changed/);
}

/** All events the reader yields within `ms` (replays arrive at once). */
async function drain(reader: SseReader, ms = 400): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for (;;) {
    const event = await reader.next(ms);
    if (!event) return events;
    if (event.data.trim()) events.push(event);
  }
}

describe('resumable legacy GET streams', async () => {
  const server = await startTestServer(FIXTURE_ENV, { authenticator: testAuthenticator });
  const url = server.url;

  it('replays the events after Last-Event-ID from the database, then keeps streaming', async () => {
    const session = await openLegacySession(url, ALICE_TOKEN);
    const first = await getStream(url, session, ALICE_TOKEN);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toContain('text/event-stream');
    const live = new SseReader(first);

    await trigger(session, 'test_trigger_tool_change');
    const seen = await live.nextMessage((m) => m.method === TOOLS_CHANGED);
    expect(seen).toBeDefined();
    const lastSeenId = seen!.event.id!;
    expect(lastSeenId).toMatch(/\S/);

    // The client drops; two changes happen while it is away.
    await live.cancel();
    await sleep(100);
    await trigger(session, 'test_trigger_tool_change');
    await trigger(session, 'test_trigger_prompt_change');

    const stored = await server.database.db
      .selectFrom('mcp_events')
      .select(['id', 'stream_id', 'seq', 'message'])
      .where('session_id', '=', session.sessionId)
      .orderBy('seq')
      .execute();
    const storedOnGet = stored.filter((r) => r.stream_id === stored.find((s) => s.id === lastSeenId)?.stream_id);
    const missed = storedOnGet.slice(storedOnGet.findIndex((r) => r.id === lastSeenId) + 1);
    expect(missed.map((r) => (JSON.parse(r.message) as Json).method)).toEqual([TOOLS_CHANGED, PROMPTS_CHANGED]);

    const resumedRes = await getStream(url, session, ALICE_TOKEN, lastSeenId);
    expect(resumedRes.status).toBe(200);
    const resumed = new SseReader(resumedRes);
    const replayed = await drain(resumed);
    expect(replayed.map((e) => e.id)).toEqual(missed.map((r) => r.id));
    expect(replayed.map((e) => (JSON.parse(e.data) as Json).method)).toEqual([TOOLS_CHANGED, PROMPTS_CHANGED]);
    expect(replayed.map((e) => e.id)).not.toContain(lastSeenId);

    // The resumed stream is the session's live stream now.
    await trigger(session, 'test_trigger_prompt_change');
    const next = await resumed.nextMessage((m) => m.method === PROMPTS_CHANGED);
    expect(next?.event.id).toBeDefined();
    expect(next!.event.id).not.toBe(replayed[1]!.id);
    await resumed.cancel();
  });

  it("never replays another session's events for a foreign Last-Event-ID", async () => {
    const victim = await openLegacySession(url, ALICE_TOKEN);
    const stream = new SseReader(await getStream(url, victim, ALICE_TOKEN));
    await trigger(victim, 'test_trigger_tool_change');
    const seen = await stream.nextMessage((m) => m.method === TOOLS_CHANGED);
    const victimEventId = seen!.event.id!;
    await stream.cancel();
    await sleep(50);
    await trigger(victim, 'test_trigger_tool_change'); // something there would be to replay

    for (const [token, label] of [
      [ALICE_TOKEN, 'same principal'],
      [BOB_TOKEN, 'other principal'],
    ] as const) {
      const other = await openLegacySession(url, token);
      const res = await getStream(url, other, token, victimEventId);
      const text = res.status === 200 ? (await drain(new SseReader(res))).map((e) => `${e.id}:${e.data}`).join('\n') : await res.text();
      expect(text, label).not.toContain(victim.sessionId);
      expect(res.status, label).toBe(400);
      expect((JSON.parse(text) as Json).error.code, label).toBe(-32000);
    }

    // The victim's own session id, with bob's credential: the session does not exist for bob.
    const asBob = await getStream(url, victim, BOB_TOKEN, victimEventId);
    expect(asBob.status).toBe(404);
    expect(await asBob.text()).not.toContain('list_changed');
  });

  it('refuses a made-up Last-Event-ID without replaying anything', async () => {
    const session = await openLegacySession(url, ALICE_TOKEN);
    const res = await getStream(url, session, ALICE_TOKEN, `${session.sessionId}.99999`);
    expect(res.status).toBe(400);
    await res.arrayBuffer();
  });
});

describe('event retention', async () => {
  // Events older than the retention are purged (the purge runs every min(60 s, retention)).
  const server = await startTestServer({ ...FIXTURE_ENV, PORTICO_MCP__EVENT_RETENTION_MS: '1000' }, { authenticator: testAuthenticator });
  const url = server.url;

  it('purges stored events after the retention period', async () => {
    const session = await openLegacySession(url, ALICE_TOKEN);
    const stream = new SseReader(await getStream(url, session, ALICE_TOKEN));
    await trigger(session, 'test_trigger_tool_change');
    const seen = await stream.nextMessage((m) => m.method === TOOLS_CHANGED);
    await stream.cancel();
    const count = async () => (await server.database.db.selectFrom('mcp_events').select('id').where('session_id', '=', session.sessionId).execute()).length;
    expect(await count()).toBeGreaterThan(0);
    await sleep(2300);
    expect(await count()).toBe(0);
    const res = await getStream(url, session, ALICE_TOKEN, seen!.event.id);
    expect(res.status).toBe(400);
    await res.arrayBuffer();
  });
});
