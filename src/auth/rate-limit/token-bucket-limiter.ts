/**
 * In-memory token-bucket rate limiter (one process; a Redis implementation of the same contract
 * comes with scale-out). Every principal has one bucket: capacity `burst`, refilled at
 * `perMinute / 60` tokens per second, or its role's rate when `roles` names one of its roles (the
 * most generous wins). A tool listed in `tools` also has a bucket of its own per principal; a call
 * must fit in both, and a refused call spends nothing. The local principal (stdio, --no-auth) is
 * never limited. Decisions are synchronous: the hot path pays no promise.
 *
 * Memory stays bounded: a bucket that has refilled completely carries no information and is
 * dropped by a sweep; past `maxBuckets` the oldest buckets go first.
 */
import type { RateContext, RateDecision, RateLimiter } from '../../core/pipeline/rate-limiter.js';

export interface TokenBucketConfig {
  /** Sustained calls per minute per principal. */
  readonly perMinute: number;
  /** Bucket size per principal. */
  readonly burst: number;
  /** Calls per minute by role, overriding `perMinute`; capacity is the smaller of `burst` and that rate. */
  readonly roles?: Readonly<Record<string, number>>;
  /** Calls per minute per principal for one tool, a separate bucket (capacity as for roles). */
  readonly tools?: Readonly<Record<string, number>>;
}

export interface TokenBucketOptions {
  /** Milliseconds clock (tests). */
  now?: () => number;
  /** Most buckets kept at once (default 100 000). */
  maxBuckets?: number;
  /** How often full buckets are swept away (default 60 s). */
  sweepIntervalMs?: number;
}

export interface TokenBucketLimiter extends RateLimiter {
  consume(key: string, cost?: number, context?: RateContext): RateDecision;
  /** Buckets currently held (tests, metrics). */
  readonly size: number;
}

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date (ms). */
  at: number;
  capacity: number;
  /** Tokens per millisecond. */
  rate: number;
}

interface Limit {
  readonly capacity: number;
  readonly rate: number;
}

const ALLOW: RateDecision = Object.freeze({ allowed: true });
const TOOL_ACTION = 'tools/call';

function limitOf(perMinute: number, capacity: number): Limit {
  return Object.freeze({ capacity: Math.max(1, capacity), rate: perMinute / 60_000 });
}

export function createTokenBucketLimiter(config: TokenBucketConfig, options: TokenBucketOptions = {}): TokenBucketLimiter {
  const now = options.now ?? Date.now;
  const maxBuckets = options.maxBuckets ?? 100_000;
  const sweepInterval = options.sweepIntervalMs ?? 60_000;
  const defaultLimit = limitOf(config.perMinute, config.burst);
  const roleLimits = new Map(Object.entries(config.roles ?? {}).map(([role, perMinute]) => [role, limitOf(perMinute, Math.min(config.burst, perMinute))]));
  const toolLimits = new Map(Object.entries(config.tools ?? {}).map(([tool, perMinute]) => [tool, limitOf(perMinute, Math.min(config.burst, perMinute))]));
  const buckets = new Map<string, Bucket>();
  let lastSweep = now();

  function principalLimit(roles: readonly string[] | undefined): Limit {
    if (!roles || roleLimits.size === 0) return defaultLimit;
    let best: Limit | undefined;
    for (const role of roles) {
      const l = roleLimits.get(role);
      if (l && (!best || l.rate > best.rate)) best = l;
    }
    return best ?? defaultLimit;
  }

  /** The bucket for a key, brought up to date at `t`. */
  function bucket(key: string, limit: Limit, t: number): Bucket {
    let b = buckets.get(key);
    if (!b) {
      if (buckets.size >= maxBuckets) evict(t);
      b = { tokens: limit.capacity, at: t, capacity: limit.capacity, rate: limit.rate };
      buckets.set(key, b);
      return b;
    }
    // The principal's role may have changed since the bucket was made.
    if (b.capacity !== limit.capacity || b.rate !== limit.rate) {
      b.capacity = limit.capacity;
      b.rate = limit.rate;
    }
    if (t > b.at) {
      b.tokens = Math.min(b.capacity, b.tokens + (t - b.at) * b.rate);
      b.at = t;
    } else if (b.tokens > b.capacity) {
      b.tokens = b.capacity;
    }
    return b;
  }

  const waitFor = (b: Bucket, cost: number) => Math.max(1, Math.ceil((Math.min(cost, b.capacity) - b.tokens) / b.rate));

  function isFull(b: Bucket, t: number): boolean {
    return b.tokens + (t - b.at) * b.rate >= b.capacity;
  }

  function sweep(t: number): void {
    lastSweep = t;
    for (const [key, b] of buckets) if (isFull(b, t)) buckets.delete(key);
  }

  function evict(t: number): void {
    sweep(t);
    // Still full of busy buckets: drop the oldest tenth (Map keeps insertion order).
    if (buckets.size >= maxBuckets) {
      let drop = Math.max(1, Math.floor(maxBuckets / 10));
      for (const key of buckets.keys()) {
        buckets.delete(key);
        if (--drop === 0) break;
      }
    }
  }

  return {
    get size() {
      return buckets.size;
    },
    consume(key, cost = 1, context) {
      if (context?.kind === 'local') return ALLOW;
      const t = now();
      if (t - lastSweep >= sweepInterval) sweep(t);
      const main = bucket(key, principalLimit(context?.roles), t);
      const toolLimit = context && context.action === TOOL_ACTION && toolLimits.size ? toolLimits.get(context.target) : undefined;
      if (!toolLimit) {
        if (main.tokens >= cost) {
          main.tokens -= cost;
          return ALLOW;
        }
        return { allowed: false, retryAfterMs: waitFor(main, cost) };
      }
      const tool = bucket(`${key}\u0000tool\u0000${context!.target}`, toolLimit, t);
      if (main.tokens >= cost && tool.tokens >= cost) {
        main.tokens -= cost;
        tool.tokens -= cost;
        return ALLOW;
      }
      const wait = Math.max(main.tokens >= cost ? 0 : waitFor(main, cost), tool.tokens >= cost ? 0 : waitFor(tool, cost));
      return { allowed: false, retryAfterMs: wait };
    },
  };
}
