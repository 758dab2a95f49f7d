import { describe, expect, it } from 'vitest';
import { json } from '../helpers/http.js';
import { startTestServer } from '../helpers/test-server.js';

describe('HTTP server', async () => {
  const server = await startTestServer();
  const get = (path: string, init?: RequestInit) => fetch(`${server.url}${path}`, init);

  it('reports health with dependency checks', async () => {
    const res = await get('/health');
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({ status: 'healthy', version: expect.any(String), uptime_s: expect.any(Number) });
    expect(body.checks.database.status).toBe('healthy');
    expect(body.checks.blobs.status).toBe('healthy');
  });

  it('reports readiness', async () => {
    const res = await get('/ready');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ready: true });
  });

  it('exposes Prometheus metrics, labelled by route pattern', async () => {
    await get('/health');
    await get('/no/such/route/123');
    const text = await (await get('/metrics')).text();
    expect(text).toMatch(/portico_http_requests_total\{method="GET",route="\/health",status="200"\} \d+/);
    expect(text).toContain('portico_http_request_duration_seconds_bucket');
    expect(text).toContain('portico_process_cpu_seconds_total');
    expect(text).not.toContain('/no/such/route/123');
  });

  it('answers unknown routes with the error envelope', async () => {
    const res = await get('/api/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'not_found', message: 'No route for GET /api/v1/nothing-here.' } });
  });

  it('serves a REST route with its documented shape', async () => {
    const res = await get('/api/v1/system');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ name: 'portico', database: 'sqlite' });
  });

  it('publishes OpenAPI 3.1 with every REST route and a docs page', async () => {
    const doc = await json(get('/openapi.json'));
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/health', '/ready', '/api/v1/system']));
    const docs = await get('/docs/');
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger');
  });

  it('echoes a safe request id and replaces an unsafe one', async () => {
    const given = await get('/health', { headers: { 'x-request-id': 'trace-abc.123' } });
    expect(given.headers.get('x-request-id')).toBe('trace-abc.123');
    const hostile = await get('/health', { headers: { 'x-request-id': 'bad id\twith spaces' } });
    expect(hostile.headers.get('x-request-id')).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/);
  });

  it('sends security headers and no CORS headers by default', async () => {
    const res = await get('/health', { headers: { origin: 'https://evil.example' } });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses oversized and malformed bodies with catalogue codes', async () => {
    const big = await get('/api/v1/system', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ x: 'a'.repeat(2_000_000) }) });
    expect(big.status).toBe(413);
    expect((await json(big)).error.code).toBe('payload_too_large');
  });
});

describe('HTTP server with CORS configured', async () => {
  const server = await startTestServer({ PORTICO_CORS__ORIGINS: 'https://app.example' });
  it('allows only the configured origin', async () => {
    const ok = await fetch(`${server.url}/health`, { headers: { origin: 'https://app.example' } });
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const other = await fetch(`${server.url}/health`, { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('graceful shutdown', () => {
  it('lets an in-flight request finish, then refuses new ones and closes the store', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const server = await startTestServer({}, {
      extendApp: (app) => {
        app.get('/test/slow', async () => {
          await gate;
          return { done: true };
        });
      },
    });
    const inFlight = fetch(`${server.url}/test/slow`).then((r) => r.json());
    await new Promise((r) => setTimeout(r, 50));
    const closing = server.close();
    await new Promise((r) => setTimeout(r, 50));
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
    release();
    expect(await inFlight).toEqual({ done: true });
    await closing;
    await expect(server.database.ping()).rejects.toThrow();
  });

  it('closes connections that outlive the grace period', async () => {
    const server = await startTestServer({ PORTICO_SERVER__SHUTDOWN_GRACE_MS: '100' }, {
      extendApp: (app) => {
        app.get('/test/hang', () => new Promise(() => undefined));
      },
    });
    const hung = fetch(`${server.url}/test/hang`).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await hung).toBeInstanceOf(Error);
  });
});
