/** `portico stdio --as USER`: the stdio surface speaks with that user's permissions. */
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { describe, expect, it } from 'vitest';
import { PORTICO_BIN, runPortico } from '../helpers/portico-process.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('portico stdio --as', () => {
  it('lists and calls only what the user’s role allows', async () => {
    const data = tempDir();
    const added = await runPortico(['users', 'add', 'viewer', '--role', 'readonly', '--data', data]);
    expect(added.code).toBe(0);
    const client = new Client({ name: 'as-test', version: '1' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [PORTICO_BIN, 'stdio', '--conformance-fixture', '--no-providers', '--as', 'viewer', '--data', data], stderr: 'pipe' }));
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toContain('echo');
      expect(names).not.toContain('test_trigger_tool_change');
      await expect(client.callTool({ name: 'test_trigger_tool_change', arguments: {} })).rejects.toThrow(/Unknown tool/);
      const echoed = await client.callTool({ name: 'echo', arguments: { message: 'hi' } });
      expect(echoed.content).toEqual([{ type: 'text', text: 'hi' }]);
    } finally {
      await client.close();
    }
  });

  it('refuses an unknown user with a clear error', async () => {
    const res = await runPortico(['stdio', '--as', 'ghost', '--data', tempDir()]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('no user named "ghost"');
  });
});
