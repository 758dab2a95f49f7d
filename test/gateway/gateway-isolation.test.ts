/**
 * Upstream sessions and principals: with `per-principal` isolation a stateful upstream tool keeps
 * one state per Portico principal (no leak between users); with `shared` the same tool shows the
 * leak the isolation prevents. The upstream is server-everything over stdio, whose
 * `toggle-simulated-logging` tool toggles per upstream session. Real API keys, real SDK clients.
 */
import { StreamableHTTPClientTransport, type Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server.js';
import { answeringClient, firstText } from '../helpers/mcp-clients.js';
import { startTestServer } from '../helpers/test-server.js';
import { everythingStdio } from '../helpers/upstreams.js';

let server: RunningServer;
const keys: Record<string, string> = {};
const clients: Client[] = [];

beforeAll(async () => {
  server = await startTestServer();
  for (const who of ['ada', 'bob']) keys[who] = (await server.identity.createKey({ name: `gw-${who}`, role: 'user' })).secret;
  await server.services.gateway!.connect(everythingStdio({ name: 'iso', isolation: 'per-principal' }));
  await server.services.gateway!.connect(everythingStdio({ name: 'shared', isolation: 'shared' }));
}, 60_000);

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
});

async function clientFor(who: string): Promise<Client> {
  const { client } = answeringClient('legacy', `gw-${who}`);
  await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${keys[who]}` } } }));
  clients.push(client);
  return client;
}

const toggle = async (client: Client, upstream: string) => firstText(await client.callTool({ name: `${upstream}_toggle-simulated-logging`, arguments: {} }));

describe('upstream session isolation', () => {
  it('per-principal: one principal’s upstream state is invisible to another', async () => {
    const ada = await clientFor('ada');
    const bob = await clientFor('bob');
    expect(await toggle(ada, 'iso')).toMatch(/^Started/);
    // Bob has his own upstream session: his first toggle starts, it does not stop Ada's.
    expect(await toggle(bob, 'iso')).toMatch(/^Started/);
    expect(await toggle(ada, 'iso')).toMatch(/^Stopped/);
    expect(await toggle(bob, 'iso')).toMatch(/^Stopped/);
  });

  it('per-principal: a principal keeps its session across its own connections', async () => {
    const again = await clientFor('ada');
    expect(await toggle(again, 'iso')).toMatch(/^Started/);
    expect(await toggle(again, 'iso')).toMatch(/^Stopped/);
  });

  it('shared: the same tool leaks state between principals (what isolation prevents)', async () => {
    const ada = await clientFor('ada');
    const bob = await clientFor('bob');
    expect(await toggle(ada, 'shared')).toMatch(/^Started/);
    expect(await toggle(bob, 'shared')).toMatch(/^Stopped/);
  });

  it('one stdio child per principal, plus the control session', async () => {
    const status = server.services.gateway!.list().find((s) => s.name === 'iso')!;
    expect(status.isolation).toBe('per-principal');
    expect(status.health).toBe('connected');
    expect(status.pid).toBeGreaterThan(0);
  });
});
