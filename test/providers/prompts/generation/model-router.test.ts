/**
 * The model clients (official SDKs) and the router (retries with backoff, per-configuration rate
 * limits, fallback) against local fakes of the OpenAI and Anthropic APIs.
 */
import { describe, expect, it } from 'vitest';
import type { StoredAiConfiguration } from '../../../../src/providers/prompts/generation/ai-configuration.js';
import { createAnthropicModelClient } from '../../../../src/providers/prompts/generation/anthropic-model-client.js';
import { ModelCallError, type ModelClient } from '../../../../src/providers/prompts/generation/model-client.js';
import { createModelRouter } from '../../../../src/providers/prompts/generation/model-router.js';
import { createOpenAiModelClient } from '../../../../src/providers/prompts/generation/openai-model-client.js';
import { startModelApiFake } from '../../../helpers/model-api-fakes.js';

const fake = await startModelApiFake();
const SECRET = 'sk-test-0123456789abcdefSECRET';
const signal = () => new AbortController().signal;

function configuration(name: string, provider: StoredAiConfiguration['provider'], model: string, extra: Partial<StoredAiConfiguration> = {}): StoredAiConfiguration {
  return {
    name,
    provider,
    model,
    base_url: provider === 'anthropic' ? fake.anthropicBaseUrl : fake.openaiBaseUrl,
    has_api_key: true,
    apiKeySealed: 'unused-here',
    parameters: {},
    rate_limit_per_minute: null,
    fallback_order: null,
    enabled: true,
    created_by: 'test',
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
    ...extra,
  };
}

function clientFor(c: StoredAiConfiguration, timeoutMs = 5_000): ModelClient {
  const common = { apiKey: SECRET, baseUrl: c.base_url ?? undefined, model: c.model, timeoutMs };
  return c.provider === 'anthropic' ? createAnthropicModelClient(common) : createOpenAiModelClient({ ...common, compatible: c.provider === 'openai-compatible' });
}

const router = (maxRetries = 2, now?: () => number) => createModelRouter({ maxRetries, retryBaseDelayMs: 5, retryMaxDelayMs: 20, clientFor: (c) => clientFor(c), ...(now ? { now } : {}) });
const ask = (prompt: string) => () => ({ prompt, maxTokens: 64 });

describe('model clients (official SDKs against local fakes)', () => {
  it('OpenAI: answers with text, model and token usage; sends the key as a bearer token and max_completion_tokens', async () => {
    const client = clientFor(configuration('o', 'openai', 'gpt-test'));
    const reply = await client.complete({ prompt: 'Say hello to Ada', system: 'Be brief', maxTokens: 50, temperature: 0.2, stop: ['END'] }, signal());
    expect(reply).toEqual({ text: '[gpt-test] Say hello to Ada', model: 'gpt-test-2026-01-01', inputTokens: 6, outputTokens: 5, stopReason: 'stop' });
    const sent = fake.requestsFor('gpt-test').at(-1)!;
    expect(sent.apiKey).toBe(SECRET);
    expect(sent.body).toMatchObject({ max_completion_tokens: 50, temperature: 0.2, stop: ['END'], messages: [{ role: 'system', content: 'Be brief' }, { role: 'user', content: 'Say hello to Ada' }] });
    expect(sent.body.max_tokens).toBeUndefined();
  });

  it('OpenAI-compatible: same API, with the max_tokens compatible servers understand', async () => {
    const reply = await clientFor(configuration('c', 'openai-compatible', 'llama-local')).complete({ prompt: 'hi', maxTokens: 7 }, signal());
    expect(reply.text).toBe('[llama-local] hi');
    expect(fake.requestsFor('llama-local').at(-1)!.body).toMatchObject({ max_tokens: 7 });
  });

  it('Anthropic: answers with text and usage; sends the key, system and stop_sequences', async () => {
    const reply = await clientFor(configuration('a', 'anthropic', 'claude-test')).complete({ prompt: 'Write one line', system: 'Terse', maxTokens: 30, stop: ['###'] }, signal());
    expect(reply).toEqual({ text: '[claude-test] Write one line', model: 'claude-test', inputTokens: 4, outputTokens: 4, stopReason: 'end_turn' });
    const sent = fake.requestsFor('claude-test').at(-1)!;
    expect(sent.apiKey).toBe(SECRET);
    expect(sent.body).toMatchObject({ max_tokens: 30, system: 'Terse', stop_sequences: ['###'], messages: [{ role: 'user', content: 'Write one line' }] });
  });

  it('turns an API error into a safe ModelCallError that never repeats the key the API echoed', async () => {
    for (const provider of ['openai', 'anthropic'] as const) {
      const err = await clientFor(configuration('x', provider, 'fail-401'))
        .complete({ prompt: 'p', maxTokens: 5 }, signal())
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModelCallError);
      expect(err).toMatchObject({ kind: 'http', status: 401, retryable: false });
      expect((err as Error).message).toMatch(/HTTP 401/);
      expect((err as Error).message).not.toContain(SECRET);
      expect((err as Error).message).not.toContain('0123456789abcdef');
    }
  });

  it('gives up on a model that does not answer within the timeout', async () => {
    const started = Date.now();
    const err = await clientFor(configuration('h', 'openai', 'hang'), 300)
      .complete({ prompt: 'p', maxTokens: 5 }, signal())
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'timeout', retryable: true });
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});

describe('model router', () => {
  it('retries a flaky configuration with backoff and succeeds on it', async () => {
    const c = configuration('flaky', 'anthropic', 'flaky-2');
    const routed = await router(2).complete([c], ask('again'), signal());
    expect(routed.configuration.name).toBe('flaky');
    expect(routed.fellBackFrom).toEqual([]);
    expect(routed.response.text).toBe('[flaky-2] again');
    expect(fake.requestsFor('flaky-2')).toHaveLength(3);
  });

  it('falls back to the next configuration when the primary keeps failing, after its retries', async () => {
    const primary = configuration('primary', 'openai', 'fail-500');
    const secondary = configuration('secondary', 'anthropic', 'claude-fallback');
    const before = fake.requestsFor('fail-500').length;
    const routed = await router(1).complete([primary, secondary], ask('fall back please'), signal());
    expect(routed.configuration.name).toBe('secondary');
    expect(routed.response.text).toBe('[claude-fallback] fall back please');
    expect(routed.fellBackFrom).toEqual([{ configuration: 'primary', reason: expect.stringMatching(/HTTP 500/) }]);
    // One try and one retry on the primary.
    expect(fake.requestsFor('fail-500').length - before).toBe(2);
  });

  it('does not retry what retrying cannot fix (a bad key), and moves on at once', async () => {
    const before = fake.requestsFor('fail-401').length;
    const routed = await router(3).complete([configuration('bad-key', 'openai', 'fail-401'), configuration('good', 'openai', 'gpt-good')], ask('x'), signal());
    expect(routed.configuration.name).toBe('good');
    expect(fake.requestsFor('fail-401').length - before).toBe(1);
  });

  it('reports every configuration that failed, as unavailable', async () => {
    const err = await router(0)
      .complete([configuration('one', 'openai', 'fail-502'), configuration('two', 'anthropic', 'fail-500')], ask('x'), signal())
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'unavailable', details: { attempts: [{ configuration: 'one' }, { configuration: 'two' }] } });
  });

  it('keeps each configuration within its own rate limit: over it, the next configuration answers; all over it, rate_limited', async () => {
    let t = 1_000_000;
    const r = router(0, () => t);
    const limited = configuration('limited', 'openai', 'gpt-limited', { rate_limit_per_minute: 2 });
    const spare = configuration('spare', 'anthropic', 'claude-spare', { rate_limit_per_minute: 1 });
    expect((await r.complete([limited, spare], ask('1'), signal())).configuration.name).toBe('limited');
    expect((await r.complete([limited, spare], ask('2'), signal())).configuration.name).toBe('limited');
    const third = await r.complete([limited, spare], ask('3'), signal());
    expect(third.configuration.name).toBe('spare');
    expect(third.fellBackFrom).toEqual([{ configuration: 'limited', reason: 'rate limit of 2/min reached' }]);
    const err = await r.complete([limited, spare], ask('4'), signal()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'rate_limited', details: { retryAfterMs: expect.any(Number) } });
    expect(fake.requestsFor('gpt-limited')).toHaveLength(2);
    // A minute later the budget is back.
    t += 60_000;
    expect((await r.complete([limited, spare], ask('5'), signal())).configuration.name).toBe('limited');
  });

  it('stops at once when the caller cancels', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const started = Date.now();
    const err = await router(2)
      .complete([configuration('slow', 'openai', 'hang'), configuration('next', 'openai', 'gpt-never')], ask('x'), controller.signal)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'cancelled' });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(fake.requestsFor('gpt-never')).toHaveLength(0);
  });
});
