/**
 * AI generation end to end against a real server, local fakes of the OpenAI and Anthropic APIs and
 * real MCP SDK clients: AI configurations over REST (who may, hostile input, keys sealed and never
 * shown), `generate` over REST and MCP (success, fallback from a failing primary, rate limits),
 * background generations with `GET /jobs/{id}` and `get_job`, generation stats, and client sampling
 * when no model is configured (legacy sessions and modern `input_required`).
 */
import { randomBytes } from 'node:crypto';
import { ProtocolError } from '@modelcontextprotocol/client';
import { afterAll, describe, expect, it } from 'vitest';
import { activeDialects } from '../../../helpers/dialects.js';
import type { Json } from '../../../helpers/http.js';
import { CLIENT_ANSWERS, eventually, firstText } from '../../../helpers/mcp-clients.js';
import { startModelApiFake } from '../../../helpers/model-api-fakes.js';
import { modernPost, rpcBody } from '../../../surfaces/mcp-http/mcp-http-kit.js';
import { dropPostgresSchemas } from '../../../helpers/dialects.js';
import { startGenerationServer } from './generation-kit.js';

const SECRET_A = 'sk-primary-SECRET-aaaaaaaaaaaaaaaaaaaa';
const SECRET_B = 'sk-ant-fallback-SECRET-bbbbbbbbbbbbbbbb';
const SECRET_C = 'sk-tight-SECRET-cccccccccccccccccccc';

describe.each(activeDialects)('AI generation over REST and MCP [%s]', async (dialect) => {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  afterAll(async () => {
    if (dialect === 'postgres') await dropPostgresSchemas(schema);
  });
  const fake = await startModelApiFake();
  const g = await startGenerationServer(dialect === 'postgres' ? { DATABASE_URL: process.env.TEST_DATABASE_URL!, PORTICO_DATABASE__SCHEMA: schema } : {});
  const { api } = g;
  const admin = await g.key('admin');
  const user = await g.key('user');
  const otherUser = await g.key('user');
  const reader = await g.key('readonly');
  const agent = await g.key('ai_agent');
  const db = g.server.database.db;
  await g.server.services.prompts!.create({ name: 'greet', title: 'Greet', arguments: [{ name: 'who', required: true }], body: 'Say hello to {{ who }}' }, 'test');

  const primary = { name: 'primary', provider: 'openai', model: 'fail-500', base_url: fake.openaiBaseUrl, api_key: SECRET_A, fallback_order: 0 };
  const secondary = { name: 'secondary', provider: 'anthropic', model: 'claude-test', base_url: fake.anthropicBaseUrl, api_key: SECRET_B, fallback_order: 1, parameters: { max_tokens: 300 } };
  const setEnabled = async (name: string, enabled: boolean) => expect((await api('PUT', `/ai-configurations/${name}`, admin, { enabled })).status).toBe(200);

  it('asks for a credential, refuses a wrong one, and checks the role on every new endpoint', async () => {
    const endpoints: [string, string, unknown?][] = [
      ['GET', '/ai-configurations'],
      ['POST', '/ai-configurations', primary],
      ['GET', '/ai-configurations/primary'],
      ['PUT', '/ai-configurations/primary', { enabled: false }],
      ['DELETE', '/ai-configurations/primary'],
      ['GET', '/jobs'],
      ['GET', '/jobs/some-id'],
      ['POST', '/jobs/some-id/retry'],
      ['POST', '/prompts/greet/generate', { arguments: { who: 'x' } }],
      ['GET', '/generations'],
      ['GET', '/generations/some-id'],
    ];
    for (const [method, path, body] of endpoints) {
      const none = await api(method, path, undefined, body);
      expect(none.status, `${method} ${path} without a credential`).toBe(401);
      expect(none.body.error.code).toBe('unauthenticated');
      expect((await api(method, path, 'pk_wrong_0000000000000000000000', body)).status, `${method} ${path} with a wrong key`).toBe(401);
    }
    for (const [method, path, body] of endpoints.filter(([, p]) => p.startsWith('/ai-configurations'))) {
      for (const who of [user, agent]) {
        const refused = await api(method, path, who, body);
        expect(refused.status, `${method} ${path} as a non-admin`).toBe(403);
        expect(refused.body.error.message).toContain('ai:manage');
      }
    }
    expect((await api('POST', '/jobs/some-id/retry', user)).status).toBe(403);
    const readerGenerate = await api('POST', '/prompts/greet/generate', reader, { arguments: { who: 'x' } });
    expect(readerGenerate.status).toBe(403);
    expect(readerGenerate.body.error.message).toContain('prompts:generate');
  });

  it('manages AI configurations: the key is sealed at rest and never comes back', async () => {
    const created = await api('POST', '/ai-configurations', admin, primary);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'primary', provider: 'openai', model: 'fail-500', has_api_key: true, fallback_order: 0, enabled: true, parameters: {} });
    expect(created.body).not.toHaveProperty('api_key');
    expect((await api('POST', '/ai-configurations', admin, secondary)).status).toBe(201);
    expect((await api('POST', '/ai-configurations', admin, primary)).status).toBe(409);

    const list = await api('GET', '/ai-configurations', admin);
    expect(list.body.items.map((c: Json) => c.name)).toEqual(['primary', 'secondary']);
    expect((await api('GET', '/ai-configurations/secondary', admin)).body.parameters).toEqual({ max_tokens: 300 });
    expect((await api('GET', '/ai-configurations/nope', admin)).status).toBe(404);
    const shown = JSON.stringify([created.body, list.body, (await api('GET', '/ai-configurations/primary', admin)).body]);
    expect(shown).not.toContain(SECRET_A);
    expect(shown).not.toContain(SECRET_B);

    const rows = await db.selectFrom('ai_configurations').select(['name', 'api_key_sealed']).execute();
    for (const row of rows) {
      expect(row.api_key_sealed).toMatch(/^v1\./);
      expect(row.api_key_sealed).not.toContain('SECRET');
    }

    const renamed = await api('PUT', '/ai-configurations/primary', admin, { model: 'fail-502' });
    expect(renamed.body).toMatchObject({ model: 'fail-502', has_api_key: true });
    expect((await api('PUT', '/ai-configurations/primary', admin, { api_key: null })).body.has_api_key).toBe(false);
    expect((await api('PUT', '/ai-configurations/primary', admin, { api_key: SECRET_A, model: 'fail-500' })).body).toMatchObject({ has_api_key: true, model: 'fail-500' });
    expect((await api('PUT', '/ai-configurations/ghost', admin, { enabled: false })).status).toBe(404);

    const scratch = { name: 'scratch', provider: 'openai', model: 'm' };
    expect((await api('POST', '/ai-configurations', admin, scratch)).status).toBe(201);
    expect((await api('DELETE', '/ai-configurations/scratch', admin)).status).toBe(204);
    expect((await api('DELETE', '/ai-configurations/scratch', admin)).status).toBe(404);
  });

  it('rejects hostile or malformed configurations with a clear validation error', async () => {
    const bad: Json[] = [
      { name: 'compat', provider: 'openai-compatible', model: 'llama' },
      { name: 'files', provider: 'openai', model: 'm', base_url: 'file:///etc/passwd' },
      { name: 'creds', provider: 'openai', model: 'm', base_url: 'http://user:pass@127.0.0.1:1/v1' },
      { name: '../escape', provider: 'openai', model: 'm' },
      { name: 'x'.repeat(65), provider: 'openai', model: 'm' },
      { name: 'unknown', provider: 'cohere', model: 'm' },
      { name: 'extra', provider: 'openai', model: 'm', api_key_plain: 'x' },
      { name: 'hot', provider: 'openai', model: 'm', parameters: { temperature: 7 } },
      { name: 'params', provider: 'openai', model: 'm', parameters: { logit_bias: {} } },
      { name: 'rate', provider: 'openai', model: 'm', rate_limit_per_minute: 0 },
    ];
    for (const body of bad) {
      const res = await api('POST', '/ai-configurations', admin, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    expect((await api('PUT', '/ai-configurations/secondary', admin, { provider: 'openai-compatible', base_url: null })).status).toBe(400);
    expect((await api('GET', '/ai-configurations', admin)).body.items.map((c: Json) => c.name)).toEqual(['primary', 'secondary']);
  });

  it('generates over REST with the decrypted key, falling back from a failing primary to the next configuration', async () => {
    const before = fake.requestsFor('fail-500').length;
    const res = await api('POST', '/prompts/greet/generate', user, { arguments: { who: 'Ada' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      template: 'greet',
      version: 1,
      configuration: 'secondary',
      provider: 'anthropic',
      model: 'claude-test',
      output: '[claude-test] Say hello to Ada',
      input_tokens: 4,
      output_tokens: 5,
      job_id: null,
      fell_back_from: [{ configuration: 'primary', reason: expect.stringMatching(/HTTP 500/) }],
    });
    expect(res.body.latency_ms).toBeGreaterThan(0);
    // The primary was tried and retried once (ai.maxRetries = 1) with its own key; the fallback with its own.
    const tried = fake.requestsFor('fail-500').slice(before);
    expect(tried).toHaveLength(2);
    expect(tried.every((r) => r.apiKey === SECRET_A)).toBe(true);
    expect(fake.requestsFor('claude-test').at(-1)).toMatchObject({ apiKey: SECRET_B, body: { max_tokens: 300 } });

    const stored = await db.selectFrom('generations').selectAll().where('id', '=', res.body.generation_id).executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ template_name: 'greet', template_version: 1, configuration: 'secondary', output: '[claude-test] Say hello to Ada', surface: 'rest' });
    expect(JSON.parse(stored.arguments)).toEqual({ who: 'Ada' });
    expect(stored.principal_id).toMatch(/^key:/);
  });

  it('generates over MCP (modern and legacy clients), naming a configuration, and reports bad input clearly', async () => {
    for (const era of ['modern', 'legacy'] as const) {
      const { client } = await g.connect(agent, era);
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(expect.arrayContaining(['generate', 'get_job']));
      const result = (await client.callTool({ name: 'generate', arguments: { template: 'greet', arguments: { who: `Grace ${era}` }, configuration: 'secondary', max_tokens: 50 } })) as Json;
      expect(result.isError).toBeFalsy();
      expect(firstText(result)).toBe(`[claude-test] Say hello to Grace ${era}`);
      expect(result.structuredContent).toMatchObject({ configuration: 'secondary', fell_back_from: [], input_tokens: 5 });
      expect(fake.requestsFor('claude-test').at(-1)!.body.max_tokens).toBe(50);

      const missing = (await client.callTool({ name: 'generate', arguments: { template: 'greet' } })) as Json;
      expect(missing.isError).toBe(true);
      expect(firstText(missing)).toMatch(/who/);
      const unknown = (await client.callTool({ name: 'generate', arguments: { template: 'nope' } })) as Json;
      expect(unknown.isError).toBe(true);
      const badConfig = (await client.callTool({ name: 'generate', arguments: { template: 'greet', arguments: { who: 'x' }, configuration: 'ghost' } })) as Json;
      expect(firstText(badConfig)).toMatch(/No AI configuration named ghost/);
      const hostile = (await client.callTool({ name: 'generate', arguments: { template: 'greet', arguments: { who: 42 }, temperature: 99 } })) as Json;
      expect(hostile.isError).toBe(true);
      expect(firstText(hostile)).toMatch(/Invalid arguments/);
    }
    // Generating needs the template to be visible too, like rendering it.
    await g.server.identity.saveRole({ name: 'greeter', permissions: ['prompts:generate', 'prompts:get:greet'] });
    const greeter = await g.key('greeter');
    const { client: greeterClient } = await g.connect(greeter, 'modern');
    const hidden = (await greeterClient.callTool({ name: 'generate', arguments: { template: 'business_logic_implementation', arguments: { business_domain: 'x', requirements: 'y' } } })) as Json;
    expect(hidden.isError).toBe(true);
    expect(firstText(hidden)).toMatch(/No prompt template named "business_logic_implementation"/);
    expect(firstText((await greeterClient.callTool({ name: 'generate', arguments: { template: 'greet', arguments: { who: 'me' } } })) as Json)).toMatch(/Say hello to me$/);
    expect((await api('POST', '/prompts/business_logic_implementation/generate', greeter, { arguments: { business_domain: 'x', requirements: 'y' } })).status).toBe(404);
    expect((await api('POST', '/prompts/greet/generate', greeter, { arguments: { who: 'me' } })).status).toBe(200);
    // A role without prompts:generate does not even see the tool.
    const { client: readerClient } = await g.connect(reader, 'modern');
    expect((await readerClient.listTools()).tools.map((t) => t.name)).not.toContain('generate');

    const missing = await api('POST', '/prompts/greet/generate', user, {});
    expect(missing.status).toBe(400);
    expect(missing.body.error.details.missing).toEqual(['who']);
    expect((await api('POST', '/prompts/nope/generate', user, {})).status).toBe(404);
    expect((await api('POST', '/prompts/greet/generate', user, { arguments: { who: 'x' }, configuration: 'ghost' })).status).toBe(404);
    expect((await api('POST', '/prompts/greet/generate', user, { arguments: { who: 'x' }, temperature: 3 })).status).toBe(400);
  });

  it('keeps a configuration within its rate limit: over it the next one answers; with nothing left, 429', async () => {
    expect((await api('POST', '/ai-configurations', admin, { name: 'tight', provider: 'openai', model: 'gpt-tight', base_url: fake.openaiBaseUrl, api_key: SECRET_C, rate_limit_per_minute: 1 })).status).toBe(201);
    const first = await api('POST', '/prompts/greet/generate', user, { arguments: { who: 'one' }, configuration: 'tight' });
    expect(first.body).toMatchObject({ configuration: 'tight', output: '[gpt-tight] Say hello to one', fell_back_from: [] });
    const second = await api('POST', '/prompts/greet/generate', user, { arguments: { who: 'two' }, configuration: 'tight' });
    expect(second.body.fell_back_from[0]).toEqual({ configuration: 'tight', reason: 'rate limit of 1/min reached' });
    expect(second.body.configuration).toBe('secondary');

    await setEnabled('primary', false);
    await setEnabled('secondary', false);
    const limited = await api('POST', '/prompts/greet/generate', user, { arguments: { who: 'three' }, configuration: 'tight' });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(fake.requestsFor('gpt-tight')).toHaveLength(1);
    await setEnabled('primary', true);
    await setEnabled('secondary', true);
    expect((await api('DELETE', '/ai-configurations/tight', admin)).status).toBe(204);
  });

  it('runs a background generation as a job: an id at once, then status and result for its owner (and admins) only', async () => {
    const queued = await api('POST', '/prompts/greet/generate', user, { arguments: { who: 'Background' }, background: true });
    expect(queued.status).toBe(202);
    expect(queued.body.status).toBe('queued');
    const id = queued.body.job_id as string;
    const done = await eventually(() => api('GET', `/jobs/${id}`, user), (r) => r.body.status === 'succeeded', 10_000);
    expect(done.body).toMatchObject({ id, kind: 'generate', attempts: 1, error: null, result: { output: '[claude-test] Say hello to Background', configuration: 'secondary', job_id: id } });
    expect((await db.selectFrom('generations').select('job_id').where('id', '=', done.body.result.generation_id).executeTakeFirstOrThrow()).job_id).toBe(id);

    expect((await api('GET', `/jobs/${id}`, otherUser)).status).toBe(404);
    expect((await api('GET', `/jobs/${id}`, admin)).status).toBe(200);
    expect((await api('GET', '/jobs', user)).body.items.map((j: Json) => j.id)).toContain(id);
    expect((await api('GET', '/jobs', otherUser)).body.items).toEqual([]);
    expect((await api('GET', '/jobs/../../etc', user)).status).toBe(404);

    // The same over MCP, with a background call made there.
    const { client } = await g.connect(user, 'legacy');
    const started = (await client.callTool({ name: 'generate', arguments: { template: 'greet', arguments: { who: 'MCP job' }, background: true } })) as Json;
    const mcpJob = started.structuredContent.job_id as string;
    expect(firstText(started)).toContain(mcpJob);
    const polled = await eventually(
      async () => (await client.callTool({ name: 'get_job', arguments: { id: mcpJob } })) as Json,
      (r) => r.structuredContent?.status === 'succeeded',
      10_000,
    );
    expect(polled.structuredContent.result.output).toBe('[claude-test] Say hello to MCP job');
    expect(firstText(polled)).toMatch(/succeeded, attempt 1 of 3\.\n\n\[claude-test\] Say hello to MCP job$/);
    const { client: stranger } = await g.connect(otherUser, 'modern');
    const hidden = (await stranger.callTool({ name: 'get_job', arguments: { id: mcpJob } })) as Json;
    expect(hidden.isError).toBe(true);
    expect(firstText(hidden)).toMatch(/No job/);

    // Bad input fails the call, not later in the worker.
    const bad = await api('POST', '/prompts/greet/generate', user, { background: true });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.missing).toEqual(['who']);
  });

  it('dead-letters a background generation whose models keep failing, and an admin can queue it again', async () => {
    await setEnabled('secondary', false);
    const queued = await api('POST', '/prompts/greet/generate', user, { arguments: { who: 'Doomed' }, background: true });
    const id = queued.body.job_id as string;
    const dead = await eventually(() => api('GET', `/jobs/${id}`, user), (r) => r.body.status === 'dead', 15_000);
    expect(dead.body).toMatchObject({ attempts: 3, max_attempts: 3, error: expect.stringMatching(/No AI configuration could answer.*primary: .*HTTP 500/) });
    await setEnabled('secondary', true);
    const retried = await api('POST', `/jobs/${id}/retry`, admin);
    expect(retried.body).toMatchObject({ status: 'queued', attempts: 0 });
    expect((await eventually(() => api('GET', `/jobs/${id}`, user), (r) => r.body.status === 'succeeded', 10_000)).body.result.output).toBe('[claude-test] Say hello to Doomed');
  });

  it('documents the new endpoints in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${g.server.url}/openapi.json`)).json()) as Json;
    for (const path of ['/api/v1/ai-configurations', '/api/v1/ai-configurations/{name}', '/api/v1/jobs', '/api/v1/jobs/{id}', '/api/v1/jobs/{id}/retry', '/api/v1/prompts/{name}/generate', '/api/v1/generations', '/api/v1/generations/{id}']) {
      expect(doc.paths[path], path).toBeDefined();
    }
    expect(JSON.stringify(doc.components.schemas.AiConfiguration)).not.toContain('"api_key"');
  });

  it('lists stored generations: your own, or everyone’s with ai:manage', async () => {
    const mine = await api('GET', '/generations?template=greet', user);
    expect(mine.status).toBe(200);
    expect(mine.body.items.length).toBeGreaterThanOrEqual(3);
    const ownerId = mine.body.items[0].principal_id as string;
    expect(mine.body.items.every((x: Json) => x.principal_id === ownerId && x.template === 'greet')).toBe(true);
    expect(mine.body.items.map((x: Json) => x.output)).toContain('[claude-test] Say hello to Ada');
    expect(mine.body.items.find((x: Json) => x.output === '[claude-test] Say hello to Ada')).toMatchObject({ arguments: { who: 'Ada' }, surface: 'rest', configuration: 'secondary' });
    const id = mine.body.items[0].generation_id as string;
    expect((await api('GET', `/generations/${id}`, user)).body.generation_id).toBe(id);
    expect((await api('GET', `/generations/${id}`, otherUser)).status).toBe(404);
    expect((await api('GET', '/generations', otherUser)).body.items).toEqual([]);
    const all = await api('GET', '/generations?limit=500', admin);
    expect(new Set(all.body.items.map((x: Json) => x.principal_id)).size).toBeGreaterThanOrEqual(2);
    expect((await api('GET', `/generations/${id}`, admin)).status).toBe(200);
    expect((await api('GET', '/generations', undefined)).status).toBe(401);
  });

  it('adds generations by configuration (count, latency, tokens) to GET /stats', async () => {
    const stats = await api('GET', '/stats', admin);
    expect(stats.status).toBe(200);
    const secondaryStats = stats.body.generations.by_configuration.find((c: Json) => c.configuration === 'secondary');
    expect(secondaryStats.count).toBeGreaterThanOrEqual(6);
    expect(secondaryStats.input_tokens).toBeGreaterThan(0);
    expect(secondaryStats.output_tokens).toBeGreaterThan(0);
    expect(secondaryStats.average_latency_ms).toBeGreaterThan(0);
    expect(stats.body.generations.total).toBe(stats.body.generations.by_configuration.reduce((n: number, c: Json) => n + c.count, 0));
    expect(stats.body.prompts.by_template.find((t: Json) => t.template === 'greet').count).toBeGreaterThan(0);
  });

  it('asks the calling client to sample when no model is configured: legacy sessions and modern input_required alike', async () => {
    for (const name of ['primary', 'secondary']) await setEnabled(name, false);
    for (const era of ['legacy', 'modern'] as const) {
      const { client, answered } = await g.connect(user, era, { sampling: true });
      const result = (await client.callTool({ name: 'generate', arguments: { template: 'greet', arguments: { who: `Linus ${era}` }, max_tokens: 77 } })) as Json;
      expect(result.isError).toBeFalsy();
      expect(firstText(result)).toBe(`${CLIENT_ANSWERS.sampledPrefix} Say hello to Linus ${era}`);
      expect(result.structuredContent).toMatchObject({ configuration: null, provider: 'client', model: CLIENT_ANSWERS.model, template: 'greet', version: 1 });
      expect(answered.map((a) => a.method)).toEqual(['sampling/createMessage']);
      expect(answered[0]!.params.maxTokens).toBe(77);
      const stored = await db.selectFrom('generations').selectAll().where('id', '=', result.structuredContent.generation_id).executeTakeFirstOrThrow();
      expect(stored).toMatchObject({ configuration: null, provider: 'client', model: CLIENT_ANSWERS.model, output: `${CLIENT_ANSWERS.sampledPrefix} Say hello to Linus ${era}` });
    }
    // The raw modern flow: the request state is signed, and a malformed, oversized or tampered answer stores nothing.
    const caps = { sampling: {} };
    const call = async (extra: Json = {}) =>
      rpcBody(await modernPost(g.server.url, 'tools/call', { name: 'generate', arguments: { template: 'greet', arguments: { who: 'Raw' } }, ...extra }, { token: user, capabilities: caps }));
    const round1 = await call();
    expect(round1.result.resultType).toBe('input_required');
    expect(round1.result.inputRequests.generation).toMatchObject({ method: 'sampling/createMessage', params: { maxTokens: 1024, messages: [{ role: 'user', content: { type: 'text', text: 'Say hello to Raw' } }] } });
    const state = round1.result.requestState as string;
    const count = async () => (await db.selectFrom('generations').select('id').where('provider', '=', 'client').execute()).length;
    const before = await count();
    const malformed = await call({ requestState: state, inputResponses: { generation: { role: 'assistant', content: { type: 'image', data: 'AAAA', mimeType: 'image/png' }, model: 'm' } } });
    expect(malformed.result.resultType).toBe('input_required');
    const oversized = await call({ requestState: state, inputResponses: { generation: { role: 'assistant', content: { type: 'text', text: 'x'.repeat(1_000_001) }, model: 'm' } } });
    expect(JSON.stringify(oversized)).toMatch(/longer than 1000000 characters/);
    const tampered = await call({ requestState: `${state.slice(0, -4)}AAAA`, inputResponses: { generation: { role: 'assistant', content: { type: 'text', text: 'forged' }, model: 'm' } } });
    expect(tampered.error).toMatchObject({ code: -32602, message: expect.stringMatching(/requestState/) });
    expect(await count()).toBe(before);
    const answered = await call({ requestState: state, inputResponses: { generation: { role: 'assistant', content: { type: 'text', text: 'Hello, Raw!' }, model: 'raw-model' } } });
    expect(answered.result.structuredContent).toMatchObject({ output: 'Hello, Raw!', model: 'raw-model', provider: 'client' });
    expect(await count()).toBe(before + 1);

    // A client that cannot sample is told why.
    const { client: plain } = await g.connect(user, 'modern');
    const refused = await plain.callTool({ name: 'generate', arguments: { template: 'greet', arguments: { who: 'x' } } }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(ProtocolError);
    expect((refused as ProtocolError).message).toMatch(/does not offer sampling/);
    // REST cannot sample, and a background job cannot ask anyone.
    const rest = await api('POST', '/prompts/greet/generate', user, { arguments: { who: 'x' } });
    expect(rest.status).toBe(409);
    expect(rest.body.error.message).toMatch(/cannot ask the caller to sample/);
    expect((await api('POST', '/prompts/greet/generate', user, { arguments: { who: 'x' }, background: true })).status).toBe(409);
    const stats = await api('GET', '/stats', admin);
    expect(stats.body.generations.by_configuration.find((c: Json) => c.configuration === 'client-sampling').count).toBe(3);
    for (const name of ['primary', 'secondary']) await setEnabled(name, true);
  });

  it('never writes an API key to a response, the log or the audit trail', async () => {
    // The audit trail is written in batches; wait until the generate calls are in it.
    const events = await eventually(
      () => db.selectFrom('audit_events').selectAll().execute(),
      (rows) => rows.filter((r) => r.target === 'generate').length >= 8,
      5_000,
    );
    const audit = JSON.stringify(events);
    // Configuration changes are audited by name and fields, never with the key.
    const changes = events.filter((e) => e.action === 'admin/ai-configurations');
    expect(changes.map((e) => `${JSON.parse(e.details!).operation} ${e.target}`)).toEqual(expect.arrayContaining(['create primary', 'create secondary', 'update primary', 'delete scratch']));
    expect(JSON.parse(changes.find((e) => e.target === 'primary' && e.details!.includes('"create"'))!.details!)).toMatchObject({ operation: 'create', provider: 'openai', fields: expect.arrayContaining(['api_key', 'model']) });
    await g.server.close();
    const logged = g.logs.join('');
    expect(logged).toContain('"msg"');
    for (const secret of [SECRET_A, SECRET_B, SECRET_C]) {
      expect(logged).not.toContain(secret);
      expect(audit).not.toContain(secret);
    }
  });
});
