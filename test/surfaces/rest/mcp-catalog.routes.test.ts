import { describe, expect, it } from 'vitest';
import { json } from '../../helpers/http.js';
import { startTestServer } from '../../helpers/test-server.js';
import { catalogFixture } from './catalog-fixture.js';

const JSON_HEADERS = { 'content-type': 'application/json' };

describe('REST mirror of the catalog', async () => {
  const fixture = catalogFixture();
  const server = await startTestServer({ PORTICO_AUTH__DISABLED: 'true' }, { providers: [fixture] });
  const api = (path: string, init?: RequestInit) => fetch(`${server.url}/api/v1${path}`, init);
  const post = (path: string, body?: unknown) => api(path, { method: 'POST', headers: JSON_HEADERS, body: body === undefined ? undefined : JSON.stringify(body) });

  describe('tools', () => {
    it('lists tools with their descriptors', async () => {
      const res = await api('/mcp/tools');
      expect(res.status).toBe(200);
      const { tools } = await json(res);
      expect(tools.map((t: { name: string }) => t.name)).toEqual(expect.arrayContaining(['echo', 'ns/ping', 'refuse', 'confirm_delete']));
      expect(tools.find((t: { name: string }) => t.name === 'echo')).toEqual({
        name: 'echo',
        description: 'Echo a text back',
        inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'], additionalProperties: false },
      });
    });

    it('calls a tool with the body as its arguments', async () => {
      const res = await post('/mcp/tools/echo', { text: 'hi there' });
      expect(res.status).toBe(200);
      expect(await json(res)).toEqual({ content: [{ type: 'text', text: 'hi there' }], structuredContent: { text: 'hi there' } });
      const charset = await api('/mcp/tools/echo', { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"text":"é"}' });
      expect((await json(charset)).content[0].text).toBe('é');
    });

    it('treats an empty body, with or without a JSON content type, as no arguments', async () => {
      const typed = await api('/mcp/tools/ns%2Fping', { method: 'POST', headers: JSON_HEADERS, body: '' });
      expect(typed.status).toBe(200);
      expect((await json(typed)).content[0].text).toBe('pong');
      const bare = await api('/mcp/tools/ns%2Fping', { method: 'POST' });
      expect(bare.status).toBe(200);
      // An empty body is `{}`, which the echo schema then rejects as missing `text`.
      const echo = await json(api('/mcp/tools/echo', { method: 'POST' }));
      expect(echo.isError).toBe(true);
      expect(echo.content[0].text).toContain('missing required property "text"');
    });

    it('answers invalid arguments with an isError result naming the field', async () => {
      const res = await post('/mcp/tools/echo', { text: 42 });
      expect(res.status).toBe(200);
      const body = await json(res);
      expect(body.isError).toBe(true);
      expect(body.content[0].text).toMatch(/^Invalid arguments for tool echo: \/text: must be string/);
      const extra = await json(post('/mcp/tools/echo', { text: 'x', shout: true }));
      expect(extra.isError).toBe(true);
      expect(extra.content[0].text).toContain('unexpected property "shout"');
    });

    it('reports a tool failure as an isError result, without leaking internal errors', async () => {
      const refused = await json(post('/mcp/tools/refuse', {}));
      expect(refused).toEqual({ content: [{ type: 'text', text: 'The vault is closed.' }], isError: true });
      const crashed = await post('/mcp/tools/crash', {});
      expect(crashed.status).toBe(200);
      const text = JSON.stringify(await json(crashed));
      expect(text).toContain('internal error');
      expect(text).not.toContain('hunter2');
      expect(text).not.toContain('/srv/secret');
    });

    it('answers an unknown tool with 404 not_found', async () => {
      const res = await post('/mcp/tools/no_such_tool', {});
      expect(res.status).toBe(404);
      expect(await json(res)).toEqual({ error: { code: 'not_found', message: 'Unknown tool: no_such_tool' } });
    });

    it('answers a tool that needs input with 409 listing what it asked, without its state', async () => {
      const res = await post('/mcp/tools/confirm_delete', {});
      expect(res.status).toBe(409);
      const body = await json(res);
      expect(body.error.code).toBe('conflict');
      expect(body.error.message).toContain('elicitation/create');
      expect(body.error.details).toEqual({
        inputRequired: {
          confirm: { method: 'elicitation/create', params: { mode: 'form', message: 'Delete everything?', requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } } } },
        },
      });
      expect(JSON.stringify(body)).not.toContain('do-not-return');
    });

    it('refuses a body that is not a JSON object with 400', async () => {
      for (const body of ['[1,2]', '"text"', '42', 'null']) {
        const res = await api('/mcp/tools/echo', { method: 'POST', headers: JSON_HEADERS, body });
        expect(res.status, body).toBe(400);
        expect((await json(res)).error.code, body).toBe('validation_failed');
      }
      const broken = await api('/mcp/tools/echo', { method: 'POST', headers: JSON_HEADERS, body: '{"text":' });
      expect(broken.status).toBe(400);
      expect((await json(broken)).error.code).toBe('bad_request');
      const poisoned = await api('/mcp/tools/echo', { method: 'POST', headers: JSON_HEADERS, body: '{"text":"x","__proto__":{"admin":true}}' });
      expect(poisoned.status).toBe(400);
    });

    it('refuses an oversized body with 413 before running the tool', async () => {
      const res = await post('/mcp/tools/echo', { text: 'a'.repeat(2_000_000) });
      expect(res.status).toBe(413);
      expect((await json(res)).error.code).toBe('payload_too_large');
    });

    it('cancels the call when the client disconnects', async () => {
      const controller = new AbortController();
      const pending = api('/mcp/tools/wait_for_cancel', { method: 'POST', headers: JSON_HEADERS, body: '{}', signal: controller.signal }).catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 100));
      controller.abort();
      expect(await pending).toBeInstanceOf(Error);
      const reason = await Promise.race([fixture.probe.cancelled, new Promise((r) => setTimeout(() => r('not cancelled'), 2000))]);
      expect(reason).toMatchObject({ code: 'cancelled' });
    });

    it('does not cancel a call whose client is still waiting', async () => {
      const res = await post('/mcp/tools/slow_ok', { ms: 150 });
      expect((await json(res)).content[0].text).toBe('done');
    });
  });

  describe('resources', () => {
    it('lists resources and templates', async () => {
      const res = await api('/mcp/resources');
      expect(res.status).toBe(200);
      expect(await json(res)).toEqual({
        resources: [{ uri: 'portico://docs/readme', name: 'readme', mimeType: 'text/markdown' }],
        resourceTemplates: [{ uriTemplate: 'portico://greetings/{name}', name: 'greeting', mimeType: 'text/plain' }],
      });
    });

    it('reads a resource by ?uri=', async () => {
      const res = await api(`/mcp/resources/read?uri=${encodeURIComponent('portico://docs/readme')}`);
      expect(res.status).toBe(200);
      expect(await json(res)).toEqual({ contents: [{ uri: 'portico://docs/readme', mimeType: 'text/markdown', text: '# Read me' }] });
    });

    it('reads a resource and a template by path under the configured scheme', async () => {
      expect(await json(api('/mcp/resources/docs/readme'))).toEqual({ contents: [{ uri: 'portico://docs/readme', mimeType: 'text/markdown', text: '# Read me' }] });
      expect((await json(api('/mcp/resources/greetings/bob'))).contents).toEqual([{ uri: 'portico://greetings/bob', mimeType: 'text/plain', text: 'Hello, bob!' }]);
    });

    it('answers an unknown resource with 404 and its URI', async () => {
      const byPath = await api('/mcp/resources/docs/missing');
      expect(byPath.status).toBe(404);
      expect(await json(byPath)).toEqual({ error: { code: 'not_found', message: 'Resource not found: portico://docs/missing', details: { uri: 'portico://docs/missing' } } });
      const byQuery = await api(`/mcp/resources/read?uri=${encodeURIComponent('file:///etc/passwd')}`);
      expect(byQuery.status).toBe(404);
      expect((await json(byQuery)).error.details).toEqual({ uri: 'file:///etc/passwd' });
    });

    it('treats a traversal path as an unknown URI, never as a file', async () => {
      const first = await json(api('/mcp/resources/..%2f..%2fetc%2fpasswd'));
      expect(first.error.details).toEqual({ uri: 'portico://../../etc/passwd' });
      for (const path of ['..%2f..%2fetc%2fpasswd', '..%2F..%2F..%2F..%2Fetc%2Fpasswd', 'docs%2f..%2f..%2fpackage.json']) {
        const res = await api(`/mcp/resources/${path}`);
        expect(res.status, path).toBe(404);
        const body = await res.text();
        expect(body).not.toMatch(/root:|"name": ?"portico"/);
        expect(JSON.parse(body).error.code).toBe('not_found');
      }
    });

    it('requires the uri parameter', async () => {
      const res = await api('/mcp/resources/read');
      expect(res.status).toBe(400);
      expect((await json(res)).error.code).toBe('validation_failed');
    });
  });

  describe('prompts and completion', () => {
    it('lists prompts', async () => {
      const { prompts } = await json(api('/mcp/prompts'));
      expect(prompts).toEqual([
        {
          name: 'summarize',
          description: 'Summarize a topic',
          arguments: [
            { name: 'topic', description: 'What to summarize', required: true },
            { name: 'style', description: 'How' },
          ],
        },
      ]);
    });

    it('renders a prompt with its arguments', async () => {
      const res = await post('/mcp/prompts/summarize', { arguments: { topic: 'cats', style: 'terse' } });
      expect(res.status).toBe(200);
      expect(await json(res)).toEqual({ description: 'A summary request', messages: [{ role: 'user', content: { type: 'text', text: 'Summarize cats in a terse style.' } }] });
    });

    it('answers missing required arguments with 400 listing them', async () => {
      for (const res of [await post('/mcp/prompts/summarize', { arguments: { style: 'terse' } }), await post('/mcp/prompts/summarize')]) {
        expect(res.status).toBe(400);
        expect(await json(res)).toEqual({
          error: { code: 'validation_failed', message: 'Prompt summarize is missing required argument: topic', details: { missing: ['topic'] } },
        });
      }
    });

    it('refuses malformed prompt bodies and unknown prompts', async () => {
      expect((await post('/mcp/prompts/summarize', { arguments: { topic: 7 } })).status).toBe(400);
      expect((await post('/mcp/prompts/summarize', { topic: 'cats' })).status).toBe(400);
      const unknown = await post('/mcp/prompts/nope', {});
      expect(unknown.status).toBe(404);
      expect((await json(unknown)).error.code).toBe('not_found');
    });

    it('completes prompt arguments and template variables', async () => {
      const prompt = await post('/mcp/complete', { ref: { type: 'ref/prompt', name: 'summarize' }, argument: { name: 'topic', value: 'ca' } });
      expect(prompt.status).toBe(200);
      expect(await json(prompt)).toEqual({ completion: { values: ['cats', 'cars'], total: 2, hasMore: false } });
      const template = await json(post('/mcp/complete', { ref: { type: 'ref/resource', uri: 'portico://greetings/{name}' }, argument: { name: 'name', value: 'al' } }));
      expect(template.completion.values).toEqual(['alice', 'albert']);
      const none = await json(post('/mcp/complete', { ref: { type: 'ref/prompt', name: 'summarize' }, argument: { name: 'style', value: '' } }));
      expect(none).toEqual({ completion: { values: [], total: 0, hasMore: false } });
    });

    it('refuses malformed completion requests and unknown references', async () => {
      const bad = await post('/mcp/complete', { ref: { type: 'ref/tool', name: 'echo' }, argument: { name: 'x', value: '' } });
      expect(bad.status).toBe(400);
      expect((await json(bad)).error.code).toBe('validation_failed');
      const unknown = await post('/mcp/complete', { ref: { type: 'ref/prompt', name: 'nope' }, argument: { name: 'x', value: '' } });
      expect(unknown.status).toBe(404);
    });
  });

  it('documents every catalog route in OpenAPI with named schemas', async () => {
    const doc = await json(fetch(`${server.url}/openapi.json`));
    const paths = Object.keys(doc.paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/api/v1/mcp/tools',
        '/api/v1/mcp/tools/{name}',
        '/api/v1/mcp/resources',
        '/api/v1/mcp/resources/read',
        '/api/v1/mcp/resources/{*}',
        '/api/v1/mcp/prompts',
        '/api/v1/mcp/prompts/{name}',
        '/api/v1/mcp/complete',
      ]),
    );
    const call = doc.paths['/api/v1/mcp/tools/{name}'].post;
    expect(call.tags).toEqual(['mcp']);
    expect(call.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ToolArgumentsInput' });
    expect(call.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/CallToolResult' });
    expect(call.responses['409'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
    const read = doc.paths['/api/v1/mcp/resources/read'].get;
    expect(read.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ in: 'query', name: 'uri', required: true })]));
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(['ToolList', 'CallToolResult', 'ContentBlock', 'ResourceList', 'ReadResourceResult', 'PromptList', 'GetPromptRequest', 'GetPromptResult', 'CompleteRequest', 'CompleteResult']),
    );
  });
});

describe('REST mirror of the catalog without --no-auth', async () => {
  const server = await startTestServer({}, { providers: [catalogFixture()] });
  const routes: [string, string, string?][] = [
    ['GET', '/api/v1/mcp/tools'],
    ['POST', '/api/v1/mcp/tools/echo', '{"text":"hi"}'],
    ['GET', '/api/v1/mcp/resources'],
    ['GET', '/api/v1/mcp/resources/read?uri=portico%3A%2F%2Fdocs%2Freadme'],
    ['GET', '/api/v1/mcp/resources/docs/readme'],
    ['GET', '/api/v1/mcp/prompts'],
    ['POST', '/api/v1/mcp/prompts/summarize', '{"arguments":{"topic":"x"}}'],
    ['POST', '/api/v1/mcp/complete', '{"ref":{"type":"ref/prompt","name":"summarize"},"argument":{"name":"topic","value":""}}'],
  ];
  const credentials: [string, Record<string, string>][] = [
    ['no credential', {}],
    ['a wrong bearer token', { authorization: 'Bearer nope' }],
    ['a wrong API key', { 'x-api-key': 'nope' }],
  ];

  for (const [what, headers] of credentials) {
    it(`answers 401 with a challenge on every route for ${what}`, async () => {
      for (const [method, path, body] of routes) {
        const res = await fetch(`${server.url}${path}`, { method, headers: { ...headers, ...(body ? JSON_HEADERS : {}) }, body });
        expect(res.status, `${method} ${path}`).toBe(401);
        // With OAuth on (the default) the challenge also points at the protected resource metadata.
        expect(res.headers.get('www-authenticate'), `${method} ${path}`).toMatch(/^Bearer realm="portico", resource_metadata="[^"]+\/\.well-known\/oauth-protected-resource\/mcp"/);
        expect((await json(res)).error.code).toBe('unauthenticated');
      }
    });
  }

  it('authenticates before reading the body, so anonymous callers learn nothing from validation', async () => {
    const res = await fetch(`${server.url}/api/v1/mcp/tools/echo`, { method: 'POST', headers: JSON_HEADERS, body: '[1,2,3]' });
    expect(res.status).toBe(401);
    const broken = await fetch(`${server.url}/api/v1/mcp/complete`, { method: 'POST', headers: JSON_HEADERS, body: '{' });
    expect(broken.status).toBe(401);
  });
});
