/**
 * The published `@modelcontextprotocol/server-filesystem` as a stdio upstream: it lists and reads
 * a directory it was given, writes through the gateway, and refuses paths outside its root —
 * the upstream's own refusal arrives as a tool error, unchanged.
 */
import { mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StreamableHTTPClientTransport, type Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server.js';
import { answeringClient, firstText } from '../helpers/mcp-clients.js';
import { startTestServer } from '../helpers/test-server.js';
import { tempDir } from '../helpers/temp-dir.js';
import { filesystemStdio } from '../helpers/upstreams.js';

let server: RunningServer;
let client: Client;
const root = realpathSync(tempDir());

beforeAll(async () => {
  mkdirSync(join(root, 'notes'));
  writeFileSync(join(root, 'notes', 'hello.txt'), 'hello from the filesystem upstream\n');
  server = await startTestServer({ PORTICO_AUTH__DISABLED: 'true' });
  const status = await server.services.gateway!.connect(filesystemStdio(root, { name: 'fs' }));
  expect(status.health).toBe('connected');
  ({ client } = answeringClient('modern'));
  await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`)));
}, 60_000);

afterAll(async () => {
  await client?.close();
});

describe('server-filesystem through the gateway', () => {
  it('federates its tools', async () => {
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['fs_read_text_file', 'fs_write_file', 'fs_list_directory']));
  });

  it('lists and reads inside its root', async () => {
    expect(firstText(await client.callTool({ name: 'fs_list_directory', arguments: { path: join(root, 'notes') } }))).toContain('hello.txt');
    expect(firstText(await client.callTool({ name: 'fs_read_text_file', arguments: { path: join(root, 'notes', 'hello.txt') } }))).toBe('hello from the filesystem upstream\n');
  });

  it('writes through the gateway', async () => {
    const result = await client.callTool({ name: 'fs_write_file', arguments: { path: join(root, 'notes', 'new.txt'), content: 'written via Portico' } });
    expect(result.isError).toBeFalsy();
    expect(readFileSync(join(root, 'notes', 'new.txt'), 'utf8')).toBe('written via Portico');
  });

  it('relays the upstream’s refusal of a path outside its root as a tool error', async () => {
    const result = await client.callTool({ name: 'fs_read_text_file', arguments: { path: '/etc/hostname' } });
    expect(result.isError).toBe(true);
    expect(firstText(result)).toMatch(/denied|outside|not allowed/i);
  });
});
