/**
 * Files, configuration and site tools end to end: a real server with the blobs, files, config and
 * site providers, real API keys for the built-in roles and two custom ones, and real MCP SDK
 * clients (legacy sessions and the modern era) — plus the REST mirror for the same refusals.
 */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, ProtocolError, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { createBlobsProvider } from '../../src/providers/blobs/blobs-provider.js';
import { createConfigProvider } from '../../src/providers/config/config-provider.js';
import { DEMO_TEMPLATE_FAULTS } from '../../src/providers/files/demo/demo-templates.js';
import { createFilesProvider } from '../../src/providers/files/files-provider.js';
import { createSiteProvider } from '../../src/providers/site/site-provider.js';
import type { RunningServer } from '../../src/server.js';
import type { Json } from '../helpers/http.js';
import { MODERN_REVISION, NotificationRecorder, firstText, type Era } from '../helpers/mcp-clients.js';
import { startTestServer } from '../helpers/test-server.js';
import { tempDir } from '../helpers/temp-dir.js';
import { activeDialects, dropPostgresSchemas } from '../helpers/dialects.js';

const ADMIN_PASSWORD = 'files-e2e-admin-password-must-not-leak';
const SECRET_KEY = 'c2VjcmV0LWtleS1mb3ItZmlsZXMtZTJlLXRlc3RzLW11c3Qtbm90LWxlYWs=';
const MAX_WRITE = 4096;

describe.each(activeDialects)('files, configuration and site tools [%s]', (dialect) => {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  let server: RunningServer;
  const keys: Record<string, string> = {};
  const clients: Client[] = [];

  beforeAll(async () => {
    const database: Record<string, string> = dialect === 'postgres' ? { DATABASE_URL: process.env.TEST_DATABASE_URL!, PORTICO_DATABASE__SCHEMA: schema } : {};
    const env = {
      ...database,
      PORTICO_DATA_DIR: tempDir('portico-files-e2e-'),
      PORTICO_PORT: '0',
      PORTICO_PROVIDERS__BUILTIN: 'false',
      PORTICO_ADMIN_PASSWORD: ADMIN_PASSWORD,
      PORTICO_SECRET_KEY: SECRET_KEY,
      PORTICO_FILES__MAX_WRITE_BYTES: String(MAX_WRITE),
    };
    const config = loadConfig({ env });
    server = await startTestServer(env, { providers: [createBlobsProvider(config), createFilesProvider(config), createConfigProvider(config), createSiteProvider(config)] });
    await server.identity.saveRole({ name: 'no_files', permissions: ['tools:call:*', 'resources:read:*', 'prompts:get:*', 'blobs:read', 'blobs:write'] });
    for (const role of ['admin', 'user', 'ai_agent', 'readonly', 'no_files']) keys[role] = (await server.identity.createKey({ name: `${role}-files`, role })).secret;
    // Hostile fixtures planted by someone with shell access: links out of the templates root.
    const root = server.dataDir.root;
    mkdirSync(join(root, 'private'));
    writeFileSync(join(root, 'private', 'notes.txt'), 'private notes');
    symlinkSync(join(root, 'portico.db'), join(root, 'templates', 'leak.txt'));
    symlinkSync(join(root, 'private'), join(root, 'templates', 'outside'));
  });

  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await server?.close();
    if (dialect === 'postgres') await dropPostgresSchemas(schema);
  });

  async function connect(role: string, era: Era = 'legacy'): Promise<Client> {
    const client = new Client({ name: `files-e2e-${role}-${era}`, version: '1' }, era === 'modern' ? { versionNegotiation: { mode: { pin: MODERN_REVISION } } } : {});
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${keys[role]}` } } }));
    clients.push(client);
    return client;
  }

  async function rejection(promise: Promise<unknown>): Promise<Json> {
    try {
      await promise;
    } catch (err) {
      return err;
    }
    throw new Error('expected a failure');
  }

  /** Call a tool and return its result, typed loosely for assertions. */
  const call = async (client: Client, name: string, args: Json): Promise<Json> => client.callTool({ name, arguments: args });
  const errorCode = (result: Json) => (result.isError ? result.structuredContent?.error?.code : undefined);

  describe('who sees what', () => {
    it('refuses a missing or wrong credential before anything is listed', async () => {
      const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer pk_wrongwrongwr_notakeyatall' }, { 'x-api-key': 'nonsense' }];
      for (const headers of attempts) {
        const client = new Client({ name: 'anonymous', version: '1' });
        const err = await rejection(client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers } })));
        expect(String(err?.message ?? err)).toMatch(/401|Unauthorized|credential/i);
      }
      const rest = await fetch(`${server.url}/api/v1/mcp/resources/read?uri=${encodeURIComponent('portico://templates/index.html')}`);
      expect(rest.status).toBe(401);
    });

    it('an agent sees both filesystem tools, the site tools, the file roots and the prompts, not the configuration', async () => {
      const agent = await connect('ai_agent');
      const tools = (await agent.listTools()).tools.map((t) => t.name);
      expect(tools).toEqual(expect.arrayContaining(['filesystem', 'filesystem_read', 'analyze_template', 'generate_sitemap', 'image_report']));
      const { resources } = await agent.listResources();
      expect(resources.map((r) => r.uri)).toEqual(expect.arrayContaining(['portico://templates', 'portico://static']));
      expect(resources.map((r) => r.uri)).not.toContain('portico://config');
      const templates = (await agent.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate);
      expect(templates).toEqual(expect.arrayContaining(['portico://templates/{+path}', 'portico://static/{+path}']));
      const prompts = (await agent.listPrompts()).prompts.map((p) => p.name);
      expect(prompts).toEqual(expect.arrayContaining(['analyze_seo', 'generate_sitemap', 'optimize_images']));
    });

    it('a reader sees filesystem_read but never the write-capable filesystem tool, nor generate_sitemap', async () => {
      const reader = await connect('readonly');
      const tools = (await reader.listTools()).tools;
      const names = tools.map((t) => t.name);
      expect(names).toContain('filesystem_read');
      expect(names).toContain('analyze_template');
      expect(names).toContain('image_report');
      expect(names).not.toContain('filesystem');
      expect(names).not.toContain('generate_sitemap');
      const readTool = tools.find((t) => t.name === 'filesystem_read')!;
      expect((readTool.inputSchema.properties as Json).operation.enum).toEqual(['read', 'list']);
      expect(readTool.annotations?.readOnlyHint).toBe(true);
      const err = await rejection(call(reader, 'filesystem', { operation: 'write', path: 'templates/x.html', content: 'x' }));
      expect(err).toBeInstanceOf(ProtocolError);
      expect(err.message).toContain('Unknown tool: filesystem');
      // And the read-only tool offers no way to write.
      const sneaky = await call(reader, 'filesystem_read', { operation: 'write', path: 'templates/x.html' });
      expect(sneaky.isError).toBe(true);
      expect(firstText(sneaky)).toMatch(/Invalid arguments/);
      const read = await call(reader, 'filesystem_read', { operation: 'read', path: 'templates/index.html' });
      expect(firstText(read)).toContain('<title>Acme Outfitters – Outdoor Gear for Every Trail</title>');
    });

    it('a role without files:* sees no file tools or roots, and reading a file is "not found"', async () => {
      const client = await connect('no_files');
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).not.toContain('filesystem');
      expect(names).not.toContain('filesystem_read');
      expect((await client.listResources()).resources.map((r) => r.uri)).not.toContain('portico://templates');
      const err = await rejection(client.readResource({ uri: 'portico://templates/index.html' }));
      expect(err).toBeInstanceOf(ProtocolError);
      expect(err.message).toContain('Resource not found');
      // The site tools are visible (tools:call:*) but read nothing without files:read.
      const analysis = await call(client, 'analyze_template', { template_name: 'index.html' });
      expect(errorCode(analysis)).toBe('forbidden');
    });
  });

  describe('file resources', () => {
    it('reads templates as text, images as base64 with a sniffed type, directories as JSON listings', async () => {
      const agent = await connect('ai_agent');
      const page = (await agent.readResource({ uri: 'portico://templates/index.html' })).contents[0] as Json;
      expect(page.mimeType).toBe('text/html');
      expect(page.text).toContain('<html lang="en">');

      const photo = (await agent.readResource({ uri: 'portico://static/images/team.jpg' })).contents[0] as Json;
      expect(photo.mimeType).toBe('image/jpeg');
      expect(Buffer.from(photo.blob, 'base64').equals(readFileSync(join(server.dataDir.root, 'static', 'images', 'team.jpg')))).toBe(true);

      const root = JSON.parse(((await agent.readResource({ uri: 'portico://templates' })).contents[0] as Json).text);
      expect(root.entries.map((e: Json) => e.name)).toEqual(['blog', '404.html', 'about.html', 'base.html', 'contact.html', 'index.html', 'products.html']);
      expect(root.writable).toBe(true);
      const blog = JSON.parse(((await agent.readResource({ uri: 'portico://templates/blog' })).contents[0] as Json).text);
      expect(blog.entries).toEqual([expect.objectContaining({ name: 'post.html', kind: 'file', uri: 'portico://templates/blog/post.html', mimeType: 'text/html' })]);
    });

    it('completes template paths from the directory typed so far', async () => {
      const agent = await connect('ai_agent');
      const done = await agent.complete({ ref: { type: 'ref/resource', uri: 'portico://templates/{+path}' }, argument: { name: 'path', value: 'blog/p' } });
      expect(done.completion.values).toEqual(['blog/post.html']);
    });

    it.each([
      ['..', 'portico://templates/../secret.key'],
      ['nested ..', 'portico://templates/blog/../../secret.key'],
      ['absolute', 'portico://templates//etc/passwd'],
      ['percent-encoded', 'portico://templates/%2e%2e/secret.key'],
      ['NUL', 'portico://templates/index.html\u0000.png'],
      ['backslash', 'portico://templates/..\\secret.key'],
      ['symlink out', 'portico://templates/leak.txt'],
      ['symlinked directory', 'portico://templates/outside/notes.txt'],
    ])('refuses a %s path with path_not_allowed', async (_what, uri) => {
      const agent = await connect('ai_agent', 'modern');
      const err = await rejection(agent.readResource({ uri }));
      expect(err).toBeInstanceOf(ProtocolError);
      expect(err.code).toBe(-32602);
      expect(err.message).toMatch(/^Path not allowed/);
      expect(err.message).not.toContain(server.dataDir.root);
    });

    it('the REST mirror refuses the same paths with the stable code', async () => {
      for (const uri of ['portico://templates/../portico.db', 'portico://templates/%2e%2e/portico.db', 'portico://templates/leak.txt']) {
        const res = await fetch(`${server.url}/api/v1/mcp/resources/read?uri=${encodeURIComponent(uri)}`, { headers: { authorization: `Bearer ${keys.ai_agent}` } });
        expect(res.status).toBe(400);
        expect(((await res.json()) as Json).error.code).toBe('path_not_allowed');
      }
    });
  });

  describe('the filesystem tool', () => {
    it('writes, lists, reads back, creates directories and deletes in a read-write root', async () => {
      const agent = await connect('ai_agent');
      const watcher = new NotificationRecorder(agent);
      await agent.subscribeResource({ uri: 'portico://templates/drafts/new.html' });
      expect(errorCode(await call(agent, 'filesystem', { operation: 'create_dir', path: 'templates/drafts' }))).toBeUndefined();
      const updated = watcher.next('notifications/resources/updated', (n) => n.params.uri === 'portico://templates/drafts/new.html');
      const written = await call(agent, 'filesystem', { operation: 'write', path: 'templates/drafts/new.html', content: '<h1>Draft ✓</h1>' });
      expect(written.isError).toBeFalsy();
      expect(written.structuredContent).toMatchObject({ path: 'drafts/new.html', size: Buffer.byteLength('<h1>Draft ✓</h1>') });
      await updated;
      expect(((await agent.readResource({ uri: 'portico://templates/drafts/new.html' })).contents[0] as Json).text).toBe('<h1>Draft ✓</h1>');
      const listed = await call(agent, 'filesystem', { operation: 'list', path: 'templates/drafts' });
      expect(listed.structuredContent.entries.map((e: Json) => e.name)).toEqual(['new.html']);
      const roots = await call(agent, 'filesystem', { operation: 'list', path: '' });
      expect(roots.structuredContent.roots.map((r: Json) => [r.name, r.writable])).toEqual([
        ['templates', true],
        ['static', false],
      ]);
      expect(errorCode(await call(agent, 'filesystem', { operation: 'delete', path: 'templates/drafts' }))).toBe('conflict');
      expect(errorCode(await call(agent, 'filesystem', { operation: 'delete', path: 'templates/drafts', recursive: true }))).toBeUndefined();
      expect(errorCode(await call(agent, 'filesystem', { operation: 'read', path: 'templates/drafts/new.html' }))).toBe('not_found');
    });

    it('refuses every change to the read-only static root', async () => {
      const agent = await connect('ai_agent', 'modern');
      for (const args of [
        { operation: 'write', path: 'static/css/site.css', content: 'body{}' },
        { operation: 'delete', path: 'static/images/hero.png' },
        { operation: 'create_dir', path: 'static/new' },
      ]) {
        const result = await call(agent, 'filesystem', args);
        expect(errorCode(result)).toBe('read_only_root');
        expect(firstText(result)).toMatch(/^read_only_root: File root "static" is read-only\./);
      }
      expect(readFileSync(join(server.dataDir.root, 'static', 'css', 'site.css'), 'utf8')).toContain('Acme Outfitters');
    });

    it('refuses content over files.maxWriteBytes without writing anything', async () => {
      const agent = await connect('user');
      const result = await call(agent, 'filesystem', { operation: 'write', path: 'templates/big.html', content: 'x'.repeat(MAX_WRITE + 1) });
      expect(errorCode(result)).toBe('payload_too_large');
      expect(errorCode(await call(agent, 'filesystem', { operation: 'read', path: 'templates/big.html' }))).toBe('not_found');
      const ok = await call(agent, 'filesystem', { operation: 'write', path: 'templates/b64.bin', content: Buffer.from([0, 1, 2, 255]).toString('base64'), encoding: 'base64' });
      expect(ok.isError).toBeFalsy();
      expect([...readFileSync(join(server.dataDir.root, 'templates', 'b64.bin'))]).toEqual([0, 1, 2, 255]);
    });

    it.each([
      ['../secret.key', 'read'],
      ['templates/../../secret.key', 'read'],
      ['/etc/passwd', 'read'],
      ['templates/%2e%2e/%2e%2e/secret.key', 'read'],
      ['templates/index.html\u0000', 'read'],
      ['templates\\..\\..\\secret.key', 'read'],
      ['templates/leak.txt', 'read'],
      ['templates/outside/notes.txt', 'read'],
      ['templates/outside/planted.html', 'write'],
      ['templates/outside', 'list'],
      ['templates/outside/sub', 'create_dir'],
      ['templates/outside/notes.txt', 'delete'],
    ])('refuses %j for %s with path_not_allowed and touches nothing outside', async (path, operation) => {
      const agent = await connect('ai_agent');
      const result = await call(agent, 'filesystem', { operation, path, ...(operation === 'write' ? { content: 'pwned' } : {}) });
      expect(errorCode(result)).toBe('path_not_allowed');
      expect(firstText(result)).toMatch(/^path_not_allowed: Path not allowed/);
      expect(JSON.stringify(result)).not.toContain(server.dataDir.root);
      expect(readFileSync(join(server.dataDir.root, 'private', 'notes.txt'), 'utf8')).toBe('private notes');
    });
  });

  describe('site tools over MCP', () => {
    it('analyze_template finds the planted faults and passes the clean page', async () => {
      const agent = await connect('ai_agent', 'modern');
      for (const [template, faults] of Object.entries(DEMO_TEMPLATE_FAULTS)) {
        const result = await call(agent, 'analyze_template', { template_name: template });
        expect(result.isError, template).toBeFalsy();
        expect(result.structuredContent.issues.map((i: Json) => i.code).sort(), template).toEqual([...faults].sort());
      }
      const reader = await connect('readonly');
      expect(firstText(await call(reader, 'analyze_template', { template_name: 'index.html' }))).toBe('templates/index.html: no SEO issues found.');
    });

    it('generate_sitemap stores sitemap.xml as a blob the caller can read back', async () => {
      const agent = await connect('ai_agent');
      const result = await call(agent, 'generate_sitemap', { base_url: 'https://www.acme-outfitters.example' });
      expect(result.isError).toBeFalsy();
      const { blob, count } = result.structuredContent;
      expect(count).toBe(5);
      expect(blob.uri).toBe(`portico://blobs/${blob.sha256}`);
      expect(result.content).toContainEqual(expect.objectContaining({ type: 'resource_link', uri: blob.uri, mimeType: 'application/xml' }));
      const stored = (await agent.readResource({ uri: blob.uri })).contents[0] as Json;
      expect(stored.text).toContain('<loc>https://www.acme-outfitters.example/about</loc>');
      expect(stored.text).not.toContain('base');
      const invalid = await call(agent, 'generate_sitemap', { base_url: 'file:///etc/passwd' });
      expect(errorCode(invalid)).toBe('validation_failed');
      const missing = await call(agent, 'generate_sitemap', {});
      expect(missing.isError).toBe(true);
      expect(firstText(missing)).toMatch(/Invalid arguments.*base_url/);
    });

    it('image_report flags the oversized hero image', async () => {
      const reader = await connect('readonly', 'modern');
      const result = await call(reader, 'image_report', {});
      const hero = result.structuredContent.images.find((i: Json) => i.path === 'images/hero.png');
      expect(hero).toMatchObject({ format: 'png', width: 2200, height: 1100 });
      expect(hero.suggestions.length).toBe(3);
    });

    it('prompts point the model at the tools and resources, and generate_sitemap needs base_url', async () => {
      const agent = await connect('ai_agent');
      const seo = await agent.getPrompt({ name: 'analyze_seo', arguments: {} });
      expect(firstText(seo.messages[0])).toMatch(/portico:\/\/templates[\s\S]*analyze_template/);
      const sitemap = await agent.getPrompt({ name: 'generate_sitemap', arguments: { base_url: 'https://acme.example' } });
      expect(firstText(sitemap.messages[0])).toContain('generate_sitemap with {"base_url": "https://acme.example"}');
      const images = await agent.getPrompt({ name: 'optimize_images', arguments: {} });
      expect(firstText(images.messages[0])).toMatch(/image_report[\s\S]*portico:\/\/static/);
      const err = await rejection(agent.getPrompt({ name: 'generate_sitemap', arguments: {} }));
      expect(err).toBeInstanceOf(ProtocolError);
      expect(err.message).toContain('base_url');
    });
  });

  describe('portico://config', () => {
    it('shows administrators the effective configuration without a single secret', async () => {
      const admin = await connect('admin');
      expect((await admin.listResources()).resources.map((r) => r.uri)).toContain('portico://config');
      const text = ((await admin.readResource({ uri: 'portico://config' })).contents[0] as Json).text as string;
      expect(text).not.toContain(ADMIN_PASSWORD);
      expect(text).not.toContain(SECRET_KEY);
      const shown = JSON.parse(text);
      expect(shown.auth.adminPassword).toBe('<redacted>');
      expect(shown.secretKey).toBe('<redacted>');
      expect(shown.files.maxWriteBytes).toBe(MAX_WRITE);
    });

    it('is invisible to every other role, over MCP and REST', async () => {
      for (const role of ['user', 'ai_agent', 'readonly']) {
        const client = await connect(role, 'modern');
        expect((await client.listResources()).resources.map((r) => r.uri)).not.toContain('portico://config');
        const err = await rejection(client.readResource({ uri: 'portico://config' }));
        expect(err.message).toContain('Resource not found');
        const res = await fetch(`${server.url}/api/v1/mcp/resources/config`, { headers: { authorization: `Bearer ${keys[role]}` } });
        expect(res.status).toBe(404);
      }
      const admin = await fetch(`${server.url}/api/v1/mcp/resources/config`, { headers: { authorization: `Bearer ${keys.admin}` } });
      expect(admin.status).toBe(200);
      expect(JSON.stringify(await admin.json())).not.toContain(ADMIN_PASSWORD);
    });
  });
});
