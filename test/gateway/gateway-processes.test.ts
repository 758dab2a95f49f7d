/**
 * No orphan processes, supervision and deadlines, with real child processes: stdio upstreams are
 * gone after the gateway closes and after the gateway's process is SIGKILLed (the watchdog's
 * guard), a crashed upstream is restarted and serves again, and a slow upstream call ends as a
 * tool error over MCP (and as `upstream_timeout` on the direct relay the REST API uses).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCatalog } from '../../src/core/catalog/catalog.js';
import { PorticoError } from '../../src/core/errors.js';
import { localPrincipal } from '../../src/core/identity/local-principal.js';
import { createGateway } from '../../src/gateway/create-gateway.js';
import type { RunningServer } from '../../src/server.js';
import { answeringClient, eventually, firstText } from '../helpers/mcp-clients.js';
import { startTestServer } from '../helpers/test-server.js';
import { EVERYTHING_BIN, everythingStdio, isRunning, parentOf, processesMatching } from '../helpers/upstreams.js';

const HOST = fileURLToPath(new URL('./fixtures/gateway-host.mjs', import.meta.url));
const silent = pino({ level: 'silent' });

/** A server that ignores stdin EOF and SIGTERM: only the watchdog's group SIGKILL ends it. */
function stubbornServer(marker: string): [string, ...string[]] {
  const source = `process.on('SIGTERM', () => {}); setInterval(() => {}, 1 << 30); process.argv[2] = 'stdio'; await import(${JSON.stringify(EVERYTHING_BIN)});`;
  return [process.execPath, '--input-type=module', '-e', source, marker];
}

describe('stdio children never outlive the gateway', () => {
  it('closing the gateway stops the server process and its watchdog', async () => {
    const marker = `gw-close-${randomUUID()}`;
    const [command, ...args] = stubbornServer(marker);
    const gateway = createGateway({ catalog: createCatalog(), logger: silent, clientInfo: { name: 't', version: '0' }, healthIntervalMs: 0 });
    const status = await gateway.connect(everythingStdio({ transport: { type: 'stdio', command, args, env: {} }, era: 'legacy' }));
    expect(status.health).toBe('connected');
    expect(processesMatching(marker).length).toBeGreaterThanOrEqual(2); // watchdog + server
    await gateway.close();
    await eventually(() => processesMatching(marker), (pids) => pids.length === 0, 8_000);
    expect(isRunning(status.pid!)).toBe(false);
  }, 30_000);

  it('a SIGKILLed gateway process leaves no upstream process behind', async () => {
    const marker = `gw-kill-${randomUUID()}`;
    const host = spawn(process.execPath, [HOST, JSON.stringify(stubbornServer(marker))], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      host.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0]!);
      });
      host.once('exit', (code) => reject(new Error(`gateway host exited with ${code}`)));
    });
    const { pid, tools } = JSON.parse(line) as { pid: number; tools: number };
    expect(tools).toBeGreaterThan(0);
    expect(processesMatching(marker).length).toBeGreaterThanOrEqual(2);
    host.kill('SIGKILL');
    await eventually(() => processesMatching(marker), (pids) => pids.length === 0, 10_000);
    expect(isRunning(pid)).toBe(false);
  }, 40_000);
});

describe('supervision and deadlines through the front door', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startTestServer({ PORTICO_AUTH__DISABLED: 'true' });
    await server.services.gateway!.connect(everythingStdio({ name: 'sup', timeoutMs: 3_000, era: 'legacy' }));
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  it('restarts a crashed stdio upstream and serves again', async () => {
    const gateway = server.services.gateway!;
    const before = gateway.list().find((s) => s.name === 'sup')!;
    // Kill the real server (the watchdog's child), as a crash would.
    const serverPids = processesMatching(EVERYTHING_BIN).filter((p) => p !== before.pid);
    const crashed = serverPids.find((p) => parentOf(p) === before.pid);
    expect(crashed).toBeDefined();
    process.kill(crashed!, 'SIGKILL');
    const after = await eventually(
      () => gateway.list().find((s) => s.name === 'sup')!,
      (s) => s.health === 'connected' && s.pid !== before.pid,
      10_000,
    );
    expect(after.pid).not.toBe(before.pid);
    const { client } = answeringClient('legacy');
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`)));
    expect(firstText(await client.callTool({ name: 'sup_echo', arguments: { message: 'back' } }))).toBe('Echo: back');
    await client.close();
  }, 30_000);

  it('a call past the upstream timeout is a tool error over MCP', async () => {
    const { client } = answeringClient('legacy');
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`)));
    const started = Date.now();
    const result = await client.callTool({ name: 'sup_trigger-long-running-operation', arguments: { duration: 10, steps: 5 } });
    expect(result.isError).toBe(true);
    expect(firstText(result)).toMatch(/did not finish within 3000 ms/);
    expect(Date.now() - started).toBeLessThan(6_000);
    // The session still works afterwards.
    expect(firstText(await client.callTool({ name: 'sup_echo', arguments: { message: 'ok' } }))).toBe('Echo: ok');
    await client.close();
  }, 20_000);

  it('the direct relay reports upstream_timeout (HTTP 408)', async () => {
    const gateway = server.services.gateway!;
    const id = gateway.list().find((s) => s.name === 'sup')!.id;
    const error = await gateway.callTool(localPrincipal(), id, 'trigger-long-running-operation', { duration: 5, steps: 5 }, { timeoutMs: 500 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PorticoError);
    expect((error as PorticoError).code).toBe('upstream_timeout');
    expect((error as PorticoError).status).toBe(408);
  }, 20_000);
});
