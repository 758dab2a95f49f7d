/**
 * Brute-force protection for password logins: failed attempts are counted per account and per
 * client address within `auth.loginWindowSeconds`. Past `auth.loginMaxAttempts`, each further
 * failure doubles the wait (1 s, 2 s, 4 s … up to the window), during which every attempt — even
 * with the right password — is refused with 429 and Retry-After. A success clears the account's
 * count, not the address's (one address guessing many accounts stays limited).
 *
 * The contract is asynchronous so a shared (Redis) implementation can replace the in-memory one
 * when Portico runs on several nodes.
 */
import { PorticoError } from '../core/errors.js';

export interface LoginAttempt {
  /** The username as typed (compared case-insensitively). */
  account: string;
  /** The client address. */
  address: string;
}

export interface LoginLimiter {
  /** Throws `rate_limited` (details.retryAfterMs) while the account or the address must wait. */
  check(attempt: LoginAttempt): Promise<void>;
  failed(attempt: LoginAttempt): Promise<void>;
  succeeded(attempt: LoginAttempt): Promise<void>;
}

export interface LoginLimiterOptions {
  maxAttempts: number;
  windowSeconds: number;
  /** First wait once the limit is reached; doubles with each further failure. */
  baseDelayMs?: number;
  now?: () => number;
  /** Bound on tracked accounts and addresses (memory under a spray of usernames). */
  maxEntries?: number;
}

interface Entry {
  failures: number[];
  blockedUntil: number;
}

export function createMemoryLoginLimiter(options: LoginLimiterOptions): LoginLimiter {
  const now = options.now ?? Date.now;
  const windowMs = options.windowSeconds * 1000;
  const base = options.baseDelayMs ?? 1000;
  const maxEntries = options.maxEntries ?? 100_000;
  const entries = new Map<string, Entry>();
  const keysOf = (a: LoginAttempt) => [`account:${a.account.toLowerCase()}`, `address:${a.address}`];

  function live(key: string, at: number): Entry | undefined {
    const entry = entries.get(key);
    if (!entry) return undefined;
    entry.failures = entry.failures.filter((t) => t > at - windowMs);
    if (!entry.failures.length && entry.blockedUntil <= at) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  }

  function prune(at: number): void {
    for (const key of entries.keys()) live(key, at);
    // Still full of live entries: forget the oldest rather than grow without bound.
    for (const key of entries.keys()) {
      if (entries.size < maxEntries) break;
      entries.delete(key);
    }
  }

  return {
    async check(attempt) {
      const at = now();
      let wait = 0;
      for (const key of keysOf(attempt)) wait = Math.max(wait, (live(key, at)?.blockedUntil ?? 0) - at);
      if (wait > 0) {
        throw new PorticoError('rate_limited', 'Too many failed logins; wait before trying again.', { details: { retryAfterMs: wait } });
      }
    },
    async failed(attempt) {
      const at = now();
      if (entries.size >= maxEntries) prune(at);
      for (const key of keysOf(attempt)) {
        const entry = live(key, at) ?? { failures: [], blockedUntil: 0 };
        entry.failures.push(at);
        const over = entry.failures.length - options.maxAttempts;
        if (over >= 0) entry.blockedUntil = at + Math.min(windowMs, base * 2 ** Math.min(over, 30));
        entries.set(key, entry);
      }
    },
    async succeeded(attempt) {
      entries.delete(keysOf(attempt)[0]!);
    },
  };
}
