/**
 * `web_api`, API resources and `code_execution` end to end: a real server, real accounts and roles,
 * real MCP SDK clients over Streamable HTTP, and a local HTTP API on 127.0.0.1 reached through names
 * the test resolver maps to loopback (the injected connector refuses anything else).
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { createCodeProvider } from '../../src/providers/code/code-provider.js';
import { createWebProvider } from '../../src/providers/web/web-provider.js';
import type { RunningServer } from '../../src/server.js';
import { activeDialects, dropPostgresSchemas } from '../helpers/dialects.js';
import type { Json } from '../helpers/http.js';
import { startTestServer } from '../helpers/test-server.js';
import { ADMIN_PASSWORD, call, createUser, login } from '../surfaces/rest/identity-kit.js';
import { loopbackGuard, startLocalApi, type LocalApi } from '../providers/web/web-kit.js';

const API_SECRET = 'Bearer api-secret-0123456789';
const guard = loopbackGuard({ 'api.test': ['127.0.0.1'], 'other.test': ['127.0.0.1'] });
const logLines: string[] = [];
const capturingLogger = pino(
  { level: 'debug' },
  new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(chunk.toString());
      done();
    },
  }),
);

const ENV = { PORTICO_ADMIN_PASSWORD: ADMIN_PASSWORD, PORTICO_CODE__ENABLED: 'true', PORTICO_WEB__ALLOWED_HOSTS: 'api.test,other.test', PORTICO_RATE_LIMITS__ENABLED: 'false' };

async function startWith(env: Record<string, string>): Promise<RunningServer> {
  const config = loadConfig({ env: { ...env } });
  return startTestServer(env, { logger: capturingLogger, providers: [createWebProvider(config, { resolver: guard.resolver, connector: guard.connector }), createCodeProvider(config)] });
}

async function mcpClient(url: string, token: string): Promise<Client> {
  const client = new Client({ name: 'web-code-e2e', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  afterAll(() => client.close());
  return client;
}

const toolNames = async (client: Client) => (await client.listTools()).tools.map((t) => t.name);
const text = (result: Json): string => (result.content as Json[]).find((b) => b.type === 'text')?.text ?? '';

describe.each(activeDialects)('web and code tools end to end [%s]', (dialect) => {
  let api: LocalApi;
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const database: Record<string, string> = dialect === 'postgres' ? { DATABASE_URL: process.env.TEST_DATABASE_URL!, PORTICO_DATABASE__SCHEMA: schema } : {};
  let server: RunningServer;
  let admin: string;
  let userToken: string;
  let coderToken: string;

  beforeAll(async () => {
    api = await startLocalApi();
    server = await startWith({ ...ENV, ...database });
    admin = (await login(server.url, 'admin', ADMIN_PASSWORD)).access;
    const role = await call(server.url, 'POST', '/api/v1/roles', { token: admin, body: { name: 'coder', permissions: ['code:execute'] } });
    expect(role.status).toBe(201);
    await createUser(server.url, admin, 'ursula', 'user');
    await createUser(server.url, admin, 'cody', 'coder');
    userToken = (await login(server.url, 'ursula', 'user-password-for-tests')).access;
    coderToken = (await login(server.url, 'cody', 'user-password-for-tests')).access;
  });

  afterAll(async () => {
    await server?.close();
    if (dialect === 'postgres') await dropPostgresSchemas(schema);
  });

  describe('web_api and code_execution over MCP', () => {
    it('admin finds both tools and they work', async () => {
      const client = await mcpClient(server.url, admin);
      expect(await toolNames(client)).toEqual(expect.arrayContaining(['web_api', 'code_execution']));
      const web = await client.callTool({ name: 'web_api', arguments: { method: 'GET', url: `http://api.test:${api.port}/json` } });
      expect(web.isError).toBeFalsy();
      expect(web.structuredContent).toMatchObject({ status: 200, json: { total: 1 } });
      const js = await client.callTool({ name: 'code_execution', arguments: { language: 'javascript', code: 'console.log("hi"); 6 * 7' } });
      expect(js.structuredContent).toMatchObject({ ok: true, value: 42, stdout: 'hi\n' });
      const py = await client.callTool({ name: 'code_execution', arguments: { language: 'python', code: 'print(sum(range(101)))' } });
      expect(py.structuredContent).toMatchObject({ ok: true, stdout: '5050\n' });
    });

    it('refuses SSRF over MCP as a tool error', async () => {
      const client = await mcpClient(server.url, admin);
      const refused = await client.callTool({ name: 'web_api', arguments: { url: 'http://169.254.169.254/latest/meta-data/' } });
      expect(refused.isError).toBe(true);
      expect(text(refused)).toMatch(/Refused to connect to 169\.254\.169\.254: cloud-metadata/);
    });

    it('a user (tools:call:*) sees web_api but neither sees nor can call code_execution', async () => {
      const client = await mcpClient(server.url, userToken);
      const names = await toolNames(client);
      expect(names).toContain('web_api');
      expect(names).not.toContain('code_execution');
      await expect(client.callTool({ name: 'code_execution', arguments: { code: '1' } })).rejects.toThrow(/Unknown tool: code_execution/);
    });

    it('a role granted only code:execute sees code_execution and nothing else', async () => {
      const client = await mcpClient(server.url, coderToken);
      expect(await toolNames(client)).toEqual(['code_execution']);
      const result = await client.callTool({ name: 'code_execution', arguments: { code: '[1,2].length' } });
      expect(result.structuredContent).toMatchObject({ ok: true, value: 2 });
    });

    it('code_execution is off by default', async () => {
      const { PORTICO_CODE__ENABLED: _on, ...env } = ENV;
      const plain = await startWith(env);
      const token = (await login(plain.url, 'admin', ADMIN_PASSWORD)).access;
      const client = await mcpClient(plain.url, token);
      const names = await toolNames(client);
      expect(names).toContain('web_api');
      expect(names).not.toContain('code_execution');
    });
  });

  describe('API resources', () => {
    const path = '/api/v1/api-resources/catalog';
    const body = () => ({ url: `http://api.test:${api.port}/json`, title: 'Product catalog', headers: { Authorization: API_SECRET, 'X-Tenant': 'acme' } });

    it('stores headers encrypted, shows only their names, and reads through them over MCP', async () => {
      const put = await call(server.url, 'PUT', path, { token: admin, body: body() });
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({ name: 'catalog', uri: 'portico://api/catalog', headerNames: ['authorization', 'x-tenant'] });
      expect(JSON.stringify(put.body)).not.toContain('api-secret');
      const row = await server.database.db.selectFrom('api_resources').selectAll().where('name', '=', 'catalog').executeTakeFirstOrThrow();
      expect(row.headers_sealed).toMatch(/^v1\./);
      expect(JSON.stringify(row)).not.toContain('api-secret');

      const client = await mcpClient(server.url, admin);
      expect((await client.listResources()).resources.map((r) => r.uri)).toContain('portico://api/catalog');
      const before = api.requests.length;
      const read = await client.readResource({ uri: 'portico://api/catalog' });
      expect(read.contents[0]).toMatchObject({ uri: 'portico://api/catalog', mimeType: 'application/json' });
      expect(JSON.parse((read.contents[0] as { text: string }).text)).toEqual({ items: [{ id: 1, name: 'first' }], total: 1 });
      const seen = api.requests.slice(before);
      expect(seen.map((r) => r.headers.authorization)).toEqual([API_SECRET]);
      expect(seen[0]!.headers['x-tenant']).toBe('acme');

      const listed = await call(server.url, 'GET', '/api/v1/api-resources', { token: admin });
      expect(listed.body.items.map((i: Json) => i.name)).toEqual(['catalog']);
      expect(JSON.stringify(listed.body)).not.toContain('api-secret');
    });

    it('never sends the stored headers across hosts, and keeps them when a PUT omits them', async () => {
      const elsewhere = `http://other.test:${api.port}/json`;
      await call(server.url, 'PUT', '/api/v1/api-resources/moved', {
        token: admin,
        body: { url: `http://api.test:${api.port}/redirect?to=${encodeURIComponent(elsewhere)}`, headers: { Authorization: API_SECRET, 'X-Tenant': 'acme' } },
      });
      const client = await mcpClient(server.url, admin);
      let before = api.requests.length;
      await client.readResource({ uri: 'portico://api/moved' });
      const [first, second] = api.requests.slice(before);
      expect(first!.headers.authorization).toBe(API_SECRET);
      expect(second!.host).toBe(`other.test:${api.port}`);
      expect(second!.headers.authorization).toBeUndefined();
      expect(second!.headers['x-tenant']).toBeUndefined();

      const updated = await call(server.url, 'PUT', '/api/v1/api-resources/moved', { token: admin, body: { url: `http://api.test:${api.port}/json`, title: 'Moved' } });
      expect(updated.body).toMatchObject({ title: 'Moved', headerNames: ['authorization', 'x-tenant'] });
      before = api.requests.length;
      await client.readResource({ uri: 'portico://api/moved' });
      expect(api.requests.slice(before).map((r) => r.headers.authorization)).toEqual([API_SECRET]);
    });

    it('reports a failing API without leaking its headers', async () => {
      await call(server.url, 'PUT', '/api/v1/api-resources/broken', { token: admin, body: { url: `http://api.test:${api.port}/status?code=500`, headers: { Authorization: API_SECRET } } });
      await call(server.url, 'PUT', '/api/v1/api-resources/inside', { token: admin, body: { url: 'http://10.1.2.3/', headers: { Authorization: API_SECRET } } });
      const client = await mcpClient(server.url, admin);
      await expect(client.readResource({ uri: 'portico://api/broken' })).rejects.toThrow(/answered 500/);
      await expect(client.readResource({ uri: 'portico://api/inside' })).rejects.toThrow(/Refused to connect to 10\.1\.2\.3: private/);
    });

    it('keeps header values out of the audit trail and the logs', async () => {
      const audit = await call(server.url, 'GET', '/api/v1/audit?limit=500', { token: admin });
      expect(audit.status).toBe(200);
      expect(JSON.stringify(audit.body)).not.toContain('api-secret');
      expect(logLines.join('')).not.toContain('api-secret');
    });

    it('refuses a missing credential, a wrong one and a role without api_resources:manage', async () => {
      expect((await call(server.url, 'GET', '/api/v1/api-resources')).status).toBe(401);
      expect((await call(server.url, 'GET', '/api/v1/api-resources', { token: 'not-a-token' })).status).toBe(401);
      const forbidden = await call(server.url, 'PUT', path, { token: userToken, body: body() });
      expect(forbidden.status).toBe(403);
      expect(forbidden.body.error.code).toBe('forbidden');
      expect((await call(server.url, 'GET', '/api/v1/api-resources', { token: userToken })).status).toBe(403);
    });

    it('refuses hostile input with validation errors', async () => {
      const cases: [string, Json, RegExp][] = [
        ['/api/v1/api-resources/Bad%20Name', { url: 'http://api.test/' }, /name/],
        ['/api/v1/api-resources/ok', { url: 'file:///etc/passwd' }, /Only http and https/],
        ['/api/v1/api-resources/ok', { url: 'http://user:pw@api.test/' }, /Credentials inside the URL/],
        ['/api/v1/api-resources/ok', { url: 'http://api.test/', headers: { 'X-A': 'a\r\nInjected: 1' } }, /line break/],
        ['/api/v1/api-resources/ok', { url: 'http://api.test/', headers: { Host: 'evil' } }, /host header/],
        ['/api/v1/api-resources/ok', { url: 'http://api.test/', surprise: 1 }, /./],
      ];
      for (const [where, payload, message] of cases) {
        const res = await call(server.url, 'PUT', where, { token: admin, body: payload });
        expect(res.status, JSON.stringify(payload)).toBe(400);
        expect(JSON.stringify(res.body), JSON.stringify(payload)).toMatch(message);
      }
      expect((await call(server.url, 'GET', '/api/v1/api-resources/ok', { token: admin })).status).toBe(404);
    });

    it('deletes a resource and removes it from the catalog', async () => {
      const client = await mcpClient(server.url, admin);
      expect((await call(server.url, 'DELETE', '/api/v1/api-resources/broken', { token: admin })).status).toBe(204);
      expect((await client.listResources()).resources.map((r) => r.uri)).not.toContain('portico://api/broken');
      expect((await call(server.url, 'DELETE', '/api/v1/api-resources/broken', { token: admin })).status).toBe(404);
    });

    it('never connected outside loopback', () => {
      expect(guard.refusedByGuard).toEqual([]);
    });
  });
});
