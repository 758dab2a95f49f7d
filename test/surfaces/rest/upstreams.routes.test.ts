/**
 * /api/v1/upstreams against a real upstream: another Portico server (conformance fixture, real
 * HTTP on loopback, its own API key as the bearer credential) and server-everything over stdio.
 * Every endpoint, its errors (404/408/422/502), the SSRF policy, the roles, and credentials kept
 * out of every response and of the audit trail.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../../src/server.js';
import { EVERYTHING_BIN } from '../../helpers/upstreams.js';
import { ADMIN_PASSWORD, call, createUser, login, startIdentityServer, USER_PASSWORD } from './identity-kit.js';

let upstream: RunningServer;
let gateway: RunningServer;
let admin: string;
let userToken: string;
let upstreamKey: string;
let upstreamUrl: string;
/** Everything the gateway logged, at debug level. */
const logLines: string[] = [];

/** `token` null: no credential at all. */
const api = (method: string, path: string, body?: unknown, token: string | null = admin) =>
  call(gateway.url, method, `/api/v1${path}`, { ...(token !== null ? { token } : {}), ...(body !== undefined ? { body } : {}) });

beforeAll(async () => {
  upstream = await startIdentityServer();
  upstreamKey = (await upstream.identity.createKey({ name: 'gateway', role: 'admin', userId: null })).secret;
  upstreamUrl = `${upstream.url}/mcp`;
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });
  gateway = await startIdentityServer({ PORTICO_MCP__CONFORMANCE_FIXTURE: 'false', PORTICO_SERVER__BODY_LIMIT_BYTES: String(64 * 1024) }, { logger });
  admin = (await login(gateway.url, 'admin', ADMIN_PASSWORD)).access;
  const adminSession = admin;
  await createUser(gateway.url, adminSession, 'alice', 'user');
  userToken = (await login(gateway.url, 'alice', USER_PASSWORD)).access;
}, 60_000);

/** Every recorded audit event, as stored (after the sink's flush interval). */
async function auditTrail(): Promise<string> {
  await new Promise((r) => setTimeout(r, 400));
  return JSON.stringify(await gateway.database.db.selectFrom('audit_events').selectAll().execute());
}

describe('upstreams REST API against a real Portico upstream', () => {
  let id: string;

  it('connects over Streamable HTTP with a bearer token and reports what it offers', async () => {
    const res = await api('POST', '/upstreams', { transport: 'http', mcp_url: upstreamUrl, auth_type: 'bearer', bearer_token: upstreamKey, name: 'fixture', timeout: 10 });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ status: 'connected', name: 'fixture', message: expect.any(String) });
    id = res.body.client_id;
    expect(res.body.tools.map((t: { name: string }) => t.name)).toContain('echo');
    expect(res.body.resources.map((r: { uri: string }) => r.uri)).toContain('test://static-binary');
    expect(res.body.prompts.map((p: { name: string }) => p.name)).toContain('test_simple_prompt');
    expect(JSON.stringify(res.body)).not.toContain(upstreamKey);
    // Federated into the catalog under its namespace.
    expect(gateway.catalog.tool('fixture_echo')).toBeDefined();
  });

  it('lists it without credentials', async () => {
    const res = await api('GET', '/upstreams');
    expect(res.status).toBe(200);
    expect(res.body.count).toBe(1);
    expect(res.body.clients[0]).toMatchObject({ client_id: id, name: 'fixture', transport: 'http', auth_type: 'bearer', mcp_url: upstreamUrl, status: 'connected', source: 'api', namespace: 'fixture' });
    expect(res.body.clients[0].created_at).toEqual(expect.any(String));
    expect(res.body.clients[0].last_activity).toEqual(expect.any(String));
    expect(JSON.stringify(res.body)).not.toContain(upstreamKey);
  });

  it('shows one upstream, its definition without the token', async () => {
    const res = await api('GET', `/upstreams/${id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'success', client_id: id, metadata: { name: 'fixture' }, definition: { auth: { type: 'bearer' }, transport: { type: 'http', url: upstreamUrl } } });
    expect(res.body.server_info?.name).toEqual(expect.any(String));
    expect(JSON.stringify(res.body)).not.toContain(upstreamKey);
  });

  it('lists and calls tools by the upstream’s own names', async () => {
    const tools = await api('GET', `/upstreams/${id}/tools`);
    expect(tools.status).toBe(200);
    expect(tools.body.count).toBe(tools.body.tools.length);
    expect(tools.body.tools.find((t: { name: string }) => t.name === 'echo')).toMatchObject({ inputSchema: { required: ['message'] } });

    const ok = await api('POST', `/upstreams/${id}/tools/call`, { tool_name: 'echo', arguments: { message: 'through the gateway' } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'success', error: null, result: { content: [{ type: 'text', text: 'through the gateway' }] } });
    expect(ok.body.execution_time).toBeGreaterThanOrEqual(0);
    expect(ok.body.execution_time).toBeLessThan(5);

    const failing = await api('POST', `/upstreams/${id}/tools/call`, { tool_name: 'test_error_handling', arguments: {} });
    expect(failing.status).toBe(200);
    expect(failing.body).toMatchObject({ status: 'error', error: 'This tool intentionally returns an error for testing', result: { isError: true } });
  });

  it('answers 408 when the upstream does not finish in time, and stays usable', async () => {
    const started = Date.now();
    const res = await api('POST', `/upstreams/${id}/tools/call`, { tool_name: 'test_slow_operation', arguments: { seconds: 5 }, timeout: 0.3 });
    expect(res.status).toBe(408);
    expect(res.body.error.code).toBe('upstream_timeout');
    expect(Date.now() - started).toBeLessThan(3000);
    const after = await api('POST', `/upstreams/${id}/tools/call`, { tool_name: 'echo', arguments: { message: 'still here' } });
    expect(after.body.status).toBe('success');
  });

  it('lists and reads resources', async () => {
    const list = await api('GET', `/upstreams/${id}/resources`);
    expect(list.status).toBe(200);
    expect(list.body.resources.map((r: { uri: string }) => r.uri)).toContain('test://static-binary');
    expect(list.body.resource_templates.length).toBeGreaterThan(0);
    const read = await api('POST', `/upstreams/${id}/resources/read`, { uri: 'test://static-binary' });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ status: 'success', uri: 'test://static-binary', content: { contents: [{ uri: 'test://static-binary', blob: expect.any(String) }] } });
  });

  it('lists and renders prompts', async () => {
    const list = await api('GET', `/upstreams/${id}/prompts`);
    expect(list.status).toBe(200);
    expect(list.body.prompts.map((p: { name: string }) => p.name)).toContain('test_prompt_with_arguments');
    const got = await api('POST', `/upstreams/${id}/prompts/get`, { prompt_name: 'test_prompt_with_arguments', arguments: { arg1: 'one', arg2: 'two' } });
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ status: 'success', prompt_name: 'test_prompt_with_arguments' });
    expect(JSON.stringify(got.body.content.messages)).toContain('one');
  });

  it('answers 404 for an unknown id on every endpoint', async () => {
    const unknown = '00000000-0000-0000-0000-000000000000';
    const attempts: Array<[string, string, unknown?]> = [
      ['GET', `/upstreams/${unknown}`],
      ['DELETE', `/upstreams/${unknown}`],
      ['GET', `/upstreams/${unknown}/tools`],
      ['POST', `/upstreams/${unknown}/tools/call`, { tool_name: 'echo' }],
      ['GET', `/upstreams/${unknown}/resources`],
      ['POST', `/upstreams/${unknown}/resources/read`, { uri: 'test://static-binary' }],
      ['GET', `/upstreams/${unknown}/prompts`],
      ['POST', `/upstreams/${unknown}/prompts/get`, { prompt_name: 'test_simple_prompt' }],
    ];
    for (const [method, path, body] of attempts) {
      const res = await api(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
  });

  it('answers 422 for invalid bodies, and keeps nothing', async () => {
    const bodies: unknown[] = [
      { transport: 'http' },
      { transport: 'stdio' },
      { transport: 'http', mcp_url: upstreamUrl, unexpected: true },
      { transport: 'carrier-pigeon', mcp_url: upstreamUrl },
      { transport: 'http', mcp_url: upstreamUrl, auth_type: 'bearer' },
      { transport: 'http', mcp_url: upstreamUrl, bearer_token: 'x' },
      { transport: 'http', mcp_url: upstreamUrl, auth_type: 'oauth', oauth_client_id: 'c' },
      { transport: 'http', mcp_url: upstreamUrl, name: 'has spaces' },
      { transport: 'http', mcp_url: upstreamUrl, timeout: -1 },
      { transport: 'http', mcp_url: 'not a url' },
      { transport: 'http', mcp_url: 'ftp://127.0.0.1/mcp' },
      { transport: 'http', mcp_url: 'http://user:secret@127.0.0.1/mcp' },
      { transport: 'http', mcp_url: upstreamUrl, command: 'node' },
      { transport: 'http', mcp_url: upstreamUrl, auth_type: 'headers', headers: { 'X-Key': 'a\r\nX-Injected: yes' } },
      { transport: 'http', mcp_url: upstreamUrl, auth_type: 'headers', headers: { 'Bad Header': 'x' } },
      { transport: 'http', mcp_url: upstreamUrl, auth_type: 'bearer', bearer_token: 'tok\nen' },
      { transport: 'http', mcp_url: upstreamUrl, name: 'x'.repeat(65) },
    ];
    for (const body of bodies) {
      const res = await api('POST', '/upstreams', body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.error.code).toBe('unprocessable_content');
    }
    expect((await api('POST', `/upstreams/${id}/tools/call`, { arguments: {} })).status).toBe(422);
    expect((await api('POST', `/upstreams/${id}/resources/read`, {})).status).toBe(422);
    expect((await api('POST', `/upstreams/${id}/prompts/get`, { prompt_name: 'x', arguments: { a: 1 } })).status).toBe(422);
    expect((await api('GET', '/upstreams')).body.count).toBe(1);
  });

  it('answers 502 when the upstream cannot be reached or refuses the credential, and keeps nothing', async () => {
    const unreachable = await api('POST', '/upstreams', { transport: 'http', mcp_url: 'http://127.0.0.1:9/mcp', name: 'nothing-there', timeout: 5 });
    expect(unreachable.status).toBe(502);
    expect(unreachable.body.error.code).toBe('upstream_failed');
    const wrongToken = await api('POST', '/upstreams', { transport: 'http', mcp_url: upstreamUrl, auth_type: 'bearer', bearer_token: 'pk_wrong_token_value_123', name: 'wrong-token', timeout: 5 });
    expect(wrongToken.status).toBe(502);
    expect(JSON.stringify(wrongToken.body)).not.toContain('pk_wrong_token_value_123');
    const noToken = await api('POST', '/upstreams', { transport: 'http', mcp_url: upstreamUrl, name: 'no-token', timeout: 5 });
    expect(noToken.status).toBe(502);
    expect((await api('GET', '/upstreams')).body.clients.map((c: { name: string }) => c.name)).toEqual(['fixture']);
  });

  it('refuses private, link-local and metadata destinations without connecting (SSRF)', async () => {
    for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://10.0.0.1/mcp', 'http://192.168.1.1/mcp', 'http://[::ffff:169.254.169.254]/mcp', 'http://[fd00::1]/mcp', 'http://0.0.0.0:9/mcp']) {
      const res = await api('POST', '/upstreams', { transport: 'http', mcp_url: url });
      expect(res.status, url).toBe(403);
      expect(res.body.error.code).toBe('ssrf_refused');
    }
    const token = await api('POST', '/upstreams', { transport: 'http', mcp_url: upstreamUrl, auth_type: 'oauth', oauth_client_id: 'c', oauth_client_secret: 's', oauth_token_url: 'http://169.254.169.254/token' });
    expect(token.status).toBe(403);
  });

  it('refuses a second upstream with the same name', async () => {
    const res = await api('POST', '/upstreams', { transport: 'http', mcp_url: upstreamUrl, auth_type: 'bearer', bearer_token: upstreamKey, name: 'fixture' });
    expect(res.status).toBe(409);
  });

  it('refuses bodies over the size limit', async () => {
    const res = await api('POST', `/upstreams/${id}/tools/call`, { tool_name: 'echo', arguments: { message: 'x'.repeat(100 * 1024) } });
    expect(res.status).toBe(413);
  });

  it('needs a credential, and the upstreams:manage permission', async () => {
    expect((await api('GET', '/upstreams', undefined, null)).status).toBe(401);
    expect((await api('GET', '/upstreams', undefined, 'not-a-valid-token')).status).toBe(401);
    expect((await api('POST', '/upstreams', { transport: 'http', mcp_url: upstreamUrl }, null)).status).toBe(401);
    for (const [method, path, body] of [
      ['GET', '/upstreams'],
      ['POST', '/upstreams', { transport: 'http', mcp_url: upstreamUrl }],
      ['GET', `/upstreams/${id}`],
      ['DELETE', `/upstreams/${id}`],
      ['POST', `/upstreams/${id}/tools/call`, { tool_name: 'echo', arguments: { message: 'x' } }],
    ] as Array<[string, string, unknown?]>) {
      const res = await api(method, path, body, userToken);
      expect(res.status, `${method} ${path}`).toBe(403);
    }
    expect((await api('GET', '/upstreams')).body.count).toBe(1);
  });

  it('records uses and changes in the audit trail, never the credential', async () => {
    const trail = await auditTrail();
    expect(trail).toContain('upstream:fixture/echo');
    expect(trail).toContain('admin/upstreams');
    expect(trail).not.toContain(upstreamKey);
    expect(trail).not.toContain('pk_wrong_token_value_123');
  });

  it('is described in the OpenAPI document', async () => {
    const doc = await call(gateway.url, 'GET', '/openapi.json');
    expect(doc.status).toBe(200);
    for (const path of ['/api/v1/upstreams', '/api/v1/upstreams/{id}', '/api/v1/upstreams/{id}/tools/call', '/api/v1/upstreams/{id}/prompts/get', '/api/v1/upstreams/{id}/authorize']) {
      expect(Object.keys(doc.body.paths), path).toContain(path);
    }
    expect(JSON.stringify(doc.body.paths['/api/v1/upstreams'].post.responses)).toContain('422');
  });

  it('never logs a credential', () => {
    const logs = logLines.join('');
    expect(logs).toContain('upstream');
    expect(logs).not.toContain(upstreamKey);
    expect(logs).not.toContain('pk_wrong_token_value_123');
  });

  it('keeps the credential encrypted at rest', async () => {
    const rows = JSON.stringify(await gateway.database.db.selectFrom('upstreams').selectAll().execute());
    expect(rows).toContain('fixture');
    expect(rows).not.toContain(upstreamKey);
  });

  it('disconnects, removing its tools from the catalog', async () => {
    const res = await api('DELETE', `/upstreams/${id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'disconnected', client_id: id });
    expect(gateway.catalog.tool('fixture_echo')).toBeUndefined();
    expect((await api('GET', `/upstreams/${id}`)).status).toBe(404);
    expect((await api('GET', '/upstreams')).body.count).toBe(0);
    expect(await gateway.database.db.selectFrom('upstreams').selectAll().execute()).toEqual([]);
  });
});

describe('upstreams REST API: delegated management, per-upstream permission, disabled upstreams', () => {
  it('lets a custom role with upstreams:manage in, but not into an upstream whose permission it lacks', async () => {
    const role = await api('POST', '/roles', { name: 'gateway_operator', description: 'manages upstreams', permissions: ['upstreams:manage'] });
    expect(role.status, JSON.stringify(role.body)).toBe(201);
    await createUser(gateway.url, admin, 'olga', 'gateway_operator');
    const olga = (await login(gateway.url, 'olga', USER_PASSWORD)).access;
    const guarded = await api('POST', '/upstreams', { transport: 'http', mcp_url: upstreamUrl, auth_type: 'bearer', bearer_token: upstreamKey, name: 'guarded', permission: 'upstreams:use:guarded' });
    expect(guarded.status, JSON.stringify(guarded.body)).toBe(201);
    const id = guarded.body.client_id;
    expect((await api('GET', '/upstreams', undefined, olga)).body.clients.map((c: { name: string }) => c.name)).toContain('guarded');
    expect((await api('GET', `/upstreams/${id}`, undefined, olga)).status).toBe(403);
    expect((await api('POST', `/upstreams/${id}/tools/call`, { tool_name: 'echo', arguments: { message: 'x' } }, olga)).status).toBe(403);
    expect((await api('DELETE', `/upstreams/${id}`, undefined, olga)).status).toBe(403);
    expect((await api('POST', `/upstreams/${id}/tools/call`, { tool_name: 'echo', arguments: { message: 'x' } })).body.status).toBe('success');
    expect((await api('DELETE', `/upstreams/${id}`)).status).toBe(200);
  });

  it('stores a disabled upstream without connecting it', async () => {
    const res = await api('POST', '/upstreams', { transport: 'http', mcp_url: 'http://127.0.0.1:9/mcp', name: 'parked', enabled: false });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ status: 'disabled', tools: [] });
    const listed = (await api('GET', '/upstreams')).body.clients.find((c: { name: string }) => c.name === 'parked');
    expect(listed).toMatchObject({ status: 'disconnected', enabled: false });
    expect((await api('DELETE', `/upstreams/${res.body.client_id}`)).status).toBe(200);
  });
});

describe('upstreams REST API with a stdio upstream (server-everything)', () => {
  afterAll(async () => {
    const list = await api('GET', '/upstreams');
    for (const c of list.body?.clients ?? []) await api('DELETE', `/upstreams/${c.client_id}`);
  });

  it('connects a command given seed-style as an array, with its environment kept secret', async () => {
    const secretEnv = 'env-secret-value-42';
    const res = await api('POST', '/upstreams', { transport: 'stdio', command: [process.execPath, EVERYTHING_BIN, 'stdio'], env: { SOME_API_KEY: secretEnv }, name: 'everything', timeout: 20 });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.tools.map((t: { name: string }) => t.name)).toContain('echo');
    const info = await api('GET', `/upstreams/${res.body.client_id}`);
    expect(info.body.definition.transport).toMatchObject({ type: 'stdio', command: process.execPath, args: [EVERYTHING_BIN, 'stdio'], envKeys: ['SOME_API_KEY'] });
    expect(JSON.stringify(info.body)).not.toContain(secretEnv);
    const called = await api('POST', `/upstreams/${res.body.client_id}/tools/call`, { tool_name: 'echo', arguments: { message: 'stdio' } });
    expect(called.body).toMatchObject({ status: 'success', result: { content: [{ type: 'text', text: 'Echo: stdio' }] } });
    expect(gateway.catalog.tool('everything_echo')).toBeDefined();
    expect(JSON.stringify(await gateway.database.db.selectFrom('upstreams').selectAll().execute())).not.toContain(secretEnv);
    expect(logLines.join('')).not.toContain(secretEnv);
  }, 30_000);

  it('hides tools filtered out by the deny list', async () => {
    const res = await api('POST', '/upstreams', { transport: 'stdio', command: process.execPath, args: [EVERYTHING_BIN, 'stdio'], name: 'filtered', tools_deny: ['echo'], timeout: 20 });
    expect(res.status).toBe(201);
    expect(res.body.tools.map((t: { name: string }) => t.name)).not.toContain('echo');
    const tools = await api('GET', `/upstreams/${res.body.client_id}/tools`);
    expect(tools.body.tools.map((t: { name: string }) => t.name)).not.toContain('echo');
    expect((await api('POST', `/upstreams/${res.body.client_id}/tools/call`, { tool_name: 'echo', arguments: { message: 'x' } })).status).toBe(404);
  }, 30_000);
});
