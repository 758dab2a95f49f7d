/**
 * Rate limiter contract. One decision per use of a catalog entry, keyed by principal. The
 * in-process answer may be synchronous so the hot path does not pay for a promise.
 */
import type { PrincipalKind } from '../identity/principal.js';

export interface RateDecision {
  readonly allowed: boolean;
  /** When refused: how long until a retry may succeed. */
  readonly retryAfterMs?: number;
}

/** What is being used, for limiters that differ by role or by tool. */
export interface RateContext {
  /** The principal's kind; `local` (stdio, --no-auth) may be exempt. */
  readonly kind?: PrincipalKind;
  readonly roles: readonly string[];
  /** `tools/call`, `resources/read`, `prompts/get`, `completion/complete`. */
  readonly action: string;
  /** Tool or prompt name, or resource URI. */
  readonly target: string;
}

export interface RateLimiter {
  /**
   * Spend `cost` (default 1) from the budget of `key` (the principal id). Without a context only
   * the principal's default budget applies. Must not throw for a refusal: answer `allowed: false`.
   */
  consume(key: string, cost?: number, context?: RateContext): RateDecision | Promise<RateDecision>;
}

const ALLOW: RateDecision = Object.freeze({ allowed: true });

/** No limit (stdio, --no-auth, tests). */
export const unlimitedRateLimiter: RateLimiter = { consume: () => ALLOW };
