import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createCatalog } from '../../src/core/catalog/catalog.js';
import type { ToolEntry } from '../../src/core/catalog/entries.js';
import { PorticoError } from '../../src/core/errors.js';
import { createPermissionSet } from '../../src/core/identity/permissions.js';
import type { Principal } from '../../src/core/identity/principal.js';
import type { AuditEvent } from '../../src/core/pipeline/audit-sink.js';
import type { CancelSource } from '../../src/core/pipeline/cancellation.js';
import { ask, isNeedsInput, needsInput } from '../../src/core/pipeline/input-requests.js';
import { createPipeline, type CallScope } from '../../src/core/pipeline/pipeline.js';
import type { ExecutionContext } from '../../src/core/pipeline/execution-context.js';
import type { RateLimiter } from '../../src/core/pipeline/rate-limiter.js';

/** A minimal CancelSource, as a surface passes one instead of an AbortSignal. */
class TestCancellation implements CancelSource {
  aborted = false;
  reason: unknown;
  private readonly listeners: ((reason: unknown) => void)[] = [];
  abort(reason: unknown): void {
    this.aborted = true;
    this.reason = reason;
    for (const l of this.listeners.splice(0)) l(reason);
  }
  onAbort(listener: (reason: unknown) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const at = this.listeners.indexOf(listener);
      if (at >= 0) this.listeners.splice(at, 1);
    };
  }
}

const principal = (id: string, grants: string[]): Principal => ({ id, kind: 'user', name: id, roles: [], permissions: createPermissionSet(grants) });
const scopeOf = (p: Principal): CallScope => ({ principal: p, surface: 'internal', requestId: 'r1' });

function setup(options: { rateLimiter?: RateLimiter; timeoutMs?: number } = {}) {
  const catalog = createCatalog();
  const audit: AuditEvent[] = [];
  const observed: string[] = [];
  const internal: unknown[] = [];
  const tool = (name: string, handler: ToolEntry['handler'], extra: Partial<ToolEntry> = {}): ToolEntry => ({
    kind: 'tool',
    name,
    description: name,
    inputSchema: { type: 'object', properties: { n: { type: 'number' } } },
    handler,
    ...extra,
  });
  let signalSeen: AbortSignal | undefined;
  catalog.add([
    tool('add_one', (args) => ({ content: [{ type: 'text', text: String((args.n as number) + 1) }] }), { inputSchema: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] } }),
    tool('secret_tool', () => ({ content: [{ type: 'text', text: 'secret' }] })),
    tool('boom', () => {
      throw new Error('database password is hunter2');
    }),
    tool('refuse', () => {
      throw new PorticoError('conflict', 'That item already exists.');
    }),
    tool('sleepy', async (_a, ctx) => {
      signalSeen = ctx.signal;
      await delay(10_000, undefined, { signal: ctx.signal }).catch(() => undefined);
      return { content: [{ type: 'text', text: 'woke' }] };
    }),
    tool('stubborn', async () => {
      await delay(300);
      return { content: [{ type: 'text', text: 'late' }] };
    }),
    tool('chatty', (_a, ctx) => {
      ctx.progress({ progress: 1, total: 2 });
      ctx.log('info', 'hello');
      return { content: [{ type: 'text', text: 'ok' }] };
    }),
    tool('asker', (_a, ctx) => {
      const answer = ctx.input.responses?.name as { action: string; content: { name: string } } | undefined;
      if (!answer) return needsInput({ name: ask.elicit({ message: 'Name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } } } }) }, { round: 1 });
      return { content: [{ type: 'text', text: `hi ${answer.content.name} after round ${ctx.input.state<{ round: number }>()?.round}` }] };
    }),
    { kind: 'resource', uri: 'test://open', name: 'open', read: (uri) => ({ contents: [{ uri, text: 'open' }] }) },
    { kind: 'resourceTemplate', uriTemplate: 'test://items/{id}', name: 'item', read: (uri, vars) => ({ contents: [{ uri, text: `item ${String(vars.id)}` }] }) },
    {
      kind: 'prompt',
      name: 'greet',
      description: 'greet',
      arguments: [{ name: 'who', required: true }, { name: 'tone' }],
      get: (args) => ({ messages: [{ role: 'user', content: { type: 'text', text: `hello ${args.who}` } }] }),
      complete: { who: (value) => ({ values: ['alice', 'bob', 'alfred'].filter((v) => v.startsWith(value)) }) },
    },
  ]);
  const pipeline = createPipeline({
    catalog,
    authenticator: { authenticate: (c) => (c.bearer === 'good' ? principal('alice', ['*']) : undefined) },
    rateLimiter: options.rateLimiter ?? { consume: () => ({ allowed: true }) },
    audit: { record: (e) => audit.push(e) },
    metrics: { observe: (action, outcome) => observed.push(`${action}:${outcome}`) },
    defaultTimeoutMs: options.timeoutMs ?? 5000,
    onInternalError: (err) => internal.push(err),
  });
  return { catalog, pipeline, audit, observed, internal, signal: () => signalSeen };
}

const admin = scopeOf(principal('alice', ['*']));
const limited = scopeOf(principal('bob', ['tools:call:add_one', 'resources:read:test://items/*', 'prompts:get:greet']));

describe('pipeline', () => {
  it('authenticates through the authenticator and refuses a missing credential', async () => {
    const { pipeline } = setup();
    expect((await pipeline.authenticate({ bearer: 'good' })).id).toBe('alice');
    await expect(pipeline.authenticate({})).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  it('runs a tool, audits it and records metrics', async () => {
    const { pipeline, audit, observed } = setup();
    expect(await pipeline.callTool(admin, 'add_one', { n: 41 })).toEqual({ content: [{ type: 'text', text: '42' }] });
    expect(audit).toEqual([expect.objectContaining({ principalId: 'alice', surface: 'internal', action: 'tools/call', target: 'add_one', outcome: 'ok', requestId: 'r1' })]);
    expect(observed).toEqual(['tools/call:ok']);
    // Arguments stay out of the trail unless the sink asks for them (a bare '41' could match a duration or a time).
    expect(audit[0]).not.toHaveProperty('details');
    expect(JSON.stringify(audit)).not.toContain('"n":');
  });

  it('hides what a principal may not use: absent from lists, not found on use, audited as denied', async () => {
    const { pipeline, audit } = setup();
    expect(pipeline.listTools(limited).map((t) => t.name)).toEqual(['add_one']);
    expect(pipeline.listTools(admin).length).toBeGreaterThan(5);
    await expect(pipeline.callTool(limited, 'secret_tool', {})).rejects.toMatchObject({ code: 'not_found', message: 'Unknown tool: secret_tool' });
    await expect(pipeline.callTool(limited, 'no_such_tool', {})).rejects.toMatchObject({ code: 'not_found', message: 'Unknown tool: no_such_tool' });
    expect(audit.map((a) => a.outcome)).toEqual(['denied', 'not_found']);
    expect(pipeline.listResources(limited)).toEqual([]);
    await expect(pipeline.readResource(limited, 'test://open')).rejects.toMatchObject({ code: 'not_found' });
    expect(await pipeline.readResource(limited, 'test://items/7')).toEqual({ contents: [{ uri: 'test://items/7', text: 'item 7' }] });
  });

  it('caches lists per permission set and refreshes them when the catalog changes', () => {
    const { pipeline, catalog } = setup();
    const first = pipeline.listTools(limited);
    expect(pipeline.listTools(scopeOf(principal('carol', ['tools:call:add_one', 'resources:read:test://items/*', 'prompts:get:greet'])))).toBe(first);
    catalog.add({ kind: 'tool', name: 'add_two', description: 'x', inputSchema: { type: 'object' }, handler: () => ({ content: [] }), permission: 'tools:call:add_one' });
    const second = pipeline.listTools(limited);
    expect(second).not.toBe(first);
    expect(second.map((t) => t.name)).toEqual(['add_one', 'add_two']);
  });

  it('reports invalid arguments as a tool error naming the problem', async () => {
    const { pipeline, audit } = setup();
    const result = await pipeline.callTool(admin, 'add_one', { n: 'x' });
    expect(result).toEqual({ isError: true, content: [{ type: 'text', text: 'Invalid arguments for tool add_one: /n: must be number' }] });
    expect(audit[0]?.outcome).toBe('invalid');
  });

  it('never leaks an internal error, but passes a caller-safe one through', async () => {
    const { pipeline, internal } = setup();
    const boom = await pipeline.callTool(admin, 'boom', {});
    expect(boom).toMatchObject({ isError: true });
    expect(JSON.stringify(boom)).not.toContain('hunter2');
    expect(JSON.stringify(boom)).toContain('request r1');
    expect(internal).toHaveLength(1);
    expect(await pipeline.callTool(admin, 'refuse', {})).toEqual({ isError: true, content: [{ type: 'text', text: 'That item already exists.' }] });
  });

  it('enforces the deadline even on a handler that ignores its signal', async () => {
    const { pipeline, audit } = setup({ timeoutMs: 100 });
    const started = Date.now();
    const result = await pipeline.callTool(admin, 'stubborn', {});
    expect(Date.now() - started).toBeLessThan(280);
    expect(result).toEqual({ isError: true, content: [{ type: 'text', text: 'Tool stubborn did not finish within 100 ms.' }] });
    expect(audit[0]?.outcome).toBe('timeout');
  });

  it('cancels: the caller gets `cancelled` and the handler sees its signal abort', async () => {
    for (const make of [() => new AbortController(), () => new TestCancellation()]) {
      const { pipeline, audit, signal } = setup();
      const source = make();
      const call = pipeline.callTool(admin, 'sleepy', {}, { signal: source instanceof AbortController ? source.signal : source });
      await delay(30);
      source.abort(new Error('user pressed stop'));
      await expect(call).rejects.toMatchObject({ code: 'cancelled' });
      expect(signal()?.aborted).toBe(true);
      expect(audit[0]?.outcome).toBe('cancelled');
    }
  });

  it('forwards progress and logs only to callers who listen', async () => {
    const { pipeline } = setup();
    const progress: unknown[] = [];
    const logs: unknown[] = [];
    await pipeline.callTool(admin, 'chatty', {}, { onProgress: (p) => progress.push(p), onLog: (level, data) => logs.push([level, data]) });
    expect(progress).toEqual([{ progress: 1, total: 2 }]);
    expect(logs).toEqual([['info', 'hello']]);
    await expect(pipeline.callTool(admin, 'chatty', {})).resolves.toMatchObject({ content: [{ text: 'ok' }] });
  });

  it('runs input rounds: needsInput first, then the answer with the state it left', async () => {
    const { pipeline, audit } = setup();
    const first = await pipeline.callTool(admin, 'asker', {});
    expect(isNeedsInput(first)).toBe(true);
    if (!isNeedsInput(first)) return;
    expect(first.requests.name?.method).toBe('elicitation/create');
    const second = await pipeline.callTool(admin, 'asker', {}, { input: { responses: { name: { action: 'accept', content: { name: 'Ada' } } }, state: first.state } });
    expect(second).toEqual({ content: [{ type: 'text', text: 'hi Ada after round 1' }] });
    expect(audit.map((a) => a.outcome)).toEqual(['input_required', 'ok']);
  });

  it('refuses over the rate limit with a retry hint, before running anything', async () => {
    let calls = 0;
    const { pipeline, audit } = setup({ rateLimiter: { consume: () => (++calls > 1 ? { allowed: false, retryAfterMs: 2500 } : { allowed: true }) } });
    await pipeline.callTool(admin, 'add_one', { n: 1 });
    await expect(pipeline.callTool(admin, 'add_one', { n: 1 })).rejects.toMatchObject({ code: 'rate_limited', details: { retryAfterMs: 2500 } });
    expect(audit.map((a) => a.outcome)).toEqual(['ok', 'rate_limited']);
  });

  it('renders prompts, listing every missing required argument', async () => {
    const { pipeline } = setup();
    expect(await pipeline.getPrompt(admin, 'greet', { who: 'you' })).toEqual({ messages: [{ role: 'user', content: { type: 'text', text: 'hello you' } }] });
    await expect(pipeline.getPrompt(admin, 'greet', {})).rejects.toMatchObject({ code: 'validation_failed', message: 'Prompt greet is missing required argument: who' });
    await expect(pipeline.getPrompt(limited, 'nope', {})).rejects.toMatchObject({ code: 'not_found' });
  });

  it('completes prompt arguments and answers empty for arguments without a completer', async () => {
    const { pipeline } = setup();
    expect(await pipeline.complete(admin, { type: 'ref/prompt', name: 'greet' }, { name: 'who', value: 'al' })).toEqual({ values: ['alice', 'alfred'] });
    expect(await pipeline.complete(admin, { type: 'ref/prompt', name: 'greet' }, { name: 'tone', value: '' })).toEqual({ values: [], total: 0, hasMore: false });
    await expect(pipeline.complete(limited, { type: 'ref/resource', uri: 'test://nope/{x}' }, { name: 'x', value: '' })).rejects.toMatchObject({ code: 'not_found' });
  });
});

/** A pipeline over `catalog` with no credentials, no limits, and audit and metrics discarded. */
function quietPipeline(catalog: ReturnType<typeof createCatalog>) {
  return createPipeline({
    catalog,
    authenticator: { authenticate: () => undefined },
    rateLimiter: { consume: () => ({ allowed: true }) },
    audit: { record: () => undefined },
    metrics: { observe: () => undefined },
    defaultTimeoutMs: 5_000,
  });
}

describe('ctx.cancellation (cancellation without an AbortSignal)', () => {
  /** A tool that waits on `ctx.cancellation` only, and records what it saw. */
  function watcher() {
    const catalog = createCatalog();
    const seen: { reasons: unknown[]; abortedAtStart?: boolean; removedFired: boolean } = { reasons: [], removedFired: false };
    catalog.add({
      kind: 'tool',
      name: 'wait',
      description: 'wait',
      inputSchema: { type: 'object' },
      handler: (_args, ctx) =>
        new Promise((resolve) => {
          seen.abortedAtStart = ctx.cancellation.aborted;
          const off = ctx.cancellation.onAbort(() => (seen.removedFired = true));
          off();
          ctx.cancellation.onAbort((reason) => {
            seen.reasons.push(reason);
            expect(ctx.cancellation.aborted).toBe(true);
            expect(ctx.cancellation.reason).toBe(reason);
            resolve({ content: [{ type: 'text', text: 'stopped' }] });
          });
        }),
    });
    const pipeline = quietPipeline(catalog);
    return { pipeline, seen };
  }

  it('tells a listener when the caller cancels, once, with the reason; a removed listener is not called', async () => {
    const { pipeline, seen } = watcher();
    const cancel = new TestCancellation();
    const call = pipeline.callTool(scopeOf(principal('p', ['*'])), 'wait', {}, { signal: cancel });
    await delay(20);
    cancel.abort(new Error('caller went away'));
    // The cancellation decides the outcome, even though the handler answers the moment it is told.
    await expect(call).rejects.toMatchObject({ code: 'cancelled' });
    expect(seen.abortedAtStart).toBe(false);
    expect(seen.reasons).toHaveLength(1);
    expect(seen.removedFired).toBe(false);
  });

  it('tells a listener when the deadline passes', async () => {
    const { pipeline, seen } = watcher();
    pipeline.catalog.tool('wait')!.entry.timeoutMs = 50;
    const result = await pipeline.callTool(scopeOf(principal('p', ['*'])), 'wait', {});
    expect(result).toMatchObject({ isError: true });
    await delay(10);
    expect(seen.reasons).toHaveLength(1);
  });
});

describe('the handler context', () => {
  it('keeps its getters on a shared prototype, not on each call (per-call getter closures cost a promotion per call in V8)', async () => {
    const catalog = createCatalog();
    const contexts: ExecutionContext[] = [];
    catalog.add({
      kind: 'tool',
      name: 'keep',
      description: 'keep',
      inputSchema: { type: 'object' },
      handler: async (_args, ctx) => {
        contexts.push(ctx);
        await delay(1);
        return { content: [{ type: 'text', text: String(ctx.signal.aborted) }] };
      },
    });
    const pipeline = quietPipeline(catalog);
    const scope = scopeOf(principal('p', ['*']));
    await expect(pipeline.callTool(scope, 'keep', {})).resolves.toMatchObject({ content: [{ text: 'false' }] });
    await pipeline.callTool(scope, 'keep', {});
    const [first, second] = contexts;
    for (const name of ['signal', 'cancellation']) expect(Object.getOwnPropertyDescriptor(first!, name)).toBeUndefined();
    expect(Object.getPrototypeOf(first)).toBe(Object.getPrototypeOf(second));
    expect(first!.principal.id).toBe('p');
  });
});
