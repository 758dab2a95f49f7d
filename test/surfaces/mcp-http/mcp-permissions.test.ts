/**
 * What a principal may not use is invisible to it, in every era and on every path: absent from
 * lists, and "not found" (exactly like a name that does not exist) on use. bob holds only
 * `tools:call:echo`.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, describe, expect, it } from 'vitest';
import type { Json } from '../../helpers/http.js';
import { startTestServer } from '../../helpers/test-server.js';
import { BOB_TOKEN, FIXTURE_ENV, bearer, modernPost, openLegacySession, openSseSession, rpcBody, testAuthenticator, withoutId } from './mcp-http-kit.js';

describe('MCP permissions for a narrow principal (bob: tools:call:echo)', async () => {
  const server = await startTestServer(FIXTURE_ENV, { authenticator: testAuthenticator });
  const url = server.url;

  // Modern requests through the fast lane (no Origin) and through the Fastify route (Origin).
  const paths: { name: string; headers: Record<string, string> }[] = [
    { name: 'modern fast lane', headers: {} },
    { name: 'modern Fastify route', headers: { origin: 'http://localhost' } },
  ];
  const modern = async (method: string, params: Json = {}, headers: Record<string, string> = {}) => {
    const res = await modernPost(url, method, params, { token: BOB_TOKEN, headers });
    expect(res.status).toBe(200);
    return rpcBody(res);
  };

  for (const path of paths) {
    describe(path.name, () => {
      it('lists only echo', async () => {
        const body = await modern('tools/list', {}, path.headers);
        expect(body.result.tools.map((t: Json) => t.name)).toEqual(['echo']);
      });

      it('calls echo', async () => {
        const body = await modern('tools/call', { name: 'echo', arguments: { message: 'bob here' } }, path.headers);
        expect(body.result.content).toEqual([{ type: 'text', text: 'bob here' }]);
      });

      it('answers a call to a tool it may not use exactly like an unknown tool', async () => {
        const hidden = await modern('tools/call', { name: 'test_simple_text', arguments: {} }, path.headers);
        expect(hidden.error).toEqual({ code: -32602, message: 'Unknown tool: test_simple_text' });
        const missing = await modern('tools/call', { name: 'no_such_tool_anywhere', arguments: {} }, path.headers);
        expect(missing.error).toEqual({ code: -32602, message: 'Unknown tool: no_such_tool_anywhere' });
      });

      it('lists no resources, templates or prompts', async () => {
        expect((await modern('resources/list', {}, path.headers)).result.resources).toEqual([]);
        expect((await modern('resources/templates/list', {}, path.headers)).result.resourceTemplates).toEqual([]);
        expect((await modern('prompts/list', {}, path.headers)).result.prompts).toEqual([]);
      });

      it('answers a read of a resource it may not read exactly like an unknown resource', async () => {
        const hidden = await modern('resources/read', { uri: 'test://static-text' }, path.headers);
        expect(hidden.error).toEqual({ code: -32602, message: 'Resource not found: test://static-text', data: { uri: 'test://static-text' } });
        const templated = await modern('resources/read', { uri: 'test://template/1/data' }, path.headers);
        expect(templated.error).toMatchObject({ code: -32602, message: 'Resource not found: test://template/1/data' });
        const missing = await modern('resources/read', { uri: 'test://nope' }, path.headers);
        expect(withoutId(missing).error.code).toBe(hidden.error.code);
      });

      it('answers prompts/get of a hidden prompt as unknown', async () => {
        const hidden = await modern('prompts/get', { name: 'test_simple_prompt' }, path.headers);
        expect(hidden.error).toEqual({ code: -32602, message: 'Unknown prompt: test_simple_prompt' });
      });
    });
  }

  describe('legacy Streamable HTTP (SDK client)', async () => {
    const client = new Client({ name: 'bob-legacy', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: bearer(BOB_TOKEN) } }));
    afterAll(() => client.close());

    it('lists only echo', async () => {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(['echo']);
    });

    it('calls echo and gets not-found for anything else', async () => {
      const ok = await client.callTool({ name: 'echo', arguments: { message: 'legacy bob' } });
      expect(ok.content).toEqual([{ type: 'text', text: 'legacy bob' }]);
      await expect(client.callTool({ name: 'test_simple_text', arguments: {} })).rejects.toMatchObject({ code: -32602, message: expect.stringContaining('Unknown tool: test_simple_text') });
    });

    it('lists no resources and cannot read test://static-text', async () => {
      expect((await client.listResources()).resources).toEqual([]);
      await expect(client.readResource({ uri: 'test://static-text' })).rejects.toMatchObject({ code: -32602 });
    });

    it('cannot subscribe to a resource it may not read', async () => {
      await expect(client.subscribeResource({ uri: 'test://watched-resource' })).rejects.toMatchObject({ code: -32602 });
    });
  });

  describe('legacy Streamable HTTP (raw) and legacy SSE', () => {
    it('lists only echo and hides the rest on a raw legacy session', async () => {
      const session = await openLegacySession(url, BOB_TOKEN);
      expect((await session.call('tools/list')).result.tools.map((t: Json) => t.name)).toEqual(['echo']);
      expect((await session.call('resources/list')).result.resources).toEqual([]);
      expect((await session.call('resources/read', { uri: 'test://static-text' })).error).toMatchObject({ code: -32602, message: 'Resource not found: test://static-text' });
    });

    it('lists only echo over /sse + /messages', async () => {
      const session = await openSseSession(url, BOB_TOKEN);
      try {
        expect((await session.call('tools/list')).result.tools.map((t: Json) => t.name)).toEqual(['echo']);
        expect((await session.call('tools/call', { name: 'test_simple_text', arguments: {} })).error).toEqual({ code: -32602, message: 'Unknown tool: test_simple_text' });
        expect((await session.call('resources/list')).result.resources).toEqual([]);
      } finally {
        await session.stream.cancel();
      }
    });
  });
});
