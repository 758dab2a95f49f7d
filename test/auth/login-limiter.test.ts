import { describe, expect, it } from 'vitest';
import { createMemoryLoginLimiter } from '../../src/auth/login-limiter.js';

function setup(maxAttempts = 3, windowSeconds = 900) {
  const clock = { now: 1_000_000 };
  return { clock, limiter: createMemoryLoginLimiter({ maxAttempts, windowSeconds, now: () => clock.now }) };
}

const retryAfter = async (p: Promise<void>): Promise<number | undefined> => {
  try {
    await p;
    return undefined;
  } catch (err) {
    return (err as { details: { retryAfterMs: number } }).details.retryAfterMs;
  }
};

describe('login limiter', () => {
  const ann = { account: 'Ann', address: '10.0.0.1' };

  it('allows the configured failures, then backs off exponentially', async () => {
    const { limiter, clock } = setup(3);
    for (let i = 0; i < 3; i++) {
      await limiter.check(ann);
      await limiter.failed(ann);
    }
    expect(await retryAfter(limiter.check(ann))).toBe(1000);
    clock.now += 1000;
    await limiter.check(ann);
    await limiter.failed(ann);
    expect(await retryAfter(limiter.check(ann))).toBe(2000);
    clock.now += 2000;
    await limiter.failed(ann);
    expect(await retryAfter(limiter.check(ann))).toBe(4000);
  });

  it('counts per account (case-insensitively) and per address; success clears only the account', async () => {
    const { limiter } = setup(2);
    await limiter.failed({ account: 'ann', address: '10.0.0.1' });
    await limiter.failed({ account: 'ANN', address: '10.0.0.2' });
    // The account is limited from any address.
    expect(await retryAfter(limiter.check({ account: 'ann', address: '10.0.0.9' }))).toBeGreaterThan(0);

    const other = setup(2);
    await other.limiter.failed({ account: 'a', address: '10.0.0.5' });
    await other.limiter.failed({ account: 'b', address: '10.0.0.5' });
    // One address spraying accounts is limited for a fresh account too.
    expect(await retryAfter(other.limiter.check({ account: 'c', address: '10.0.0.5' }))).toBeGreaterThan(0);
    await other.limiter.succeeded({ account: 'c', address: '10.0.0.5' });
    expect(await retryAfter(other.limiter.check({ account: 'c', address: '10.0.0.5' }))).toBeGreaterThan(0);
  });

  it('forgets failures older than the window and caps the wait at the window', async () => {
    const { limiter, clock } = setup(1, 10);
    for (let i = 0; i < 8; i++) {
      await limiter.failed(ann);
      clock.now += 1;
    }
    expect(await retryAfter(limiter.check(ann))).toBeLessThanOrEqual(10_000);
    clock.now += 10_001;
    expect(await retryAfter(limiter.check(ann))).toBeUndefined();
    await limiter.failed(ann);
    expect(await retryAfter(limiter.check(ann))).toBe(1000);
  });

  it('a success resets the account count', async () => {
    const { limiter } = setup(2);
    await limiter.failed(ann);
    await limiter.succeeded(ann);
    await limiter.failed({ ...ann, address: '10.0.0.7' });
    expect(await retryAfter(limiter.check({ ...ann, address: '10.0.0.8' }))).toBeUndefined();
  });
});
