/**
 * The prompt library over MCP with real SDK clients (legacy sessions and the modern era) against a
 * real server: templates are prompts (arguments listed, `prompts/get` renders them), the library
 * tools change them and clients hear `prompts/list_changed`, completion suggests defaults and the
 * caller's recent values, and permissions decide what each credential sees.
 */
import { Client, ProtocolError, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { createPromptsProvider } from '../../../src/providers/prompts/prompts-provider.js';
import type { Json } from '../../helpers/http.js';
import { MODERN_REVISION, NotificationRecorder, firstText, type Era } from '../../helpers/mcp-clients.js';
import { startTestServer } from '../../helpers/test-server.js';

describe('prompt library over MCP', async () => {
  const server = await startTestServer({ PORTICO_ADMIN_PASSWORD: 'admin password for prompts' }, { providers: [createPromptsProvider(loadConfig({ env: {} }))] });
  const key = async (role: string) => (await server.identity.createKey({ name: `${role}-key`, role })).secret;
  const userKey = await key('user');
  const otherUserKey = await key('user');
  const agentKey = await key('ai_agent');
  await server.identity.saveRole({ name: 'business_only', permissions: ['prompts:get:business_*', 'tools:call:render_prompt'] });
  const narrowKey = await key('business_only');
  const clients: Client[] = [];
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
  });

  async function connect(secret: string | undefined, era: Era = 'legacy'): Promise<Client> {
    const client = new Client({ name: `prompts-${era}`, version: '1' }, era === 'modern' ? { versionNegotiation: { mode: { pin: MODERN_REVISION } } } : {});
    const headers: Record<string, string> = secret ? { authorization: `Bearer ${secret}` } : {};
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers } }));
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

  it('serves the built-in library as prompts with their arguments, rendered by prompts/get', async () => {
    const client = await connect(userKey);
    const prompts = (await client.listPrompts()).prompts;
    expect(prompts.map((p) => p.name).sort()).toEqual(['analyze_seo', 'business_logic_implementation', 'generate_sitemap', 'optimize_images']);
    const business = prompts.find((p) => p.name === 'business_logic_implementation')!;
    expect(business.description).toBe('Standard template for implementing business logic');
    expect(business.arguments).toEqual([
      { name: 'business_domain', description: 'The business domain, e.g. ecommerce', required: true },
      { name: 'requirements', description: 'What the implementation must do', required: true },
      // It has a default, so a client need not ask for it.
      { name: 'language', description: 'Programming language', required: false },
    ]);
    expect(prompts.find((p) => p.name === 'generate_sitemap')!.arguments).toEqual([{ name: 'base_url', description: 'Base URL of the website', required: true }]);

    const got = await client.getPrompt({ name: 'business_logic_implementation', arguments: { business_domain: 'ecommerce', requirements: 'user authentication' } });
    expect(firstText(got.messages[0])).toMatch(/^Implement business logic for the ecommerce domain in TypeScript\.\n\nRequirements:\nuser authentication\n/);
    expect(got.messages[0]!.role).toBe('user');
  });

  it('reports every missing required argument of prompts/get', async () => {
    const client = await connect(userKey);
    const err = await rejection(client.getPrompt({ name: 'business_logic_implementation', arguments: {} }));
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err.code).toBe(-32602);
    expect(err.message).toContain('business_domain, requirements');
  });

  it('creates, updates and restores templates with the tools; a legacy session hears prompts/list_changed', async () => {
    const client = await connect(userKey);
    const notifications = new NotificationRecorder(client);
    // The session's GET stream opens after connecting; a list call makes sure it is up.
    await client.listPrompts();
    await new Promise((r) => setTimeout(r, 200));

    let changed = notifications.next('notifications/prompts/list_changed');
    const created = await client.callTool({
      name: 'create_prompt_template',
      arguments: { name: 'release_notes', description: 'Release notes', category: 'writing', arguments: [{ name: 'version', required: true }], body: 'Write notes for {{ version }}.' },
    });
    expect(created.isError).toBeFalsy();
    expect(created.structuredContent).toMatchObject({ name: 'release_notes', version: 1 });
    await changed;
    const listed = (await client.listPrompts()).prompts.find((p) => p.name === 'release_notes');
    expect(listed).toMatchObject({ description: 'Release notes', arguments: [{ name: 'version', required: true }] });
    expect(firstText((await client.getPrompt({ name: 'release_notes', arguments: { version: '1.2' } })).messages[0])).toBe('Write notes for 1.2.');

    changed = notifications.next('notifications/prompts/list_changed');
    const updated = await client.callTool({ name: 'update_prompt_template', arguments: { name: 'release_notes', body: 'Notes v2 for {{ version }}.' } });
    expect(updated.structuredContent).toMatchObject({ version: 2 });
    await changed;
    expect(firstText((await client.getPrompt({ name: 'release_notes', arguments: { version: '2.0' } })).messages[0])).toBe('Notes v2 for 2.0.');

    const old = await client.callTool({ name: 'render_prompt', arguments: { name: 'release_notes', arguments: { version: '1.0' }, version: 1 } });
    expect(old.structuredContent).toEqual({ text: 'Write notes for 1.0.', template: 'release_notes', version: 1, arguments: { version: '1.0' } });

    const restored = await client.callTool({ name: 'restore_prompt_template', arguments: { name: 'release_notes', version: 1 } });
    expect(restored.structuredContent).toMatchObject({ version: 3 });
    expect(firstText((await client.getPrompt({ name: 'release_notes', arguments: { version: '3' } })).messages[0])).toBe('Write notes for 3.');

    const categories = await client.callTool({ name: 'list_prompt_categories', arguments: {} });
    expect((categories.structuredContent as Json).categories).toContainEqual({ category: 'writing', count: 1 });

    const missing = await client.callTool({ name: 'render_prompt', arguments: { name: 'release_notes' } });
    expect(missing.isError).toBe(true);
    expect(firstText(missing)).toContain('missing required argument: version');

    changed = notifications.next('notifications/prompts/list_changed');
    const deleted = await client.callTool({ name: 'delete_prompt_template', arguments: { name: 'release_notes' } });
    expect(deleted.isError).toBeFalsy();
    await changed;
    expect((await client.listPrompts()).prompts.some((p) => p.name === 'release_notes')).toBe(false);
    await expect(client.getPrompt({ name: 'release_notes', arguments: { version: 'x' } })).rejects.toThrow(/Unknown prompt/);
  });

  it('tells a modern client listening for prompt list changes', async () => {
    const listener = await connect(userKey, 'modern');
    expect(listener.getProtocolEra()).toBe('modern');
    const notifications = new NotificationRecorder(listener);
    const subscription = await listener.listen({ promptsListChanged: true });
    try {
      expect(subscription.honoredFilter.promptsListChanged).toBe(true);
      const changed = notifications.next('notifications/prompts/list_changed');
      const writer = await connect(userKey);
      await writer.callTool({ name: 'create_prompt_template', arguments: { name: 'modern_one', body: 'hello' } });
      await changed;
      expect((await listener.listPrompts()).prompts.some((p) => p.name === 'modern_one')).toBe(true);
    } finally {
      await subscription.close();
    }
  });

  it('completes arguments from defaults and from the caller’s own recent values', async () => {
    const client = await connect(userKey);
    const complete = (c: Client, argument: string, value: string) =>
      c.complete({ ref: { type: 'ref/prompt', name: 'business_logic_implementation' }, argument: { name: argument, value } }).then((r) => r.completion.values);
    expect(await complete(client, 'language', 'ty')).toEqual(['TypeScript']);
    expect(await complete(client, 'language', 'py')).toEqual([]);
    await client.getPrompt({ name: 'business_logic_implementation', arguments: { business_domain: 'ecommerce', requirements: 'carts' } });
    await client.getPrompt({ name: 'business_logic_implementation', arguments: { business_domain: 'education', requirements: 'grades' } });
    expect(await complete(client, 'business_domain', 'e')).toEqual(['education', 'ecommerce']);
    expect(await complete(client, 'business_domain', 'ecom')).toEqual(['ecommerce']);
    // Another user's values are theirs.
    const other = await connect(otherUserKey);
    expect(await complete(other, 'business_domain', 'e')).toEqual([]);
  });

  it('hides the write tools from a role without prompts:manage, and templates from a role without prompts:get', async () => {
    const agent = await connect(agentKey);
    const tools = (await agent.listTools()).tools.map((t) => t.name);
    expect(tools).toContain('render_prompt');
    expect(tools).not.toContain('create_prompt_template');
    expect(tools).not.toContain('update_prompt_template');
    expect(tools).not.toContain('delete_prompt_template');
    await expect(agent.callTool({ name: 'create_prompt_template', arguments: { name: 'sneaky', body: 'x' } })).rejects.toThrow(/Unknown tool/);
    expect((await agent.getPrompt({ name: 'generate_sitemap', arguments: { base_url: 'https://example.org' } })).messages).toHaveLength(1);

    const narrow = await connect(narrowKey);
    expect((await narrow.listPrompts()).prompts.map((p) => p.name)).toEqual(['business_logic_implementation']);
    await expect(narrow.getPrompt({ name: 'analyze_seo' })).rejects.toThrow(/Unknown prompt/);
    const hidden = await narrow.callTool({ name: 'render_prompt', arguments: { name: 'analyze_seo' } });
    expect(hidden.isError).toBe(true);
    expect(firstText(hidden)).toContain('No prompt template named "analyze_seo"');
  });

  it('refuses a missing or wrong credential', async () => {
    await expect(connect(undefined)).rejects.toThrow();
    await expect(connect('pk_not_a_real_key')).rejects.toThrow();
  });

  it('counts renders per template in the usage statistics', async () => {
    const client = await connect(userKey);
    const before = await stats();
    for (let i = 0; i < 3; i++) await client.getPrompt({ name: 'generate_sitemap', arguments: { base_url: `https://e${i}.example` } });
    await client.callTool({ name: 'render_prompt', arguments: { name: 'optimize_images' } });
    const after = await stats();
    const count = (s: Json, name: string) => s.prompts.by_template.find((t: Json) => t.template === name)?.count ?? 0;
    expect(count(after, 'generate_sitemap') - count(before, 'generate_sitemap')).toBe(3);
    expect(count(after, 'optimize_images') - count(before, 'optimize_images')).toBe(1);
    expect(after.prompts.total - before.prompts.total).toBe(4);
  });

  async function stats(): Promise<Json> {
    const res = await fetch(`${server.url}/api/v1/stats`, { headers: { authorization: `Bearer ${userKey}` } });
    expect(res.status).toBe(200);
    return res.json();
  }
});
