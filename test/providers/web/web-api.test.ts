/**
 * The `web_api` tool against a real local HTTP server. The server runs on 127.0.0.1, which these
 * tests allowlist by NAME (`api.test`, `other.test` resolve to it through the test resolver), so
 * every other way of reaching loopback stays refused and is tested in ssrf.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Json } from '../../helpers/http.js';
import { loopbackGuard, startLocalApi, startWeb, textOf, type LocalApi, type WebHarness } from './web-kit.js';

let api: LocalApi;
let web: WebHarness;
const guard = loopbackGuard({ 'api.test': ['127.0.0.1'], 'other.test': ['127.0.0.1'] });
const at = (path: string, host = 'api.test') => `http://${host}:${api.port}${path}`;
const structured = (r: { structuredContent?: Record<string, unknown> }): Json => r.structuredContent;

beforeAll(async () => {
  api = await startLocalApi();
  web = await startWeb(
    {
      PORTICO_WEB__ALLOWED_HOSTS: 'api.test,other.test',
      PORTICO_WEB__MAX_RESPONSE_BYTES: '65536',
      PORTICO_WEB__MAX_TEXT_CHARS: '1000',
      PORTICO_WEB__MAX_REDIRECTS: '3',
    },
    guard,
  );
});

describe('web_api', () => {
  it('GETs JSON and pretty-prints it', async () => {
    const result = await web.call({ url: at('/json') });
    expect(result.isError).toBeFalsy();
    expect(structured(result)).toMatchObject({ status: 200, bodyKind: 'json', truncated: false, json: { items: [{ id: 1, name: 'first' }], total: 1 } });
    expect(textOf(result)).toContain('Status: 200');
    expect(textOf(result)).toContain('{\n  "items": [\n    {\n      "id": 1,');
  });

  it.each(['POST', 'PUT', 'DELETE'])('%s sends the method, headers and a JSON body', async (method) => {
    const body = method === 'DELETE' ? undefined : { name: 'widget', price: 9.5 };
    const result = await web.call({ method, url: at('/echo'), headers: { 'X-Trace': 'abc-123' }, ...(body ? { body } : {}) });
    const echoed = structured(result).json;
    expect(echoed.method).toBe(method);
    expect(echoed.headers['x-trace']).toBe('abc-123');
    expect(echoed.headers['accept-encoding']).toBe('identity');
    if (body) {
      expect(JSON.parse(echoed.body)).toEqual(body);
      expect(echoed.headers['content-type']).toBe('application/json');
    }
    // Cookies the remote sets are not passed to the agent.
    expect(structured(result).headers['set-cookie']).toBeUndefined();
  });

  it('accepts seed 004\'s `data` as the body', async () => {
    const result = await web.call({ method: 'POST', url: at('/echo'), data: { a: 1 } });
    expect(JSON.parse(structured(result).json.body)).toEqual({ a: 1 });
  });

  it('reports HTTP error statuses as answers, not tool failures', async () => {
    const result = await web.call({ url: at('/status?code=404') });
    expect(result.isError).toBeFalsy();
    expect(structured(result)).toMatchObject({ status: 404, body: 'status body' });
  });

  it('cuts long text at maxTextChars and flags it', async () => {
    const result = await web.call({ url: at('/text?chars=5000') });
    expect(structured(result)).toMatchObject({ bodyKind: 'text', truncated: true, bytes: 5000 });
    expect(structured(result).body).toHaveLength(1000);
    const short = await web.call({ url: at('/text?chars=10') });
    expect(structured(short)).toMatchObject({ body: 'xxxxxxxxxx', truncated: false });
  });

  it('returns binary bodies as base64', async () => {
    const result = await web.call({ url: at('/bytes') });
    expect(structured(result)).toMatchObject({ bodyKind: 'binary', body: Buffer.from([0, 1, 2, 255]).toString('base64') });
  });

  it('stops reading an endless body at the size cap', async () => {
    const result = await web.call({ url: at('/big') });
    expect(structured(result)).toMatchObject({ truncated: true, bytes: 65536 });
    // The server could only push what the socket buffers took before the client hung up.
    await new Promise((r) => setTimeout(r, 200));
    expect(api.bigWritten()).toBeLessThan(32 * 1024 * 1024);
  });

  it('gives up at the timeout', async () => {
    const started = Date.now();
    const result = await web.call({ url: at('/slow'), timeout: 0.3 });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/did not finish within 300 ms/);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('follows redirects on the same host with credentials', async () => {
    const before = api.requests.length;
    const result = await web.call({ url: at('/redirect?to=/echo'), headers: { Authorization: 'Bearer same-host-token' } });
    expect(structured(result)).toMatchObject({ status: 200, redirects: [at('/echo')] });
    expect(api.requests.slice(before).map((r) => r.headers.authorization)).toEqual(['Bearer same-host-token', 'Bearer same-host-token']);
  });

  it('drops Authorization, Cookie and custom headers when a redirect changes host', async () => {
    const before = api.requests.length;
    const target = at('/echo', 'other.test');
    const result = await web.call({
      url: at(`/redirect?to=${encodeURIComponent(target)}`),
      headers: { Authorization: 'Bearer secret-token', Cookie: 'sid=1', 'X-Api-Key': 'k-123', Accept: 'application/json' },
    });
    expect(structured(result)).toMatchObject({ status: 200, url: target });
    const [first, second] = api.requests.slice(before);
    expect(first!.host).toBe(`api.test:${api.port}`);
    expect(first!.headers.authorization).toBe('Bearer secret-token');
    expect(second!.host).toBe(`other.test:${api.port}`);
    expect(second!.headers.authorization).toBeUndefined();
    expect(second!.headers.cookie).toBeUndefined();
    expect(second!.headers['x-api-key']).toBeUndefined();
    expect(second!.headers.accept).toBe('application/json');
  });

  it('keeps credentials dropped when a redirect chain comes back to the first host', async () => {
    const before = api.requests.length;
    const back = at('/echo');
    const via = at(`/redirect?to=${encodeURIComponent(back)}`, 'other.test');
    await web.call({ url: at(`/redirect?to=${encodeURIComponent(via)}`), headers: { Authorization: 'Bearer secret-token' } });
    expect(api.requests.slice(before).map((r) => r.headers.authorization)).toEqual(['Bearer secret-token', undefined, undefined]);
  });

  it('turns a 303 after POST into a GET without body', async () => {
    const result = await web.call({ method: 'POST', url: at('/redirect?status=303&to=/echo'), body: { x: 1 } });
    expect(structured(result).json).toMatchObject({ method: 'GET', body: '' });
  });

  it('stops after maxRedirects', async () => {
    const result = await web.call({ url: at('/loop') });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/Too many redirects/);
  });

  it('refuses redirects to other schemes', async () => {
    const result = await web.call({ url: at(`/redirect?to=${encodeURIComponent('file:///etc/passwd')}`) });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/Only http and https/);
  });

  it('refuses hostile input with a clear message', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ url: 'ftp://api.test/x' }, /Only http and https/],
      [{ url: 'not a url' }, /not valid/],
      [{ url: `http://user:pw@api.test:${api.port}/json` }, /Credentials inside the URL/],
      [{ url: at('/json'), headers: { Host: 'evil.test' } }, /host header cannot be set/],
      [{ url: at('/json'), headers: { 'X-A': 'a\r\nInjected: yes' } }, /line break/],
      [{ url: at('/json'), headers: { 'bad name': 'x' } }, /Invalid header name/],
      [{ url: at('/json'), method: 'PATCH' }, /Invalid arguments/],
      [{ url: at('/json'), timeout: 10_000 }, /Invalid arguments/],
      [{ url: at('/json'), surprise: true }, /Invalid arguments/],
      [{ url: 'http://unknown.test/' }, /Could not resolve unknown.test/],
    ];
    for (const [args, message] of cases) {
      const result = await web.call(args);
      expect(result.isError, JSON.stringify(args)).toBe(true);
      expect(textOf(result), JSON.stringify(args)).toMatch(message);
    }
  });

  it('never opened a connection outside loopback', () => {
    expect(guard.refusedByGuard).toEqual([]);
    expect(guard.connections.every((c) => c.address === '127.0.0.1')).toBe(true);
  });
});
