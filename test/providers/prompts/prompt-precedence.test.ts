/**
 * A prompt another provider registers in code (the site provider's `analyze_seo`, …) and a library
 * template of the same name: the server starts without a duplicate-name error, the code prompt is
 * the MCP prompt, and the library template stays reachable through the library (REST, render_prompt).
 * And a REST render of a library prompt is limited like any other call.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import type { Provider } from '../../../src/providers/provider.js';
import { createPromptsProvider } from '../../../src/providers/prompts/prompts-provider.js';
import { startTestServer } from '../../helpers/test-server.js';
import { call } from '../../surfaces/rest/identity-kit.js';

/** Stands in for the site provider: a prompt in code named like a built-in library template. */
const codePrompts: Provider = {
  name: 'code-prompts',
  start({ catalog }) {
    catalog.add({
      kind: 'prompt',
      source: 'code-prompts',
      name: 'analyze_seo',
      description: 'The code version',
      get: () => ({ messages: [{ role: 'user', content: { type: 'text', text: 'from code' } }] }),
    });
  },
};

describe('library templates and prompts registered in code', async () => {
  const config = loadConfig({ env: {} });
  const server = await startTestServer({ PORTICO_ADMIN_PASSWORD: 'admin password for prompts' }, { providers: [codePrompts, createPromptsProvider(config)] });
  const { secret } = await server.identity.createKey({ name: 'u', role: 'user' });

  it('starts, keeps the code prompt in the catalog, and still renders the library template through the library', async () => {
    expect(server.catalog.prompt('analyze_seo')!.entry.source).toBe('code-prompts');
    expect(server.catalog.prompt('generate_sitemap')!.entry.source).toBe('prompts');
    const library = await call(server.url, 'GET', '/api/v1/prompts/analyze_seo/render', { token: secret });
    expect(library.body.text).toMatch(/^Analyze the application for SEO improvements/);
    const mirror = await call(server.url, 'POST', '/api/v1/mcp/prompts/analyze_seo', { token: secret, body: {} });
    expect(mirror.body.messages[0].content.text).toBe('from code');
    // Editing the library template leaves the code prompt in place.
    expect((await call(server.url, 'PUT', '/api/v1/prompts/analyze_seo', { token: secret, body: { body: 'edited' } })).status).toBe(200);
    expect(server.catalog.prompt('analyze_seo')!.entry.source).toBe('code-prompts');
  });
});

describe('REST renders share the pipeline’s rate limits', async () => {
  const server = await startTestServer(
    { PORTICO_ADMIN_PASSWORD: 'admin password for prompts', PORTICO_RATE_LIMITS__PER_MINUTE: '60', PORTICO_RATE_LIMITS__BURST: '2' },
    { providers: [createPromptsProvider(loadConfig({ env: {} }))] },
  );
  const { secret } = await server.identity.createKey({ name: 'u', role: 'user' });

  it('answers 429 with Retry-After once the caller’s burst is spent', async () => {
    const render = () => call(server.url, 'GET', '/api/v1/prompts/generate_sitemap/render?base_url=https://x.example', { token: secret });
    expect((await render()).status).toBe(200);
    expect((await render()).status).toBe(200);
    const limited = await render();
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
