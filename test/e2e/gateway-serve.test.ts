/**
 * `portico serve` as a real process with a Claude-Desktop-style `mcpServers` block: the stdio
 * upstream is federated at start, and its processes end with Portico — after a graceful SIGTERM and
 * after a SIGKILL that gives Portico no chance to clean up (the watchdog's guard).
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { answeringClient, eventually, firstText } from '../helpers/mcp-clients.js';
import { servePortico } from '../helpers/portico-process.js';
import { tempDir } from '../helpers/temp-dir.js';
import { EVERYTHING_BIN, processesMatching } from '../helpers/upstreams.js';

/** A config whose one upstream carries a marker in its command line, so the test can find its processes. */
function configWithUpstream(marker: string): string {
  const dir = tempDir();
  const file = join(dir, 'portico.json');
  // Ignores SIGTERM and stdin EOF: only the watchdog's group kill ends it.
  const source = `process.on('SIGTERM', () => {}); setInterval(() => {}, 1 << 30); process.argv[2] = 'stdio'; await import(${JSON.stringify(EVERYTHING_BIN)});`;
  writeFileSync(file, JSON.stringify({ mcpServers: { everything: { command: process.execPath, args: ['--input-type=module', '-e', source, marker] } } }));
  return file;
}

async function startFront(marker: string) {
  const server = await servePortico(['--no-auth', '--no-providers', '--config', configWithUpstream(marker), '--data', tempDir()]);
  // The registry connects config upstreams during start-up; wait until they are federated.
  const { client } = answeringClient('legacy');
  await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`)));
  await eventually(async () => (await client.listTools()).tools.map((t) => t.name), (names) => names.includes('everything_echo'), 15_000, 200);
  expect(firstText(await client.callTool({ name: 'everything_echo', arguments: { message: 'via serve' } }))).toBe('Echo: via serve');
  await client.close();
  expect(processesMatching(marker).length).toBeGreaterThanOrEqual(2);
  return server;
}

describe('portico serve with mcpServers', () => {
  it('federates a config-declared stdio upstream and stops it on SIGTERM', async () => {
    const marker = `serve-term-${randomUUID()}`;
    const server = await startFront(marker);
    expect(await server.stop('SIGTERM')).toBe(0);
    await eventually(() => processesMatching(marker), (pids) => pids.length === 0, 10_000);
  }, 60_000);

  it('leaves no upstream process behind when Portico is SIGKILLed', async () => {
    const marker = `serve-kill-${randomUUID()}`;
    const server = await startFront(marker);
    await server.stop('SIGKILL');
    await eventually(() => processesMatching(marker), (pids) => pids.length === 0, 10_000);
  }, 60_000);
});
