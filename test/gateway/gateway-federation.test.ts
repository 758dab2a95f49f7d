/**
 * Federation rules with a real upstream (another Portico serving its conformance fixture over
 * HTTP): namespaced names, pass-through names refused on collision, resource URIs kept (prefixed
 * only on collision), list_changed reaching downstream clients, tool filters, the upstream's
 * permission hiding its entries, the legacy SSE transport, and recovery after the upstream
 * restarts (health goes degraded with a reason, then connected again).
 */
import { createServer } from 'node:net';
import { StreamableHTTPClientTransport, type Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PorticoError } from '../../src/core/errors.js';
import { localPrincipal } from '../../src/core/identity/local-principal.js';
import type { Provider } from '../../src/providers/provider.js';
import type { RunningServer } from '../../src/server.js';
import { NotificationRecorder, answeringClient, callCount, eventually, firstText } from '../helpers/mcp-clients.js';
import { servePortico, type ServingProcess } from '../helpers/portico-process.js';
import { startTestServer } from '../helpers/test-server.js';
import { tempDir } from '../helpers/temp-dir.js';
import { upstream } from '../helpers/upstreams.js';

let fixture: ServingProcess;
let front: RunningServer;
const clients: Client[] = [];

/** A local tool whose name the fixture also has. */
const localProvider: Provider = {
  name: 'local-test',
  start: ({ catalog }) =>
    catalog.add({ kind: 'tool', name: 'test_simple_text', source: 'local-test', description: 'local', inputSchema: { type: 'object' }, handler: () => ({ content: [{ type: 'text', text: 'local' }] }) }),
};

beforeAll(async () => {
  fixture = await servePortico(['--no-auth', '--conformance-fixture', '--no-providers', '--data', tempDir()]);
  front = await startTestServer({}, { providers: [localProvider] });
}, 60_000);

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await fixture?.stop();
});

const http = (extra: Record<string, unknown> = {}) => upstream({ transport: { type: 'http', url: `${fixture.url}/mcp` }, ...extra });

async function clientWith(secret: string): Promise<Client> {
  const { client } = answeringClient('legacy');
  await client.connect(new StreamableHTTPClientTransport(new URL(`${front.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${secret}` } } }));
  clients.push(client);
  return client;
}

describe('federation', () => {
  let admin: Client;
  beforeAll(async () => {
    admin = await clientWith((await front.identity.createKey({ name: 'fed-admin', role: 'admin' })).secret);
  });

  it('refuses a pass-through upstream whose names collide with local entries, and keeps nothing', async () => {
    const before = front.catalog.version;
    const error = await front.services.gateway!.connect(http({ name: 'clash', namespace: '' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PorticoError);
    expect((error as PorticoError).code).toBe('conflict');
    expect((error as PorticoError).message).toContain('tool "test_simple_text"');
    expect(front.services.gateway!.list().some((s) => s.name === 'clash')).toBe(false);
    expect(front.catalog.version).toBe(before);
  });

  it('namespaces tools and prompts, keeps resource URIs, and prefixes colliding URIs', async () => {
    await front.services.gateway!.connect(http({ name: 'one' }));
    await front.services.gateway!.connect(http({ name: 'two' }));
    const tools = (await admin.listTools()).tools.map((t) => t.name);
    expect(tools).toEqual(expect.arrayContaining(['test_simple_text', 'one_test_simple_text', 'two_test_simple_text']));
    expect(firstText(await admin.callTool({ name: 'one_test_simple_text', arguments: {} }))).not.toBe('local');
    const prompts = (await admin.listPrompts()).prompts.map((p) => p.name);
    expect(prompts).toEqual(expect.arrayContaining(['one_test_simple_prompt', 'two_test_simple_prompt']));
    const uris = (await admin.listResources()).resources.map((r) => r.uri);
    expect(uris).toEqual(expect.arrayContaining(['test://static-text', 'two+test://static-text']));
    const read = await admin.readResource({ uri: 'two+test://static-text' });
    expect(read.contents[0]!.uri).toBe('two+test://static-text');
    expect((await admin.readResource({ uri: 'test://static-text' })).contents[0]!.uri).toBe('test://static-text');
  });

  it('refuses a second pass-through upstream whose names collide with the first', async () => {
    await front.services.gateway!.connect(http({ name: 'pass', namespace: '', tools: { allow: ['test_image_*'] } }));
    const error = await front.services.gateway!.connect(http({ name: 'pass2', namespace: '', tools: { allow: ['test_image_*'] } })).catch((e: unknown) => e);
    expect((error as PorticoError).code).toBe('conflict');
  });

  it('applies tool allow and deny lists', async () => {
    await front.services.gateway!.connect(http({ name: 'filtered', tools: { allow: ['test_simple_*', 'test_image_*'], deny: ['test_image_*'] } }));
    const names = (await admin.listTools()).tools.map((t) => t.name).filter((n) => n.startsWith('filtered_'));
    expect(names).toEqual(['filtered_test_simple_text']);
  });

  it('relays upstream list_changed into the catalog and on to downstream clients', async () => {
    const recorder = new NotificationRecorder(admin);
    const changed = recorder.next('notifications/tools/list_changed', () => true, 10_000);
    const before = (await admin.listTools()).tools.map((t) => t.name);
    const toggled = firstText(await admin.callTool({ name: 'one_test_trigger_tool_change', arguments: {} }));
    await changed;
    const after = await eventually(
      async () => (await admin.listTools()).tools.map((t) => t.name),
      (names) => names.includes('one_test_dynamic_tool') !== before.includes('one_test_dynamic_tool'),
      10_000,
    );
    expect(after.includes('one_test_dynamic_tool')).toBe(toggled.includes('added'));
  });

  it('hides an upstream with a permission from principals without it', async () => {
    await front.services.gateway!.connect(http({ name: 'guarded', permission: 'upstreams:use:guarded' }));
    const user = await clientWith((await front.identity.createKey({ name: 'fed-user', role: 'user' })).secret);
    expect((await user.listTools()).tools.some((t) => t.name.startsWith('guarded_'))).toBe(false);
    await expect(user.callTool({ name: 'guarded_test_simple_text', arguments: {} })).rejects.toThrow(/Unknown tool/);
    expect((await admin.listTools()).tools.some((t) => t.name === 'guarded_test_simple_text')).toBe(true);
  });

  it('lists exactly what a principal may call: the upstream permission and the entry permission together', async () => {
    // Holds the upstream's permission but may call only one of its tools.
    await front.identity.saveRole({ name: 'guarded-one', permissions: ['upstreams:use:guarded', 'tools:call:guarded_test_simple_text'] });
    // May call every tool, but lacks the upstream's permission.
    await front.identity.saveRole({ name: 'all-tools', permissions: ['tools:call:*', 'prompts:get:*', 'resources:read:*'] });
    const one = await clientWith((await front.identity.createKey({ name: 'fed-one', role: 'guarded-one' })).secret);
    const others = await clientWith((await front.identity.createKey({ name: 'fed-all', role: 'all-tools' })).secret);

    expect((await one.listTools()).tools.map((t) => t.name).filter((n) => n.startsWith('guarded_'))).toEqual(['guarded_test_simple_text']);
    expect(firstText(await one.callTool({ name: 'guarded_test_simple_text', arguments: {} }))).toBe('This is a simple text response for testing.');
    await expect(one.callTool({ name: 'guarded_test_image_content', arguments: {} })).rejects.toThrow(/Unknown tool/);

    expect((await others.listTools()).tools.some((t) => t.name.startsWith('guarded_'))).toBe(false);
    expect((await others.listPrompts()).prompts.some((p) => p.name.startsWith('guarded_'))).toBe(false);
    await expect(others.callTool({ name: 'guarded_test_simple_text', arguments: {} })).rejects.toThrow(/Unknown tool/);
    // The unguarded upstream's tools stay visible to the same principal.
    expect((await others.listTools()).tools.some((t) => t.name === 'one_test_simple_text')).toBe(true);
  });

  it('connects over the legacy HTTP+SSE transport', async () => {
    const status = await front.services.gateway!.connect(upstream({ name: 'viasse', transport: { type: 'sse', url: `${fixture.url}/sse` } }));
    expect(status).toMatchObject({ health: 'connected', era: 'legacy', transport: 'sse' });
    expect(firstText(await admin.callTool({ name: 'viasse_test_simple_text', arguments: {} }))).toBe(firstText(await admin.callTool({ name: 'one_test_simple_text', arguments: {} })));
  });

  it('disconnect removes the entries', async () => {
    const id = front.services.gateway!.list().find((s) => s.name === 'viasse')!.id;
    expect(await front.services.gateway!.disconnect(id)).toBe(true);
    expect((await admin.listTools()).tools.some((t) => t.name.startsWith('viasse_'))).toBe(false);
    expect(await front.services.gateway!.disconnect(id)).toBe(false);
  });
});

describe('cancellation and resource updates', () => {
  let relayFront: RunningServer;
  let client: Client;
  beforeAll(async () => {
    relayFront = await startTestServer({ PORTICO_AUTH__DISABLED: 'true' });
    // Legacy towards the upstream: resources/subscribe is how a legacy upstream pushes updates.
    await relayFront.services.gateway!.connect(http({ name: 'relay', era: 'legacy' }));
    ({ client } = answeringClient('legacy'));
    await client.connect(new StreamableHTTPClientTransport(new URL(`${relayFront.url}/mcp`)));
  }, 30_000);
  afterAll(async () => {
    await client?.close();
    await relayFront?.close();
  });

  it('relays a downstream cancellation to the upstream, which sees the call cancelled', async () => {
    const before = await callCount(fixture.url, 'tools/call', 'cancelled');
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('cancelled by the test')), 400);
    const started = Date.now();
    await expect(client.callTool({ name: 'relay_test_slow_operation', arguments: { seconds: 30 } }, { signal: controller.signal })).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5_000);
    await eventually(() => callCount(fixture.url, 'tools/call', 'cancelled'), (n) => n === before + 1, 5_000);
    expect(firstText(await client.callTool({ name: 'relay_test_simple_text', arguments: {} }))).toBeTruthy();
  });

  it('relays resources/updated from a modern upstream (subscriptions/listen)', async () => {
    await relayFront.services.gateway!.connect(http({ name: 'modernrelay', era: 'modern', tools: { allow: ['test_touch_watched_resource'] } }));
    // Both upstreams offer the URI: the modern one's is prefixed.
    const recorder = new NotificationRecorder(client);
    await client.subscribeResource({ uri: 'modernrelay+test://watched-resource' });
    const updated = recorder.next('notifications/resources/updated', (n) => (n.params as { uri?: string }).uri === 'modernrelay+test://watched-resource', 10_000);
    await client.callTool({ name: 'modernrelay_test_touch_watched_resource', arguments: {} });
    await updated;
  });

  it('relays resources/updated of a subscribed upstream resource', async () => {
    const recorder = new NotificationRecorder(client);
    await client.subscribeResource({ uri: 'test://watched-resource' });
    const updated = recorder.next('notifications/resources/updated', (n) => (n.params as { uri?: string }).uri === 'test://watched-resource', 10_000);
    await client.callTool({ name: 'relay_test_touch_watched_resource', arguments: {} });
    await updated;
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

describe('recovery after the upstream restarts', () => {
  it('goes degraded with a reason while it is down and serves again once it is back', async () => {
    const port = await freePort();
    const args = ['--no-auth', '--conformance-fixture', '--no-providers', '--port', String(port)];
    let restartable = await servePortico([...args, '--data', tempDir()]);
    const gatewayFront = await startTestServer({ PORTICO_AUTH__DISABLED: 'true', PORTICO_GATEWAY__HEALTH_INTERVAL_MS: '200' });
    const gateway = gatewayFront.services.gateway!;
    const { id } = await gateway.connect(upstream({ name: 'flaky', transport: { type: 'http', url: `http://127.0.0.1:${port}/mcp` }, timeoutMs: 1_000 }));
    try {
      await restartable.stop();
      const down = await eventually(() => gateway.status(id)!, (s) => s.health === 'degraded', 15_000, 100);
      expect(down.reason).toBeTruthy();
      expect(down.failures).toBeGreaterThanOrEqual(3);
      // While the circuit is open, calls fail fast with a clear error.
      const error = await gateway.callTool(localPrincipal(), id, 'test_simple_text', {}).catch((e: unknown) => e);
      expect((error as PorticoError).code).toBe('upstream_failed');
      restartable = await servePortico([...args, '--data', tempDir()]);
      await eventually(() => gateway.status(id)!, (s) => s.health === 'connected', 40_000, 200);
      const result = await gateway.callTool(localPrincipal(), id, 'test_simple_text', {});
      expect(result.isError).toBeFalsy();
    } finally {
      await restartable.stop();
      await gatewayFront.close();
    }
  }, 90_000);
});
