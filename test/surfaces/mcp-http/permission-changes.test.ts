/**
 * Authorization follows identity changes: a role edited while a legacy session is open changes that
 * session's lists on its next request, and the session is told (`list_changed`).
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../../helpers/test-server.js';

describe('permission changes reach open MCP sessions', async () => {
  const server = await startTestServer({ PORTICO_MCP__CONFORMANCE_FIXTURE: 'true', PORTICO_ADMIN_PASSWORD: 'admin password here' });
  await server.identity.saveRole({ name: 'echo_only', permissions: ['tools:call:echo'] });
  const { secret } = await server.identity.createKey({ name: 'agent', role: 'echo_only' });

  it('updates lists on the next request and sends tools/list_changed', async () => {
    const client = new Client({ name: 'perm-test', version: '1' });
    let changed = 0;
    client.setNotificationHandler('notifications/tools/list_changed', () => void changed++);
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${secret}` } } }));
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['echo']);
      await expect(client.callTool({ name: 'test_simple_text', arguments: {} })).rejects.toThrow(/Unknown tool/);

      await server.identity.saveRole({ name: 'echo_only', permissions: ['tools:call:echo', 'tools:call:test_simple_text'] });
      expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(['echo', 'test_simple_text']);
      const result = await client.callTool({ name: 'test_simple_text', arguments: {} });
      expect(result.content).toEqual([{ type: 'text', text: 'This is a simple text response for testing.' }]);
      // The notification travels on the session's GET stream, which the SDK client opens after connecting.
      for (let i = 0; i < 40 && changed === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(changed).toBeGreaterThan(0);

      await server.identity.saveRole({ name: 'echo_only', permissions: [] });
      expect((await client.listTools()).tools).toEqual([]);
    } finally {
      await client.close();
    }
  });
});
