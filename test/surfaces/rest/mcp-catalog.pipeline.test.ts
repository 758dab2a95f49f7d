/**
 * The REST mirror runs on the one pipeline: what a principal may not use is invisible, every use is
 * rate limited and audited with surface `rest`, and resource paths use the configured URI scheme.
 * Wired in process (no server.ts) so the authenticator, limiter and audit sink can be observed.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { createCatalog } from '../../../src/core/catalog/catalog.js';
import { PorticoError } from '../../../src/core/errors.js';
import type { Authenticator } from '../../../src/core/identity/authenticator.js';
import { createPermissionSet } from '../../../src/core/identity/permissions.js';
import type { Principal } from '../../../src/core/identity/principal.js';
import { nullCallMetrics, type AuditEvent } from '../../../src/core/pipeline/audit-sink.js';
import { createPipeline } from '../../../src/core/pipeline/pipeline.js';
import { createHttpApp } from '../../../src/surfaces/http/http-app.js';
import { createMetrics } from '../../../src/surfaces/http/metrics.js';
import { registerRestApi } from '../../../src/surfaces/rest/rest-api.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { silentLogger } from '../../helpers/test-server.js';
import { catalogFixture } from './catalog-fixture.js';
import { catalogOnlyContext } from '../../helpers/provider-context.js';

const reader: Principal = Object.freeze({
  id: 'user:reader',
  kind: 'user',
  name: 'reader',
  roles: Object.freeze(['readonly']),
  permissions: createPermissionSet(['tools:call:echo', 'resources:read:acme://greetings/*', 'prompts:get:summarize']),
});

const authenticator: Authenticator = {
  authenticate({ bearer, apiKey }) {
    const secret = bearer ?? apiKey;
    if (secret === undefined) return undefined;
    if (secret === 'reader-secret') return reader;
    throw new PorticoError('unauthenticated', 'The credential is not valid.');
  },
};

describe('REST mirror on the shared pipeline', async () => {
  const config = loadConfig({ env: { PORTICO_DATA_DIR: tempDir() } });
  const catalog = createCatalog();
  await catalogFixture('acme').start(catalogOnlyContext({ catalog, config, logger: silentLogger }));
  const audit: AuditEvent[] = [];
  let limited = false;
  const pipeline = createPipeline({
    catalog,
    authenticator,
    rateLimiter: { consume: () => (limited ? { allowed: false, retryAfterMs: 2500 } : { allowed: true }) },
    audit: { record: (event) => audit.push(event) },
    metrics: nullCallMetrics,
    defaultTimeoutMs: 5000,
  });
  const app: FastifyInstance = await createHttpApp({ config, logger: silentLogger, metrics: createMetrics() });
  await registerRestApi(app, { dialect: 'sqlite', startedAt: Date.now(), pipeline, uriScheme: 'acme' });
  await app.ready();
  afterAll(() => app.close());

  const as = { authorization: 'Bearer reader-secret' };
  beforeEach(() => {
    audit.length = 0;
    limited = false;
  });

  it('shows only what the principal may use, and hides the rest as not found', async () => {
    const tools = (await app.inject({ method: 'GET', url: '/api/v1/mcp/tools', headers: as })).json();
    expect(tools.tools.map((t: { name: string }) => t.name)).toEqual(['echo']);
    const hidden = await app.inject({ method: 'POST', url: '/api/v1/mcp/tools/refuse', headers: as, payload: {} });
    expect(hidden.statusCode).toBe(404);
    expect(hidden.json()).toEqual({ error: { code: 'not_found', message: 'Unknown tool: refuse' } });

    const resources = (await app.inject({ method: 'GET', url: '/api/v1/mcp/resources', headers: { 'x-api-key': 'reader-secret' } })).json();
    expect(resources).toEqual({ resources: [], resourceTemplates: [{ uriTemplate: 'acme://greetings/{name}', name: 'greeting', mimeType: 'text/plain' }] });
    expect((await app.inject({ method: 'GET', url: '/api/v1/mcp/resources/docs/readme', headers: as })).statusCode).toBe(404);
  });

  it('reads by path under the configured scheme', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/mcp/resources/greetings/eve', headers: as });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ contents: [{ uri: 'acme://greetings/eve', mimeType: 'text/plain', text: 'Hello, eve!' }] });
  });

  it('audits every use with surface rest, the principal and the request id', async () => {
    const ok = await app.inject({ method: 'POST', url: '/api/v1/mcp/tools/echo', headers: { ...as, 'x-request-id': 'trace-1' }, payload: { text: 'x' } });
    expect(ok.statusCode).toBe(200);
    await app.inject({ method: 'POST', url: '/api/v1/mcp/tools/echo', headers: as, payload: { text: 1 } });
    await app.inject({ method: 'POST', url: '/api/v1/mcp/prompts/summarize', headers: as, payload: {} });
    await app.inject({ method: 'GET', url: `/api/v1/mcp/resources/read?uri=${encodeURIComponent('acme://docs/readme')}`, headers: as });
    expect(audit.map((e) => [e.surface, e.principalId, e.action, e.target, e.outcome])).toEqual([
      ['rest', 'user:reader', 'tools/call', 'echo', 'ok'],
      ['rest', 'user:reader', 'tools/call', 'echo', 'invalid'],
      ['rest', 'user:reader', 'prompts/get', 'summarize', 'invalid'],
      ['rest', 'user:reader', 'resources/read', 'acme://docs/readme', 'denied'],
    ]);
    expect(audit[0]!.requestId).toBe('trace-1');
  });

  it('applies the rate limit with a Retry-After', async () => {
    limited = true;
    const res = await app.inject({ method: 'POST', url: '/api/v1/mcp/tools/echo', headers: as, payload: { text: 'x' } });
    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toBe('3');
    expect(res.json().error.code).toBe('rate_limited');
    const read = await app.inject({ method: 'GET', url: '/api/v1/mcp/resources/greetings/eve', headers: as });
    expect(read.statusCode).toBe(429);
    expect(audit.map((e) => e.outcome)).toEqual(['rate_limited', 'rate_limited']);
  });

  it('refuses an unknown credential before running anything', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/mcp/tools/echo', headers: { 'x-api-key': 'stolen?' }, payload: { text: 'x' } });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="portico"');
    expect(audit).toEqual([]);
  });
});
