/**
 * DNS rebinding against REST-added upstreams: the URL's host is checked when the upstream is added,
 * and every later connection resolves it again through the same rules (the network guard), so a
 * name that answers with an allowed address for the check and another one for the connection is
 * refused where the socket would be opened. Name resolution is injected: every address in play is
 * loopback (127.0.0.1 allowed, 127.0.0.2 refused by the policy), so nothing leaves this machine
 * even if the guard were broken — and a listener on 127.0.0.2 proves no connection got there.
 */
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../../src/server.js';
import { servePortico, type ServingProcess } from '../../helpers/portico-process.js';
import { startTestServer } from '../../helpers/test-server.js';
import { tempDir } from '../../helpers/temp-dir.js';

let fixture: ServingProcess;
let gateway: RunningServer;
let admin: string;
let trap: Server;
let trapConnections = 0;
/** Host name → the addresses the injected resolver answers, in turn (the last one repeats). */
const answers = new Map<string, string[][]>();
const resolved: string[] = [];

async function resolveHost(host: string): Promise<string[]> {
  resolved.push(host);
  const queue = answers.get(host);
  if (!queue?.length) throw Object.assign(new Error(`no such host ${host}`), { code: 'ENOTFOUND' });
  return queue.length > 1 ? queue.shift()! : queue[0]!;
}

beforeAll(async () => {
  // The fixture's own DNS-rebinding guard must accept the name the gateway connects by.
  fixture = await servePortico(['--no-auth', '--conformance-fixture', '--no-providers', '--data', tempDir()], { PORTICO_MCP__ALLOWED_HOSTS: 'steady.portico.test' });
  // Where a rebound name would lead: counted, never answered.
  trap = createServer((socket) => {
    trapConnections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => trap.listen(0, '127.0.0.2', resolve));
  gateway = await startTestServer(
    { PORTICO_ADMIN_PASSWORD: 'rebinding-tests-admin-password', PORTICO_GATEWAY__ALLOW_LOOPBACK: 'false', PORTICO_GATEWAY__ALLOWED_HOSTS: '127.0.0.1' },
    { resolveHost },
  );
  admin = (await gateway.identity.createKey({ name: 'rebinding-admin', role: 'admin', userId: null })).secret;
}, 60_000);

afterAll(async () => {
  await fixture?.stop();
  await new Promise((resolve) => trap?.close(resolve));
});

function addUpstream(body: Record<string, unknown>): Promise<Response> {
  return fetch(`${gateway.url}/api/v1/upstreams`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: JSON.stringify(body) });
}

const portOf = (url: string) => new URL(url).port;

describe('REST-added upstreams and DNS rebinding', () => {
  it('connects through a name that keeps resolving to an allowed address, on both the SDK and the lean path', async () => {
    answers.set('steady.portico.test', [['127.0.0.1']]);
    const res = await addUpstream({ transport: 'http', mcp_url: `http://steady.portico.test:${portOf(fixture.url)}/mcp`, name: 'steady', timeout: 10 });
    expect(res.status, await res.clone().text()).toBe(201);
    const { client_id: id } = (await res.json()) as { client_id: string };
    // The connection resolved the name itself (not only the check when adding).
    expect(resolved.filter((h) => h === 'steady.portico.test').length).toBeGreaterThanOrEqual(2);
    const call = await fetch(`${gateway.url}/api/v1/upstreams/${id}/tools/call`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({ tool_name: 'echo', arguments: { message: 'through a checked name' } }),
    });
    expect(call.status).toBe(200);
    expect(JSON.stringify(await call.json())).toContain('through a checked name');
    // The federated tool takes the lean relay, which resolves through the guard too.
    const before = resolved.length;
    const viaCatalog = await fetch(`${gateway.url}/api/v1/mcp/tools/steady_echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({ message: 'lean' }),
    });
    expect(viaCatalog.status, await viaCatalog.clone().text()).toBe(200);
    expect(JSON.stringify(await viaCatalog.json())).toContain('lean');
    expect(resolved.slice(before)).toContain('steady.portico.test');
  });

  it('refuses a name that resolves to an allowed address for the check and a refused one for the connection', async () => {
    const port = String((trap.address() as { port: number }).port);
    // First answer (the check when adding): allowed. Every later one (the connections): 127.0.0.2, refused.
    answers.set('rebind.portico.test', [['127.0.0.1'], ['127.0.0.2']]);
    const res = await addUpstream({ transport: 'http', mcp_url: `http://rebind.portico.test:${port}/mcp`, name: 'rebind', timeout: 5 });
    expect(res.status).toBe(502);
    // Refused by the guard at the connection (not a DNS failure or a refused port).
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/points at a loopback address \(gateway\.allowLoopback is off\)/);
    expect(trapConnections).toBe(0);
    // Nothing was kept.
    const list = await fetch(`${gateway.url}/api/v1/upstreams`, { headers: { authorization: `Bearer ${admin}` } });
    expect(JSON.stringify(await list.json())).not.toContain('rebind.portico.test');
  });

  it('still refuses a name that resolves to a refused address when it is added', async () => {
    answers.set('private.portico.test', [['127.0.0.2']]);
    const port = String((trap.address() as { port: number }).port);
    const res = await addUpstream({ transport: 'http', mcp_url: `http://private.portico.test:${port}/mcp`, name: 'private' });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('ssrf_refused');
    expect(trapConnections).toBe(0);
  });
});
