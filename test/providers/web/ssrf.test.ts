/**
 * SSRF attempts against `web_api` with NO allowlist for the addresses tried. The injected connector
 * refuses anything outside 127.0.0.0/8 and ::1 and records every attempt, and the resolver answers
 * from a table: even if the policy were broken these tests could not send a packet off this machine.
 * A refusal by the policy means the connector was never called for that target.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loopbackGuard, startLocalApi, startWeb, textOf, type LocalApi, type WebHarness } from './web-kit.js';

let api: LocalApi;
let web: WebHarness;
let rebindCalls = 0;
const guard = loopbackGuard({
  // Allowlisted by name: the only way in, used to serve redirects toward forbidden places.
  'public.test': ['127.0.0.1'],
  'loopback.test': ['127.0.0.1'],
  'six.test': ['::1'],
  'metadata.test': ['169.254.169.254'],
  'mixed.test': ['93.184.216.34', '10.0.0.5'],
  'public-only.test': ['93.184.216.34'],
  // DNS rebinding: public for the first answer, loopback afterwards.
  'rebind.test': () => (++rebindCalls === 1 ? ['93.184.216.34'] : ['127.0.0.1']),
});

beforeAll(async () => {
  api = await startLocalApi();
  web = await startWeb({ PORTICO_WEB__ALLOWED_HOSTS: 'public.test' }, guard);
});

async function expectRefused(url: string, reason: RegExp) {
  const connectionsBefore = guard.connections.length + guard.refusedByGuard.length;
  const requestsBefore = api.requests.length;
  const result = await web.call({ url });
  expect(result.isError, url).toBe(true);
  expect(textOf(result), url).toMatch(/Refused to connect/);
  expect(textOf(result), url).toMatch(reason);
  // Refused before any connection was attempted, and nothing reached the server.
  expect(guard.connections.length + guard.refusedByGuard.length, url).toBe(connectionsBefore);
  expect(api.requests.length, url).toBe(requestsBefore);
}

describe('web_api refuses private destinations', () => {
  it('127.0.0.1', () => expectRefused(`http://127.0.0.1:${api.port}/json`, /loopback/));
  it('[::1]', () => expectRefused(`http://[::1]:${api.port}/json`, /loopback/));
  it('169.254.169.254 (cloud metadata)', () => expectRefused('http://169.254.169.254/latest/meta-data/', /cloud-metadata/));
  it('10.0.0.1', () => expectRefused('http://10.0.0.1/', /private/));
  it('::ffff:127.0.0.1 (IPv4-mapped IPv6)', () => expectRefused(`http://[::ffff:127.0.0.1]:${api.port}/json`, /loopback \(IPv4 inside IPv6\)/));
  it('0x7f000001 (hex IPv4)', () => expectRefused(`http://0x7f000001:${api.port}/json`, /loopback/));
  it('2130706433 (decimal IPv4)', () => expectRefused(`http://2130706433:${api.port}/json`, /loopback/));
  it('0177.0.0.1 (octal IPv4)', () => expectRefused(`http://0177.0.0.1:${api.port}/json`, /loopback/));
  it('[::] and 0.0.0.0 (unspecified)', async () => {
    await expectRefused(`http://[::]:${api.port}/`, /unspecified/);
    await expectRefused(`http://0.0.0.0:${api.port}/`, /unspecified/);
  });
  it('a name resolving to loopback', () => expectRefused(`http://loopback.test:${api.port}/json`, /loopback\.test \(127\.0\.0\.1\): loopback/));
  it('a name resolving to ::1', () => expectRefused(`http://six.test:${api.port}/json`, /loopback/));
  it('a name resolving to the metadata address', () => expectRefused('http://metadata.test/', /cloud-metadata/));
  it('a name with one public and one private address', () => expectRefused('http://mixed.test/', /private/));
  it('https as well as http', () => expectRefused(`https://127.0.0.1:${api.port}/`, /loopback/));

  it('a redirect to loopback (checked again at the redirect)', async () => {
    const before = api.requests.length;
    const result = await web.call({ url: `http://public.test:${api.port}/redirect?to=${encodeURIComponent(`http://127.0.0.1:${api.port}/echo`)}` });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/Refused to connect to 127\.0\.0\.1: loopback/);
    // The allowlisted first hop was served; the redirect target never was.
    expect(api.requests.slice(before).map((r) => r.url)).toEqual([expect.stringMatching(/^\/redirect/)]);
  });

  it('a redirect to a name resolving to the metadata address', async () => {
    const result = await web.call({ url: `http://public.test:${api.port}/redirect?to=${encodeURIComponent('http://metadata.test/latest/')}` });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/cloud-metadata/);
  });

  it('pins the connection to the address it checked (no second lookup for DNS rebinding)', async () => {
    const lookupsBefore = guard.lookups.filter((h) => h === 'rebind.test').length;
    const result = await web.call({ url: `http://rebind.test:${api.port}/json` });
    // The checked (public) address is the one the connector was asked for; the test guard refused
    // it because it is not loopback. Had the connection resolved again, it would have got 127.0.0.1.
    expect(result.isError).toBe(true);
    expect(guard.lookups.filter((h) => h === 'rebind.test').length - lookupsBefore).toBe(1);
    expect(guard.refusedByGuard.map((t) => [t.hostname, t.address])).toContainEqual(['rebind.test', '93.184.216.34']);
    expect(api.requests.some((r) => r.host.startsWith('rebind.test'))).toBe(false);
  });

  it('lets a public address through the policy (to the connector)', async () => {
    const before = guard.refusedByGuard.length;
    const result = await web.call({ url: 'http://public-only.test/' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).not.toMatch(/Refused to connect/);
    expect(guard.refusedByGuard.slice(before).map((t) => t.address)).toEqual(['93.184.216.34']);
  });

  it('only ever connected to loopback', () => {
    for (const target of guard.connections) expect(['127.0.0.1', '::1']).toContain(target.address);
  });
});
