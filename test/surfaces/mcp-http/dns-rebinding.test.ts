/**
 * DNS-rebinding protection on every MCP endpoint: a Host that does not name this server, or a
 * browser Origin that is not allowed, is refused with 403 and a JSON-RPC error body — before
 * authentication, on the fast lane and on the Fastify routes alike. Requests go over node:http
 * because fetch does not let a caller choose the Host header.
 */
import { describe, expect, it } from 'vitest';
import type { Json } from '../../helpers/http.js';
import { startTestServer } from '../../helpers/test-server.js';
import { ALICE_TOKEN, FIXTURE_ENV, bearer, initializeBody, legacyHeaders, modernInit, rawHead, rawRequest, rpcBody, testAuthenticator, type RawResponse } from './mcp-http-kit.js';

const EVIL = 'evil.example.com';

function expectForbidden(res: RawResponse | { status: number; headers: RawResponse['headers']; firstChunk: string }): void {
  expect(res.status).toBe(403);
  expect(String(res.headers['content-type'])).toContain('application/json');
  const text = 'body' in res ? res.body : res.firstChunk;
  const body = JSON.parse(text) as Json;
  expect(body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32000, message: expect.stringMatching(/^Forbidden/) } });
}

function asHeaders(init: RequestInit): Record<string, string> {
  return { ...(init.headers as Record<string, string>) };
}

describe('DNS-rebinding protection', async () => {
  const server = await startTestServer(FIXTURE_ENV, { authenticator: testAuthenticator });
  const url = server.url;
  const port = new URL(url).port;

  const echo = modernInit('tools/call', { name: 'echo', arguments: { message: 'hi' } }, { token: ALICE_TOKEN });
  const requests = {
    /** The fast lane's shape: hot modern method, JSON, no Origin. */
    fastLane: (headers: Record<string, string>) => rawRequest(`${url}/mcp`, { method: 'POST', headers: { ...asHeaders(echo), ...headers }, body: echo.body as string }),
    /** The same request through Fastify (an Origin sends it there). */
    fastify: (headers: Record<string, string>) =>
      rawRequest(`${url}/mcp`, { method: 'POST', headers: { ...asHeaders(echo), origin: 'http://localhost', ...headers }, body: echo.body as string }),
    discover: (headers: Record<string, string>) => {
      const init = modernInit('server/discover', {}, { token: ALICE_TOKEN });
      return rawRequest(`${url}/mcp`, { method: 'POST', headers: { ...asHeaders(init), ...headers }, body: init.body as string });
    },
    legacyInitialize: (headers: Record<string, string>) =>
      rawRequest(`${url}/mcp`, { method: 'POST', headers: { ...legacyHeaders(ALICE_TOKEN), ...headers }, body: JSON.stringify(initializeBody()) }),
    getMcp: (headers: Record<string, string>) =>
      rawRequest(`${url}/mcp`, { headers: { accept: 'text/event-stream', 'mcp-protocol-version': '2025-11-25', 'mcp-session-id': 'whatever', ...bearer(ALICE_TOKEN), ...headers } }),
    sse: (headers: Record<string, string>) => rawHead(`${url}/sse`, { headers: { accept: 'text/event-stream', ...bearer(ALICE_TOKEN), ...headers } }),
    messages: (headers: Record<string, string>) =>
      rawRequest(`${url}/messages?sessionId=x`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(ALICE_TOKEN), ...headers }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' }),
  };

  describe(`Host: ${EVIL}`, () => {
    for (const [name, send] of Object.entries(requests)) {
      it(`is refused with 403 on ${name}`, async () => {
        expectForbidden(await send({ host: EVIL }));
      });
    }

    it('is refused before authentication (403, not 401) on the fast lane and the route', async () => {
      const bare = modernInit('tools/call', { name: 'echo', arguments: { message: 'hi' } });
      const fast = await rawRequest(`${url}/mcp`, { method: 'POST', headers: { ...asHeaders(bare), host: EVIL }, body: bare.body as string });
      expectForbidden(fast);
      const routed = await rawRequest(`${url}/mcp`, { method: 'POST', headers: { ...asHeaders(bare), host: EVIL, origin: 'http://localhost' }, body: bare.body as string });
      expectForbidden(routed);
    });

    for (const host of [`${EVIL}:${port}`, `localhost.${EVIL}`, `localhost@${EVIL}`, `127.0.0.1.${EVIL}`, `${EVIL}#localhost`, '10.0.0.1']) {
      it(`refuses the look-alike Host ${host}`, async () => {
        expectForbidden(await requests.fastLane({ host }));
        expectForbidden(await requests.fastify({ host }));
      });
    }
  });

  describe(`Origin: http://${EVIL}`, () => {
    for (const name of ['fastLane', 'discover', 'legacyInitialize', 'getMcp', 'sse', 'messages'] as const) {
      it(`is refused with 403 on ${name}`, async () => {
        expectForbidden(await requests[name]({ origin: `http://${EVIL}` }));
      });
    }

    for (const origin of ['null', `http://localhost.${EVIL}`, `https://${EVIL}:${port}`, 'file://', 'chrome-extension://abcdef']) {
      it(`refuses Origin ${origin}`, async () => {
        expectForbidden(await requests.fastLane({ origin }));
      });
    }
  });

  describe('this server’s own names', () => {
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `LOCALHOST:${port}`, 'localhost']) {
      it(`accepts Host ${host} on the fast lane, the route, legacy initialize and /sse`, async () => {
        for (const send of [requests.fastLane, requests.fastify]) {
          const res = await send({ host });
          expect(res.status).toBe(200);
          expect((JSON.parse(res.body) as Json).result.content).toEqual([{ type: 'text', text: 'hi' }]);
        }
        const init = await requests.legacyInitialize({ host });
        expect(init.status).toBe(200);
        const sse = await requests.sse({ host });
        expect(sse.status).toBe(200);
        expect(sse.firstChunk).toContain('event: endpoint');
      });
    }

    it('accepts a loopback Origin matching the URL (the conformance probe)', async () => {
      const res = await requests.discover({ host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}` });
      expect(res.status).toBe(200);
      const viaFetch = await fetch(`${url}/mcp`, modernInit('tools/list', {}, { token: ALICE_TOKEN, headers: { origin: `http://localhost:${port}` } }));
      expect(viaFetch.status).toBe(200);
      expect((await rpcBody(viaFetch)).result.tools.length).toBeGreaterThan(1);
    });
  });
});

describe('DNS-rebinding protection with configured hosts and origins', async () => {
  const server = await startTestServer(
    { ...FIXTURE_ENV, PORTICO_MCP__ALLOWED_HOSTS: 'mcp.example.com', PORTICO_MCP__ALLOWED_ORIGINS: 'https://app.example.com' },
    { authenticator: testAuthenticator },
  );
  const url = server.url;
  const echo = modernInit('tools/call', { name: 'echo', arguments: { message: 'hi' } }, { token: ALICE_TOKEN });
  const post = (headers: Record<string, string>) => rawRequest(`${url}/mcp`, { method: 'POST', headers: { ...asHeaders(echo), ...headers }, body: echo.body as string });

  it('accepts Host mcp.example.com (with or without a port) on the fast lane, the route and /sse', async () => {
    for (const host of ['mcp.example.com', 'mcp.example.com:443', 'MCP.example.com']) {
      expect((await post({ host })).status).toBe(200);
      expect((await post({ host, origin: 'http://localhost' })).status).toBe(200);
    }
    const sse = await rawHead(`${url}/sse`, { headers: { host: 'mcp.example.com', ...bearer(ALICE_TOKEN) } });
    expect(sse.status).toBe(200);
  });

  it('still refuses other hosts and sub-domains of the allowed one', async () => {
    expectForbidden(await post({ host: EVIL }));
    expectForbidden(await post({ host: 'evil.mcp.example.com' }));
    expectForbidden(await post({ host: 'mcp.example.com.evil.example.com' }));
  });

  it('accepts the configured Origin and refuses others', async () => {
    expect((await post({ origin: 'https://app.example.com' })).status).toBe(200);
    expectForbidden(await post({ origin: 'http://app.example.com' }));
    expectForbidden(await post({ origin: 'https://app.example.com.evil.example.com' }));
  });
});
