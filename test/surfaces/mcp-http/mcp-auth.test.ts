/**
 * Every MCP way in refuses a request without a valid credential: 401 with a Bearer challenge and a
 * JSON-RPC error body that leaks neither a stack nor the presented secret. The fast lane (hot modern
 * POSTs without Origin, taken before Fastify) and the Fastify route must agree.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Json } from '../../helpers/http.js';
import { startTestServer } from '../../helpers/test-server.js';
import {
  ALICE_TOKEN,
  FIXTURE_ENV,
  initializeBody,
  legacyHeaders,
  modernInit,
  openLegacySession,
  openSseSession,
  rpcBody,
  testAuthenticator,
  type LegacyClient,
  type SseSession,
} from './mcp-http-kit.js';

const WRONG_TOKEN = 'wrong-token-s3cr3t-value';

type Credential = { label: string; headers: Record<string, string>; secret?: string };
const BAD_CREDENTIALS: Credential[] = [
  { label: 'no credential', headers: {} },
  { label: 'a wrong bearer token', headers: { authorization: `Bearer ${WRONG_TOKEN}` }, secret: WRONG_TOKEN },
  { label: 'a wrong X-API-Key', headers: { 'x-api-key': WRONG_TOKEN }, secret: WRONG_TOKEN },
  { label: 'an empty bearer token', headers: { authorization: 'Bearer ' } },
  { label: 'a Basic credential', headers: { authorization: `Basic ${Buffer.from(`alice:${WRONG_TOKEN}`).toString('base64')}` } },
];

async function expectRefused(res: Response, credential: Credential): Promise<void> {
  expect(res.status).toBe(401);
  expect(res.headers.get('www-authenticate') ?? '').toMatch(/^Bearer\b/);
  expect(res.headers.get('content-type')).toContain('application/json');
  const text = await res.text();
  const body = JSON.parse(text) as Json;
  expect(body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32001 } });
  expect(typeof body.error.message).toBe('string');
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message']);
  expect(text).not.toMatch(/\bat .*\.(ts|js):\d+/);
  expect(text).not.toContain('stack');
  if (credential.secret) expect(text).not.toContain(credential.secret);
  expect(text).not.toContain(ALICE_TOKEN);
}

describe('MCP HTTP authentication', async () => {
  const server = await startTestServer(FIXTURE_ENV, { authenticator: testAuthenticator });
  const url = server.url;
  let legacy: LegacyClient;
  let sse: SseSession;

  beforeAll(async () => {
    // Real sessions, so the refusals below cannot be explained by "unknown session".
    legacy = await openLegacySession(url, ALICE_TOKEN);
    sse = await openSseSession(url, ALICE_TOKEN);
  });
  afterAll(async () => {
    await sse.stream.cancel();
  });

  const echo = { name: 'echo', arguments: { message: 'hi' } };
  const ways: { name: string; send: (headers: Record<string, string>) => Promise<Response> }[] = [
    {
      name: 'POST /mcp modern, fast lane (no Origin)',
      send: (headers) => fetch(`${url}/mcp`, modernInit('tools/call', echo, { headers })),
    },
    {
      name: 'POST /mcp modern, Fastify route (Origin: http://localhost)',
      send: (headers) => fetch(`${url}/mcp`, modernInit('tools/call', echo, { headers: { origin: 'http://localhost', ...headers } })),
    },
    {
      name: 'POST /mcp modern, non-hot method (server/discover)',
      send: (headers) => fetch(`${url}/mcp`, modernInit('server/discover', {}, { headers })),
    },
    {
      name: 'POST /mcp legacy initialize',
      send: (headers) => fetch(`${url}/mcp`, { method: 'POST', headers: { ...legacyHeaders(undefined), ...headers }, body: JSON.stringify(initializeBody()) }),
    },
    {
      name: 'POST /mcp legacy request on an existing session',
      send: (headers) =>
        fetch(`${url}/mcp`, { method: 'POST', headers: { ...legacyHeaders(undefined, legacy.sessionId), ...headers }, body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }) }),
    },
    {
      name: 'GET /mcp on an existing session',
      send: (headers) => fetch(`${url}/mcp`, { headers: { accept: 'text/event-stream', 'mcp-protocol-version': '2025-11-25', 'mcp-session-id': legacy.sessionId, ...headers } }),
    },
    {
      name: 'DELETE /mcp on an existing session',
      send: (headers) => fetch(`${url}/mcp`, { method: 'DELETE', headers: { 'mcp-protocol-version': '2025-11-25', 'mcp-session-id': legacy.sessionId, ...headers } }),
    },
    {
      name: 'GET /sse',
      send: (headers) => fetch(`${url}/sse`, { headers: { accept: 'text/event-stream', ...headers } }),
    },
    {
      name: 'POST /messages on an existing SSE session',
      send: (headers) =>
        fetch(new URL(sse.endpoint, url), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list' }) }),
    },
  ];

  for (const way of ways) {
    describe(way.name, () => {
      for (const credential of BAD_CREDENTIALS) {
        it(`refuses ${credential.label} with 401 and a Bearer challenge`, async () => {
          await expectRefused(await way.send(credential.headers), credential);
        });
      }
    });
  }

  it('refuses HEAD /mcp and HEAD /sse without a credential (401 with a Bearer challenge)', async () => {
    for (const path of ['/mcp', '/sse']) {
      for (const credential of BAD_CREDENTIALS) {
        const res = await fetch(`${url}${path}`, { method: 'HEAD', headers: credential.headers });
        expect(res.status, `${path} ${credential.label}`).toBe(401);
        expect(res.headers.get('www-authenticate') ?? '').toMatch(/^Bearer\b/);
      }
    }
  });

  it('left the sessions the refused requests named untouched (a refused DELETE deletes nothing)', async () => {
    const list = await legacy.call('tools/list');
    expect(list.result.tools.length).toBeGreaterThan(1);
    const viaSse = await sse.call('tools/list');
    expect(viaSse.result.tools.length).toBeGreaterThan(1);
  });

  it('accepts the same credential as bearer or X-API-Key on both modern paths', async () => {
    for (const headers of [{ authorization: `Bearer ${ALICE_TOKEN}` }, { 'x-api-key': ALICE_TOKEN }, { authorization: `bearer   ${ALICE_TOKEN}` }] as Record<string, string>[]) {
      for (const origin of [{}, { origin: 'http://localhost' }] as Record<string, string>[]) {
        const res = await fetch(`${url}/mcp`, modernInit('tools/call', echo, { headers: { ...headers, ...origin } }));
        expect(res.status).toBe(200);
        expect((await rpcBody(res)).result.content).toEqual([{ type: 'text', text: 'hi' }]);
      }
    }
  });

  it('does not run the tool for a refused request (no side effect through the fast lane)', async () => {
    const before = server.catalog.tool('test_dynamic_tool') !== undefined;
    const res = await fetch(`${url}/mcp`, modernInit('tools/call', { name: 'test_trigger_tool_change', arguments: {} }, { headers: { authorization: `Bearer ${WRONG_TOKEN}` } }));
    expect(res.status).toBe(401);
    await res.arrayBuffer();
    expect(server.catalog.tool('test_dynamic_tool') !== undefined).toBe(before);
  });
});
