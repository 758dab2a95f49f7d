/**
 * Rate limits on the REST routes that do not run through a catalog entry: the relay to one upstream
 * (`/api/v1/upstreams/{id}/tools/call`, resources/read, prompts/get) and the blob transfers. They
 * take from the caller's bucket like the tools they stand for, answer 429 with Retry-After, and
 * the refusal is audited exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { createBlobsProvider } from '../../../src/providers/blobs/blobs-provider.js';
import type { RunningServer } from '../../../src/server.js';
import { startTestServer } from '../../helpers/test-server.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { everythingStdio } from '../../helpers/upstreams.js';

const env = {
  PORTICO_DATA_DIR: tempDir(),
  PORTICO_PORT: '0',
  PORTICO_PROVIDERS__BUILTIN: 'false',
  PORTICO_ADMIN_PASSWORD: 'rate-limit-tests-admin-password',
  PORTICO_RATE_LIMITS__PER_MINUTE: '60',
  PORTICO_RATE_LIMITS__BURST: '3',
};

let server: RunningServer;
let upstreamId: string;

beforeAll(async () => {
  server = await startTestServer(env, { providers: [createBlobsProvider(loadConfig({ env }))] });
  const { id: _fresh, ...definition } = everythingStdio({ name: 'limited' });
  upstreamId = (await server.services.upstreams!.add(definition)).id;
}, 60_000);

afterAll(async () => {
  await server?.services.upstreams?.remove(upstreamId).catch(() => undefined);
});

const adminKey = async () => (await server.identity.createKey({ name: `admin-${Math.random()}`, role: 'admin', userId: null })).secret;

function post(secret: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${server.url}/api/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` }, body: JSON.stringify(body) });
}

async function rateLimitedEvents(target: string): Promise<number> {
  // The audit sink writes in batches (every 100 ms by default).
  await new Promise((r) => setTimeout(r, 400));
  const rows = await server.database.db.selectFrom('audit_events').select(['outcome', 'target']).where('target', '=', target).where('outcome', '=', 'rate_limited').execute();
  return rows.length;
}

describe('rate limits on routes outside the catalog', () => {
  it('limits relayed upstream tool calls: 429 with Retry-After once the burst is spent, audited once', async () => {
    const secret = await adminKey();
    const call = () => post(secret, `/upstreams/${upstreamId}/tools/call`, { tool_name: 'echo', arguments: { message: 'hi' } });
    for (let i = 0; i < 3; i++) {
      const res = await call();
      expect(res.status, await res.clone().text()).toBe(200);
    }
    const limited = await call();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
    expect(await rateLimitedEvents('upstream:limited/echo')).toBe(1);
    // Listing is not a use: it stays available while the bucket is empty.
    const list = await fetch(`${server.url}/api/v1/upstreams/${upstreamId}/tools`, { headers: { authorization: `Bearer ${secret}` } });
    expect(list.status).toBe(200);
  });

  it('limits relayed prompt gets and resource reads from the same bucket', async () => {
    const secret = await adminKey();
    const statuses: number[] = [];
    const first = await post(secret, `/upstreams/${upstreamId}/prompts/get`, { prompt_name: 'simple-prompt' });
    expect(first.status, await first.text()).toBe(200);
    statuses.push(first.status);
    statuses.push((await post(secret, `/upstreams/${upstreamId}/resources/read`, { uri: 'demo://resource/static/document/architecture.md' })).status);
    statuses.push((await post(secret, `/upstreams/${upstreamId}/tools/call`, { tool_name: 'echo', arguments: { message: 'x' } })).status);
    statuses.push((await post(secret, `/upstreams/${upstreamId}/prompts/get`, { prompt_name: 'simple-prompt' })).status);
    expect(statuses.slice(0, 3).every((s) => s !== 429), JSON.stringify(statuses)).toBe(true);
    expect(statuses[3]).toBe(429);
  });

  it('limits blob transfers: list, upload and download take from the caller’s bucket', async () => {
    const secret = await adminKey();
    const upload = await fetch(`${server.url}/api/v1/blobs?filename=a.txt`, { method: 'POST', headers: { 'content-type': 'text/plain', authorization: `Bearer ${secret}` }, body: 'hello' });
    expect(upload.status, await upload.clone().text()).toBeLessThan(300);
    const { sha256 } = (await upload.json()) as { sha256: string };
    expect((await fetch(`${server.url}/api/v1/blobs`, { headers: { authorization: `Bearer ${secret}` } })).status).toBe(200);
    expect((await fetch(`${server.url}/api/v1/blobs/${sha256}`, { headers: { authorization: `Bearer ${secret}` } })).status).toBe(200);
    const limited = await fetch(`${server.url}/api/v1/blobs/${sha256}`, { headers: { authorization: `Bearer ${secret}` } });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    // One refusal event (from the limiter), not a second one from the blob audit hook.
    expect(await rateLimitedEvents(`portico://blobs/${sha256}`)).toBe(1);
    // A refused upload does not store anything.
    const refused = await fetch(`${server.url}/api/v1/blobs?filename=b.txt`, { method: 'POST', headers: { 'content-type': 'text/plain', authorization: `Bearer ${secret}` }, body: 'never stored' });
    expect(refused.status).toBe(429);
    const admin2 = await adminKey();
    const listed = (await (await fetch(`${server.url}/api/v1/blobs`, { headers: { authorization: `Bearer ${admin2}` } })).json()) as { blobs?: { filename?: string }[] };
    expect(JSON.stringify(listed)).not.toContain('b.txt');
  });
});
