import { describe, expect, it } from 'vitest';
import { createTokenBucketLimiter } from '../../src/auth/rate-limit/token-bucket-limiter.js';
import type { RateContext } from '../../src/core/pipeline/rate-limiter.js';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const call = (target: string, roles: string[] = []): RateContext => ({ kind: 'user', roles, action: 'tools/call', target });

describe('token bucket limiter', () => {
  it('allows a burst of `burst` calls, then refuses with the time until one token is back', () => {
    const c = clock();
    const limiter = createTokenBucketLimiter({ perMinute: 60, burst: 3 }, { now: c.now });
    for (let i = 0; i < 3; i++) expect(limiter.consume('user:a')).toEqual({ allowed: true });
    const refused = limiter.consume('user:a');
    expect(refused.allowed).toBe(false);
    // 60 per minute = one token per second.
    expect(refused.retryAfterMs).toBe(1000);
    c.advance(400);
    expect(limiter.consume('user:a')).toEqual({ allowed: false, retryAfterMs: 600 });
    c.advance(600);
    expect(limiter.consume('user:a').allowed).toBe(true);
    expect(limiter.consume('user:a').allowed).toBe(false);
  });

  it('refills at perMinute/60 per second and never above the burst', () => {
    const c = clock();
    const limiter = createTokenBucketLimiter({ perMinute: 120, burst: 5 }, { now: c.now });
    for (let i = 0; i < 5; i++) limiter.consume('k');
    c.advance(1500); // 2 tokens per second → 3 tokens
    expect([1, 2, 3, 4].map(() => limiter.consume('k').allowed)).toEqual([true, true, true, false]);
    c.advance(3_600_000); // an hour: full, but only 5
    expect([1, 2, 3, 4, 5, 6].map(() => limiter.consume('k').allowed)).toEqual([true, true, true, true, true, false]);
  });

  it('keeps one bucket per principal and spends nothing on a refusal', () => {
    const c = clock();
    const limiter = createTokenBucketLimiter({ perMinute: 60, burst: 1 }, { now: c.now });
    expect(limiter.consume('a').allowed).toBe(true);
    expect(limiter.consume('b').allowed).toBe(true);
    for (let i = 0; i < 10; i++) expect(limiter.consume('a').allowed).toBe(false);
    c.advance(1000);
    expect(limiter.consume('a').allowed).toBe(true);
  });

  it('applies a role override (the most generous of the principal’s roles), capped by the burst', () => {
    const c = clock();
    const limiter = createTokenBucketLimiter({ perMinute: 600, burst: 100, roles: { readonly: 2, ai_agent: 6 } }, { now: c.now });
    const ro = call('echo', ['readonly']);
    expect([1, 2, 3].map(() => limiter.consume('user:r', 1, ro).allowed)).toEqual([true, true, false]);
    expect(limiter.consume('user:r', 1, ro).retryAfterMs).toBe(30_000);
    const both = call('echo', ['readonly', 'ai_agent']);
    expect(Array.from({ length: 7 }, () => limiter.consume('user:x', 1, both).allowed).filter(Boolean)).toHaveLength(6);
    // No override: the default burst applies.
    expect(Array.from({ length: 101 }, () => limiter.consume('user:u', 1, call('echo', ['user'])).allowed).filter(Boolean)).toHaveLength(100);
  });

  it('limits a listed tool in its own bucket per principal, on top of the principal bucket', () => {
    const c = clock();
    const limiter = createTokenBucketLimiter({ perMinute: 600, burst: 10, tools: { expensive: 2 } }, { now: c.now });
    expect(limiter.consume('a', 1, call('expensive')).allowed).toBe(true);
    expect(limiter.consume('a', 1, call('expensive')).allowed).toBe(true);
    const refused = limiter.consume('a', 1, call('expensive'));
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBe(30_000);
    // Other tools and other principals are unaffected.
    expect(limiter.consume('a', 1, call('cheap')).allowed).toBe(true);
    expect(limiter.consume('b', 1, call('expensive')).allowed).toBe(true);
    // A resource with the same name as the tool is not a tool call.
    expect(limiter.consume('a', 1, { roles: [], action: 'resources/read', target: 'expensive' }).allowed).toBe(true);
    // The refused tool call spent nothing from the principal bucket: 10 - 2 - 1 - 1 = 6 left.
    expect(Array.from({ length: 7 }, () => limiter.consume('a', 1, call('cheap')).allowed).filter(Boolean)).toHaveLength(6);
  });

  it('refuses a tool call when the principal bucket is empty even if the tool bucket is not', () => {
    const c = clock();
    const limiter = createTokenBucketLimiter({ perMinute: 60, burst: 1, tools: { t: 60 } }, { now: c.now });
    expect(limiter.consume('a', 1, call('x')).allowed).toBe(true);
    expect(limiter.consume('a', 1, call('t'))).toEqual({ allowed: false, retryAfterMs: 1000 });
  });

  it('never limits the local principal', () => {
    const limiter = createTokenBucketLimiter({ perMinute: 1, burst: 1 });
    for (let i = 0; i < 1000; i++) expect(limiter.consume('local:local', 1, { kind: 'local', roles: ['admin'], action: 'tools/call', target: 'x' }).allowed).toBe(true);
    expect(limiter.size).toBe(0);
  });

  it('answers synchronously', () => {
    const limiter = createTokenBucketLimiter({ perMinute: 1, burst: 1 });
    expect(limiter.consume('a')).not.toBeInstanceOf(Promise);
    expect(limiter.consume('a')).not.toBeInstanceOf(Promise);
  });

  it('keeps memory bounded: full buckets are swept, and the oldest go past the cap', () => {
    const c = clock();
    const limiter = createTokenBucketLimiter({ perMinute: 60, burst: 2 }, { now: c.now, maxBuckets: 100, sweepIntervalMs: 10_000 });
    for (let i = 0; i < 50; i++) limiter.consume(`p${i}`);
    expect(limiter.size).toBe(50);
    c.advance(10_000); // every bucket is full again: they carry no information
    limiter.consume('fresh');
    expect(limiter.size).toBe(1);
    for (let i = 0; i < 1000; i++) limiter.consume(`q${i}`);
    expect(limiter.size).toBeLessThanOrEqual(100);
    // A bucket that was evicted comes back full: that is the only cost of eviction.
    expect(limiter.consume('q0').allowed).toBe(true);
  });
});
