/**
 * /api/v1/prompts and /api/v1/stats against a real server: CRUD, versions and restore, rendering by
 * query parameters and JSON, missing arguments, limits, import/export round trips in JSON and YAML,
 * and who may do what (no credential, a wrong one, a role without the permission). On SQLite, and
 * on PostgreSQL when TEST_DATABASE_URL is set.
 */
import { randomBytes } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { createPromptsProvider } from '../../../src/providers/prompts/prompts-provider.js';
import type { DialectName } from '../../../src/store/schema.js';
import { activeDialects, dropPostgresSchemas } from '../../helpers/dialects.js';
import type { Json } from '../../helpers/http.js';
import { callCount, eventually } from '../../helpers/mcp-clients.js';
import { startTestServer } from '../../helpers/test-server.js';
import { call } from './identity-kit.js';

const pgUrl = process.env.TEST_DATABASE_URL;
const schemas: string[] = [];
afterAll(() => dropPostgresSchemas(...schemas));

/** Server environment for a dialect: SQLite in the data directory, or a throwaway PostgreSQL schema. */
function databaseEnv(dialect: DialectName): Record<string, string> {
  if (dialect === 'sqlite') return {};
  const schema = `t_prompts_${randomBytes(5).toString('hex')}`;
  schemas.push(schema);
  return { DATABASE_URL: pgUrl!, PORTICO_DATABASE__SCHEMA: schema };
}

describe.each(activeDialects)('prompt library REST API [%s]', async (dialect) => {
  const providers = () => [createPromptsProvider(loadConfig({ env: { PORTICO_PROMPTS__MAX_OUTPUT_BYTES: '5000', PORTICO_PROMPTS__RENDER_TIMEOUT_MS: '300' } }))];
  const server = await startTestServer({ PORTICO_ADMIN_PASSWORD: 'admin password for prompts', ...databaseEnv(dialect) }, { providers: providers() });
  it('runs on the expected database', () => {
    expect(server.database.dialect).toBe(dialect);
  });

  const key = async (role: string) => (await server.identity.createKey({ name: `${role}-key`, role })).secret;
  const user = await key('user');
  const agent = await key('ai_agent');
  await server.identity.saveRole({ name: 'seo_reader', permissions: ['prompts:get:analyze_*'] });
  const seoReader = await key('seo_reader');
  const api = (method: string, path: string, token: string | undefined, body?: unknown, headers?: Record<string, string>) =>
    call(server.url, method, `/api/v1${path}`, { token, ...(body !== undefined ? { body } : {}), ...(headers ? { headers } : {}) });

  const template = {
    name: 'summarise',
    title: 'Summarise',
    description: 'Summarise a text',
    category: 'writing',
    tags: ['text'],
    arguments: [
      { name: 'text', description: 'The text', required: true },
      { name: 'words', required: false, default: '50' },
      { name: 'audience', required: true },
    ],
    body: 'Summarise for {{ audience }} in {{ words }} words:\n{{ text }}',
  };

  it('creates, lists, gets, renders (query and JSON), updates, restores and deletes', async () => {
    const created = await api('POST', '/prompts', user, template);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'summarise', version: 1, category: 'writing', created_by: expect.stringMatching(/^key:/) });
    expect((await api('POST', '/prompts', user, template)).status).toBe(409);

    const list = await api('GET', '/prompts?category=writing', user);
    expect(list.status).toBe(200);
    expect(list.body.items.map((t: Json) => t.name)).toEqual(['summarise']);
    const all = await api('GET', '/prompts', user);
    expect(all.body.items.map((t: Json) => t.name)).toEqual(['analyze_seo', 'business_logic_implementation', 'generate_sitemap', 'optimize_images', 'summarise']);
    expect((await api('GET', '/prompts?search=sitemap', user)).body.items.map((t: Json) => t.name)).toEqual(['generate_sitemap']);

    const got = await api('GET', '/prompts/summarise', user);
    expect(got.body.arguments).toEqual(template.arguments);

    const gets = await callCount(server.url, 'prompts/get', 'ok');
    const byQuery = await api('GET', `/prompts/summarise/render?text=${encodeURIComponent('A long story.')}&audience=kids`, user);
    // The current version renders through the pipeline, like prompts/get: counted, audited, rate limited.
    expect(await callCount(server.url, 'prompts/get', 'ok')).toBe(gets + 1);
    expect(byQuery.status).toBe(200);
    expect(byQuery.body).toEqual({ text: 'Summarise for kids in 50 words:\nA long story.', template: 'summarise', version: 1, arguments: { text: 'A long story.', audience: 'kids', words: '50' } });
    const byJson = await api('POST', '/prompts/summarise/render', user, { arguments: { text: 'T', audience: 'adults', words: 10 } });
    expect(byJson.body.text).toBe('Summarise for adults in 10 words:\nT');

    const updated = await api('PUT', '/prompts/summarise', user, { body: 'Short: {{ text }} ({{ audience }})', title: null });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ version: 2, title: null, description: 'Summarise a text' });
    expect((await api('GET', '/prompts/summarise/render?text=x&audience=y', user)).body.text).toBe('Short: x (y)');
    expect((await api('GET', '/prompts/summarise/render?text=x&audience=y&version=1', user)).body.text).toBe('Summarise for y in 50 words:\nx');

    const versions = await api('GET', '/prompts/summarise/versions', user);
    expect(versions.body.items.map((v: Json) => v.version)).toEqual([2, 1]);
    expect((await api('GET', '/prompts/summarise/versions/1', user)).body.title).toBe('Summarise');
    expect((await api('GET', '/prompts/summarise/versions/9', user)).status).toBe(404);
    const restored = await api('POST', '/prompts/summarise/versions/1/restore', user);
    expect(restored.body).toMatchObject({ version: 3, title: 'Summarise', body: template.body });
    expect((await api('GET', '/prompts/summarise/versions', user)).body.items[0]).toMatchObject({ version: 3, restored_from: 1 });

    expect((await api('GET', '/prompts/categories', user)).body.categories).toEqual([
      { category: 'development', count: 1 },
      { category: 'site', count: 3 },
      { category: 'writing', count: 1 },
    ]);

    expect((await api('DELETE', '/prompts/summarise', user)).status).toBe(204);
    // Every change is in the audit trail.
    const admin = await key('admin');
    const trail = await eventually(
      async () => (await api('GET', '/audit?action=admin/prompts', admin)).body.items as Json[],
      (items) => items.filter((e) => e.target === 'summarise').length === 4,
    );
    expect(trail.filter((e) => e.target === 'summarise').map((e) => e.details.operation).reverse()).toEqual(['create', 'update', 'restore', 'delete']);
    expect((await api('GET', '/prompts/summarise', user)).status).toBe(404);
    expect((await api('DELETE', '/prompts/summarise', user)).status).toBe(404);
  });

  it('lists every missing required argument, and stops a hostile template', async () => {
    const missing = await api('GET', '/prompts/business_logic_implementation/render', user);
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'validation_failed', details: { missing: ['business_domain', 'requirements'] } });

    await api('POST', '/prompts', user, { name: 'flood', body: '{% for i in (1..100000) %}xxxxxxxxxx{% endfor %}' });
    const flood = await api('POST', '/prompts/flood/render', user, {});
    expect(flood.status).toBe(422);
    expect(flood.body.error.code).toBe('render_limit_exceeded');
    await api('POST', '/prompts', user, { name: 'spin', body: '{% for i in (1..1000) %}{% for j in (1..1000) %}{% for k in (1..1000) %}{% endfor %}{% endfor %}{% endfor %}' });
    const started = Date.now();
    expect((await api('GET', '/prompts/spin/render', user)).body.error.code).toBe('render_limit_exceeded');
    expect(Date.now() - started).toBeLessThan(3000);

    const include = await api('POST', '/prompts', user, { name: 'leak', body: '{% include "/etc/passwd" %}' });
    expect(include.status).toBe(400);
    expect(include.body.error.message).toContain('{% include %} is not available');
    expect((await api('POST', '/prompts', user, { name: '../etc', body: 'x' })).status).toBe(400);
    expect((await api('POST', '/prompts', user, { name: 'x', body: 'y', evil: true })).status).toBe(400);
    expect((await api('GET', '/prompts/generate_sitemap/render?base_url=x&version=abc', user)).status).toBe(400);
  });

  it('exports and imports the library as JSON and YAML', async () => {
    await api('POST', '/prompts', user, { name: 'multiline', category: 'writing', body: 'First line\n  indented: {{ x | default: "-" }}\n' });
    const asJson = await fetch(`${server.url}/api/v1/prompts/export`, { headers: { authorization: `Bearer ${user}` } });
    expect(asJson.headers.get('content-type')).toMatch(/^application\/json/);
    const document = (await asJson.json()) as Json;
    expect(document.format).toBe('portico.prompts');
    const asYaml = await fetch(`${server.url}/api/v1/prompts/export?format=yaml`, { headers: { authorization: `Bearer ${user}` } });
    expect(asYaml.headers.get('content-type')).toMatch(/^application\/yaml/);
    const yamlText = await asYaml.text();
    expect(parseYaml(yamlText).templates).toEqual(document.templates);

    // Into a fresh server: YAML in, the same library out.
    const other = await startTestServer({ PORTICO_ADMIN_PASSWORD: 'admin password for prompts', PORTICO_PROMPTS__SEED_BUILTINS: 'false', ...databaseEnv(dialect) }, { providers: [createPromptsProvider(loadConfig({ env: { PORTICO_PROMPTS__SEED_BUILTINS: 'false' } }))] });
    const otherKey = (await other.identity.createKey({ name: 'u', role: 'user' })).secret;
    const imported = await call(other.url, 'POST', '/api/v1/prompts/import', { token: otherKey, headers: { 'content-type': 'application/yaml' } });
    expect(imported.status).toBe(400);
    const res = await fetch(`${other.url}/api/v1/prompts/import`, { method: 'POST', headers: { authorization: `Bearer ${otherKey}`, 'content-type': 'application/yaml' }, body: yamlText });
    const report = (await res.json()) as Json;
    expect(res.status).toBe(200);
    expect(report.created).toEqual(document.templates.map((t: Json) => t.name));
    const back = (await call(other.url, 'GET', '/api/v1/prompts/export', { token: otherKey })).body;
    expect(back.templates).toEqual(document.templates);
    // JSON in again: nothing changes.
    const again = await call(other.url, 'POST', '/api/v1/prompts/import', { token: otherKey, body: document });
    expect(again.body).toEqual({ created: [], updated: [], unchanged: document.templates.map((t: Json) => t.name) });
    const broken = await fetch(`${other.url}/api/v1/prompts/import`, { method: 'POST', headers: { authorization: `Bearer ${otherKey}`, 'content-type': 'application/yaml' }, body: 'templates: [unclosed' });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as Json).error.code).toBe('bad_request');
  });

  it('reports usage by template, day and principal', async () => {
    for (let i = 0; i < 2; i++) await api('GET', `/prompts/generate_sitemap/render?base_url=https://s${i}.example`, user);
    await api('GET', '/prompts/generate_sitemap/render?base_url=https://agent.example', agent);
    const stats = await api('GET', '/stats', user);
    expect(stats.status).toBe(200);
    const sitemap = stats.body.prompts.by_template.find((t: Json) => t.template === 'generate_sitemap');
    expect(sitemap.count).toBe(3);
    expect(stats.body.prompts.by_day.at(-1).day).toBe(new Date().toISOString().slice(0, 10));
    expect(stats.body.prompts.by_principal.length).toBeGreaterThanOrEqual(2);
    expect((await api('GET', '/stats?template=generate_sitemap', user)).body.prompts.total).toBe(3);
    expect((await api('GET', '/stats?since=not-a-date', user)).status).toBe(400);
  });

  it('needs a credential, the right one, and the permission', async () => {
    expect((await api('GET', '/prompts', undefined)).status).toBe(401);
    expect((await api('GET', '/prompts', 'pk_wrong_key')).status).toBe(401);
    expect((await api('POST', '/prompts/import', undefined, { templates: [] })).status).toBe(401);
    // ai_agent may read and render, not change the library or read statistics.
    expect((await api('GET', '/prompts/analyze_seo', agent)).status).toBe(200);
    for (const [method, path, body] of [
      ['POST', '/prompts', { name: 'by_agent', body: 'x' }],
      ['PUT', '/prompts/analyze_seo', { body: 'x' }],
      ['DELETE', '/prompts/analyze_seo', undefined],
      ['POST', '/prompts/analyze_seo/versions/1/restore', undefined],
      ['POST', '/prompts/import', { templates: [{ name: 'by_agent', body: 'x' }] }],
      ['GET', '/stats', undefined],
    ] as const) {
      const res = await api(method, path, agent, body);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
    }
    // A role that may get only analyze_* sees nothing else: absent from lists, 404 on use.
    expect((await api('GET', '/prompts', seoReader)).body.items.map((t: Json) => t.name)).toEqual(['analyze_seo']);
    expect((await api('GET', '/prompts/generate_sitemap', seoReader)).status).toBe(404);
    expect((await api('GET', '/prompts/generate_sitemap/render?base_url=x', seoReader)).status).toBe(404);
    expect((await api('GET', '/prompts/generate_sitemap/versions', seoReader)).status).toBe(404);
    expect((await api('GET', '/prompts/categories', seoReader)).body.categories).toEqual([{ category: 'site', count: 1 }]);
    const exported = (await api('GET', '/prompts/export', seoReader)).body;
    expect(exported.templates.map((t: Json) => t.name)).toEqual(['analyze_seo']);
  });

  it('is documented in the OpenAPI document (schema ids do not collide with the MCP mirror’s)', async () => {
    const res = await fetch(`${server.url}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Json;
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/prompts', '/api/v1/prompts/{name}/render', '/api/v1/prompts/export', '/api/v1/stats', '/api/v1/mcp/prompts']));
    expect(doc.paths['/api/v1/prompts/{name}/render'].get.parameters.map((p: Json) => p.name).sort()).toEqual(['name', 'version']);
  });

  it('leaves the MCP mirror of prompts at /api/v1/mcp/prompts working', async () => {
    const listed = await api('GET', '/mcp/prompts', user);
    expect(listed.status).toBe(200);
    expect(listed.body.prompts.map((p: Json) => p.name)).toContain('generate_sitemap');
    const got = await api('POST', '/mcp/prompts/generate_sitemap', user, { arguments: { base_url: 'https://mirror.example' } });
    expect(got.body.messages[0].content.text).toContain('https://mirror.example');
  });
});
