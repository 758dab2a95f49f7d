/**
 * The modern hot path (fast lane + lean path) must answer exactly like the SDK's modern handler:
 * same HTTP status, same JSON-RPC body (request ids aside). Plus the guards it re-implements: body
 * limit, parse errors, and the integrity and principal binding of `requestState`.
 */
import { describe, expect, it } from 'vitest';
import type { Json } from '../../helpers/http.js';
import { startTestServer } from '../../helpers/test-server.js';
import { ALICE_TOKEN, BOB_TOKEN, CAROL_TOKEN, FIXTURE_ENV, initializeBody, legacyHeaders, modernInit, modernPost, rpcBody, testAuthenticator, withoutId } from './mcp-http-kit.js';

interface Case {
  name: string;
  method: string;
  params: Json;
  token?: string;
  capabilities?: Json;
  /** Header overrides (e.g. a mismatched Mcp-Name). */
  headers?: Record<string, string>;
  /** Rewrite the JSON-RPC body before it is sent. */
  mutate?: (body: Json) => void;
}

const CASES: Case[] = [
  { name: 'tools/call echo', method: 'tools/call', params: { name: 'echo', arguments: { message: 'parity' } } },
  { name: 'tools/list', method: 'tools/list', params: {} },
  { name: 'tools/list as bob', method: 'tools/list', params: {}, token: BOB_TOKEN },
  { name: 'resources/list', method: 'resources/list', params: {} },
  { name: 'resources/templates/list', method: 'resources/templates/list', params: {} },
  { name: 'prompts/list', method: 'prompts/list', params: {} },
  { name: 'resources/read test://static-text', method: 'resources/read', params: { uri: 'test://static-text' } },
  { name: 'resources/read test://static-binary', method: 'resources/read', params: { uri: 'test://static-binary' } },
  { name: 'resources/read of a template', method: 'resources/read', params: { uri: 'test://template/123/data' } },
  { name: 'prompts/get test_simple_prompt', method: 'prompts/get', params: { name: 'test_simple_prompt' } },
  { name: 'prompts/get with arguments', method: 'prompts/get', params: { name: 'test_prompt_with_arguments', arguments: { arg1: 'a', arg2: 'b' } } },
  { name: 'unknown tool', method: 'tools/call', params: { name: 'no_such_tool', arguments: {} } },
  { name: 'tool hidden from bob', method: 'tools/call', params: { name: 'test_simple_text', arguments: {} }, token: BOB_TOKEN },
  { name: 'unknown resource', method: 'resources/read', params: { uri: 'test://nonexistent-resource-for-conformance-testing' } },
  { name: 'unknown prompt', method: 'prompts/get', params: { name: 'no_such_prompt' } },
  { name: 'invalid tool arguments', method: 'tools/call', params: { name: 'echo', arguments: { message: 42 } } },
  { name: 'tool without arguments', method: 'tools/call', params: { name: 'test_simple_text' } },
  { name: 'a tool returning isError', method: 'tools/call', params: { name: 'test_error_handling', arguments: {} } },
  { name: 'image content', method: 'tools/call', params: { name: 'test_image_content', arguments: {} } },
  {
    name: 'input_required round 1',
    method: 'tools/call',
    params: { name: 'test_input_required_result_elicitation', arguments: {} },
    capabilities: { elicitation: {} },
  },
  { name: 'missing client capability (HTTP 400)', method: 'tools/call', params: { name: 'test_missing_capability', arguments: {} } },
  // Requests the lean path must decline (or answer exactly as the SDK would).
  { name: 'Mcp-Name header not matching params.name', method: 'tools/call', params: { name: 'echo', arguments: { message: 'x' } }, headers: { 'mcp-name': 'test_simple_text' } },
  { name: 'Mcp-Method header not matching the body', method: 'tools/call', params: { name: 'echo', arguments: { message: 'x' } }, headers: { 'mcp-method': 'tools/list' } },
  { name: 'Mcp-Name header on a list', method: 'tools/list', params: {}, headers: { 'mcp-name': 'echo' } },
  { name: 'Accept without text/event-stream', method: 'tools/call', params: { name: 'echo', arguments: { message: 'x' } }, headers: { accept: 'application/json' } },
  { name: '_meta protocol version not matching the header', method: 'tools/list', params: {}, mutate: (b) => (b.params._meta['io.modelcontextprotocol/protocolVersion'] = '2025-11-25') },
  { name: '_meta without clientCapabilities', method: 'tools/list', params: {}, mutate: (b) => delete b.params._meta['io.modelcontextprotocol/clientCapabilities'] },
  { name: 'malformed clientInfo', method: 'tools/list', params: {}, mutate: (b) => (b.params._meta['io.modelcontextprotocol/clientInfo'] = { name: 7 }) },
  { name: 'a progress token', method: 'tools/call', params: { name: 'echo', arguments: { message: 'p' }, _meta: { progressToken: 'tok-1' } } },
  { name: 'arguments as an array', method: 'tools/call', params: { name: 'echo', arguments: ['x'] } },
  { name: 'non-string prompt arguments', method: 'prompts/get', params: { name: 'test_prompt_with_arguments', arguments: { arg1: 1, arg2: 'b' } } },
  { name: 'a cursor on a list', method: 'tools/list', params: { cursor: 'abc' } },
  { name: 'unknown extra params', method: 'tools/call', params: { name: 'echo', arguments: { message: 'x' }, extra: { y: 1 } } },
  { name: 'jsonrpc 1.0', method: 'tools/list', params: {}, mutate: (b) => (b.jsonrpc = '1.0') },
];

async function answer(url: string, c: Case, id: number | string, headers: Record<string, string> = {}): Promise<{ status: number; body: Json }> {
  const init = modernInit(c.method, c.params, { token: c.token ?? ALICE_TOKEN, id, capabilities: c.capabilities ?? {}, headers: { ...c.headers, ...headers } });
  if (c.mutate) {
    const body = JSON.parse(init.body as string) as Json;
    c.mutate(body);
    init.body = JSON.stringify(body);
  }
  const res = await fetch(`${url}/mcp`, init);
  const text = await res.text();
  const body = text ? await rpcBody(new Response(text, { headers: res.headers })) : undefined;
  if (body?.id !== null && body?.id !== undefined) expect(body.id).toBe(id);
  return { status: res.status, body: body === undefined ? undefined : withoutId(body) };
}

describe('modern hot path parity with the SDK handler', async () => {
  const fast = await startTestServer(FIXTURE_ENV, { authenticator: testAuthenticator });
  const sdk = await startTestServer({ ...FIXTURE_ENV, PORTICO_MCP__FAST_PATH: 'false' }, { authenticator: testAuthenticator });

  for (const c of CASES) {
    it(`answers ${c.name} identically`, async () => {
      const viaLane = await answer(fast.url, c, 1);
      const viaSdk = await answer(sdk.url, c, 'sdk-7');
      // The same request through Fastify on the fast server (an Origin keeps it off the fast lane).
      const viaRoute = await answer(fast.url, c, 2, { origin: 'http://localhost' });
      expect(viaLane).toEqual(viaSdk);
      expect(viaRoute).toEqual(viaSdk);
    });
  }

  it('really answers the cases (no accidental parity of two errors)', async () => {
    const echo = await answer(fast.url, CASES[0]!, 1);
    expect(echo).toEqual({
      status: 200,
      body: { jsonrpc: '2.0', result: { content: [{ type: 'text', text: 'parity' }], resultType: 'complete', _meta: expect.any(Object) } },
    });
    const list = await answer(fast.url, CASES[1]!, 1);
    expect(list.body.result).toMatchObject({ resultType: 'complete', ttlMs: 30000, cacheScope: 'private' });
    const missing = await answer(fast.url, CASES.find((c) => c.name === 'missing client capability (HTTP 400)')!, 1);
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe(-32021);
    const unknownResource = await answer(fast.url, CASES.find((c) => c.name === 'unknown resource')!, 1);
    expect(unknownResource.body.error).toEqual({
      code: -32602,
      message: 'Resource not found: test://nonexistent-resource-for-conformance-testing',
      data: { uri: 'test://nonexistent-resource-for-conformance-testing' },
    });
  });

  it('does not serve a stale cached tools/list after the catalog changes', async () => {
    const names = async () => (await answer(fast.url, CASES[1]!, 1)).body.result.tools.map((t: Json) => t.name) as string[];
    const before = await names();
    const toggle = () => answer(fast.url, { name: 'trigger', method: 'tools/call', params: { name: 'test_trigger_tool_change', arguments: {} } }, 5);
    await toggle();
    const after = await names();
    expect(after.includes('test_dynamic_tool')).toBe(!before.includes('test_dynamic_tool'));
    await toggle();
    expect(await names()).toEqual(before);
  });
});

describe('modern request limits and parse errors', async () => {
  const server = await startTestServer({ ...FIXTURE_ENV, PORTICO_SERVER__BODY_LIMIT_BYTES: '2048' }, { authenticator: testAuthenticator });
  const url = server.url;
  const big = { name: 'echo', arguments: { message: 'x'.repeat(10_000) } };

  it('answers a body over the limit with 413 on the fast lane (JSON-RPC error)', async () => {
    const res = await modernPost(url, 'tools/call', big, { token: ALICE_TOKEN });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Request body too large' } });
  });

  it('answers a body over the limit with 413 on the Fastify route and for legacy requests', async () => {
    const routed = await modernPost(url, 'tools/call', big, { token: ALICE_TOKEN, headers: { origin: 'http://localhost' } });
    expect(routed.status).toBe(413);
    await routed.arrayBuffer();
    const init = initializeBody();
    init.params.padding = 'x'.repeat(10_000);
    const legacy = await fetch(`${url}/mcp`, { method: 'POST', headers: legacyHeaders(ALICE_TOKEN), body: JSON.stringify(init) });
    expect(legacy.status).toBe(413);
    await legacy.arrayBuffer();
  });

  // Known bug (same root as the parse-error one below): Fastify's body limit fires before the MCP
  // route, and its REST error handler answers `{"error":{"code":"payload_too_large",…}}`.
  it('BUG: answers a body over the limit on the Fastify route with a JSON-RPC error body (currently the REST error envelope)', async () => {
    const routed = await modernPost(url, 'tools/call', big, { token: ALICE_TOKEN, headers: { origin: 'http://localhost' } });
    expect(routed.status).toBe(413);
    expect(await routed.json()).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32600 } });
  });

  // Known bug: the fast lane authenticates before reading the body ("an anonymous caller gets
  // nothing but a 401"), but the Fastify route parses the body first, so an anonymous caller makes
  // the server buffer up to the body limit and gets a 413 instead of the 401 challenge.
  it('BUG: answers an anonymous oversized body with 401 on the Fastify route, as on the fast lane (currently 413)', async () => {
    const lane = await modernPost(url, 'tools/call', big);
    expect(lane.status).toBe(401);
    await lane.arrayBuffer();
    const routed = await modernPost(url, 'tools/call', big, { headers: { origin: 'http://localhost' } });
    expect(routed.status).toBe(401);
    expect(routed.headers.get('www-authenticate') ?? '').toMatch(/^Bearer\b/);
    await routed.arrayBuffer();
  });

  it('accepts a body just under the limit', async () => {
    const res = await modernPost(url, 'tools/call', { name: 'echo', arguments: { message: 'x'.repeat(1200) } }, { token: ALICE_TOKEN });
    expect(res.status).toBe(200);
    expect((await rpcBody(res)).result.content[0].text).toHaveLength(1200);
  });

  it('answers malformed JSON on the fast lane with 400 and JSON-RPC -32700', async () => {
    const res = await fetch(`${url}/mcp`, { ...modernInit('tools/call', {}, { token: ALICE_TOKEN }), body: '{"jsonrpc":"2.0","id":1,' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32700, message: expect.stringMatching(/^Parse error/) } });
  });

  // Known bug: outside the fast lane, Fastify's JSON parser rejects the body before the MCP route
  // runs and its REST error handler answers `{"error":{"code":"bad_request",…}}` — not JSON-RPC.
  it('BUG: answers malformed JSON on the Fastify route with 400 and JSON-RPC -32700 (currently the REST error envelope)', async () => {
    const routed = await fetch(`${url}/mcp`, { ...modernInit('tools/call', {}, { token: ALICE_TOKEN, headers: { origin: 'http://localhost' } }), body: '{"jsonrpc":"2.0","id":1,' });
    expect(routed.status).toBe(400);
    expect(await routed.json()).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
  });

  it('BUG: answers malformed JSON on a legacy request with 400 and JSON-RPC -32700 (currently the REST error envelope)', async () => {
    const legacy = await fetch(`${url}/mcp`, { method: 'POST', headers: legacyHeaders(ALICE_TOKEN), body: '{"jsonrpc":"2.0","method":"initialize",' });
    expect(legacy.status).toBe(400);
    expect(await legacy.json()).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
  });
});

describe('requestState integrity and binding', async () => {
  const server = await startTestServer(FIXTURE_ENV, { authenticator: testAuthenticator });
  const other = await startTestServer(FIXTURE_ENV, { authenticator: testAuthenticator });
  const TOOL = 'test_input_required_result_tampered_state';
  const CAPS = { elicitation: {} };
  const confirm = { confirm: { action: 'accept', content: { ok: true } } };

  async function roundOne(url: string, token: string): Promise<string> {
    const res = await modernPost(url, 'tools/call', { name: TOOL, arguments: {} }, { token, capabilities: CAPS });
    expect(res.status).toBe(200);
    const body = await rpcBody(res);
    expect(body.result.resultType).toBe('input_required');
    expect(typeof body.result.requestState).toBe('string');
    return body.result.requestState as string;
  }

  async function roundTwo(url: string, token: string, requestState: string, headers: Record<string, string> = {}) {
    const res = await modernPost(url, 'tools/call', { name: TOOL, arguments: {}, requestState, inputResponses: confirm }, { token, capabilities: CAPS, headers });
    return { status: res.status, body: await rpcBody(res) };
  }

  it('accepts its own untampered state (control)', async () => {
    const state = await roundOne(server.url, ALICE_TOKEN);
    const { status, body } = await roundTwo(server.url, ALICE_TOKEN, state);
    expect(status).toBe(200);
    expect(body.result.content).toEqual([{ type: 'text', text: 'Request state verified and accepted.' }]);
  });

  for (const path of [
    { name: 'fast lane', headers: {} as Record<string, string> },
    { name: 'Fastify route', headers: { origin: 'http://localhost' } },
  ]) {
    it(`rejects a tampered requestState with JSON-RPC -32602 (${path.name})`, async () => {
      const state = await roundOne(server.url, ALICE_TOKEN);
      for (const tampered of [`${state}x`, `${state}-TAMPERED`, state.slice(0, -2), state.replace(/\.[^.]+\./, '.eyJwIjp7InMiOnt9LCJwIjoidXNlcjphbGljZSJ9fQ.')]) {
        const { body } = await roundTwo(server.url, ALICE_TOKEN, tampered, path.headers);
        expect(body.result).toBeUndefined();
        expect(body.error.code).toBe(-32602);
      }
    });
  }

  it('rejects a requestState minted for alice when bob replays it', async () => {
    const state = await roundOne(server.url, ALICE_TOKEN);
    const { body } = await roundTwo(server.url, BOB_TOKEN, state);
    expect(body.result).toBeUndefined();
    expect(body.error.code).toBe(-32602);
  });

  it('rejects a requestState minted for alice when carol (who may call the tool) replays it', async () => {
    const state = await roundOne(server.url, ALICE_TOKEN);
    const { body } = await roundTwo(server.url, CAROL_TOKEN, state);
    expect(body.result).toBeUndefined();
    expect(body.error).toMatchObject({ code: -32602, message: 'Invalid or expired requestState' });
  });

  it('rejects a requestState minted by another installation (different secret key)', async () => {
    const state = await roundOne(other.url, ALICE_TOKEN);
    const { body } = await roundTwo(server.url, ALICE_TOKEN, state);
    expect(body.error.code).toBe(-32602);
  });
});
