/**
 * What the pipeline hands the rate limiter and the audit sink: the principal's kind, roles and the
 * target for the limiter; session, client and (only for a sink that stores them) the raw arguments
 * for the audit trail — synchronously, with no promise on the hot path.
 */
import { describe, expect, it } from 'vitest';
import { createTokenBucketLimiter } from '../../src/auth/rate-limit/token-bucket-limiter.js';
import { createCatalog } from '../../src/core/catalog/catalog.js';
import { createPermissionSet } from '../../src/core/identity/permissions.js';
import type { Principal } from '../../src/core/identity/principal.js';
import type { AuditEvent, AuditSink } from '../../src/core/pipeline/audit-sink.js';
import { createPipeline, type CallScope } from '../../src/core/pipeline/pipeline.js';
import type { RateContext, RateLimiter } from '../../src/core/pipeline/rate-limiter.js';

const alice: Principal = { id: 'user:alice', kind: 'user', name: 'alice', roles: ['ai_agent'], permissions: createPermissionSet(['*']) };
const scope: CallScope = { principal: alice, surface: 'mcp-legacy', requestId: 'r1', sessionId: 'sess-9', client: { name: 'cursor', version: '1.2', capabilities: {} } };

function setup(audit: AuditSink, rateLimiter: RateLimiter = { consume: () => ({ allowed: true }) }) {
  const catalog = createCatalog();
  catalog.add([
    { kind: 'tool', name: 'echo', description: 'echo', inputSchema: { type: 'object' }, handler: (args) => ({ content: [{ type: 'text', text: JSON.stringify(args) }] }) },
    { kind: 'prompt', name: 'greet', description: 'greet', arguments: [{ name: 'who', required: true }], get: (a) => ({ messages: [{ role: 'user', content: { type: 'text', text: `hi ${a.who}` } }] }) },
    { kind: 'resource', uri: 'test://doc', name: 'doc', read: (uri) => ({ contents: [{ uri, text: 'doc' }] }) },
  ]);
  return createPipeline({ catalog, authenticator: { authenticate: () => alice }, rateLimiter, audit, metrics: { observe: () => undefined }, defaultTimeoutMs: 1000 });
}

describe('pipeline → rate limiter and audit sink', () => {
  it('gives the limiter the principal’s kind, roles, the action and the target', async () => {
    const seen: [string, number | undefined, RateContext | undefined][] = [];
    const pipeline = setup({ record: () => undefined }, { consume: (key, cost, ctx) => (seen.push([key, cost, ctx]), { allowed: true }) });
    await pipeline.callTool(scope, 'echo', {});
    await pipeline.readResource(scope, 'test://doc');
    await pipeline.getPrompt(scope, 'greet', { who: 'x' });
    expect(seen).toEqual([
      ['user:alice', 1, { kind: 'user', roles: ['ai_agent'], action: 'tools/call', target: 'echo' }],
      ['user:alice', 1, { kind: 'user', roles: ['ai_agent'], action: 'resources/read', target: 'test://doc' }],
      ['user:alice', 1, { kind: 'user', roles: ['ai_agent'], action: 'prompts/get', target: 'greet' }],
    ]);
  });

  it('refuses over a per-tool limit with rate_limited and retryAfterMs, audited as rate_limited', async () => {
    const events: AuditEvent[] = [];
    const pipeline = setup({ record: (e) => events.push(e) }, createTokenBucketLimiter({ perMinute: 600, burst: 50, tools: { echo: 1 } }, { now: () => 1_000_000 }));
    // A frozen clock: the wait is exact, however long the first call took.
    await pipeline.callTool(scope, 'echo', {});
    await expect(pipeline.callTool(scope, 'echo', {})).rejects.toMatchObject({ code: 'rate_limited', details: { retryAfterMs: 60_000 } });
    expect(events.map((e) => e.outcome)).toEqual(['ok', 'rate_limited']);
  });

  it('records session and client, and no arguments for a sink that does not store them', async () => {
    const events: AuditEvent[] = [];
    const pipeline = setup({ record: (e) => events.push(e) });
    await pipeline.callTool(scope, 'echo', { password: 'hunter2' });
    expect(events[0]).toMatchObject({ sessionId: 'sess-9', client: { name: 'cursor', version: '1.2' }, action: 'tools/call', outcome: 'ok' });
    expect(events[0]!.details).toBeUndefined();
    expect(JSON.stringify(events)).not.toContain('hunter2');
  });

  it('passes tool and prompt arguments to a sink that stores them (it redacts them later)', async () => {
    const events: AuditEvent[] = [];
    const pipeline = setup({ record: (e) => events.push(e), withArguments: true });
    await pipeline.callTool(scope, 'echo', { q: 1 });
    await pipeline.getPrompt(scope, 'greet', { who: 'bob' });
    await pipeline.getPrompt(scope, 'greet', {}).catch(() => undefined);
    await pipeline.callTool(scope, 'missing', { q: 2 }).catch(() => undefined);
    expect(events.map((e) => [e.target, e.outcome, e.details])).toEqual([
      ['echo', 'ok', { arguments: { q: 1 } }],
      ['greet', 'ok', { arguments: { who: 'bob' } }],
      ['greet', 'invalid', { arguments: {} }],
      ['missing', 'not_found', { arguments: { q: 2 } }],
    ]);
  });
});
