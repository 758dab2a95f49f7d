import { describe, expect, it } from 'vitest';
import { orderedUuid } from '../../src/store/ordered-uuid.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('orderedUuid', () => {
  it('is a version 7 UUID carrying its millisecond timestamp', () => {
    const at = Date.UTC(2026, 10, 21, 12, 0, 0, 123);
    const id = orderedUuid(at + 10_000_000);
    expect(id).toMatch(UUID_V7);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBeGreaterThanOrEqual(at + 10_000_000);
  });

  it('sorts in creation order, also within one millisecond and beyond 4,096 ids in it', () => {
    const at = Date.now() + 20_000_000;
    const ids = Array.from({ length: 10_000 }, () => orderedUuid(at));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(UUID_V7);
  });

  it('never goes backwards when the clock does', () => {
    const at = Date.now() + 30_000_000;
    const later = orderedUuid(at);
    const earlierClock = orderedUuid(at - 5_000);
    expect(earlierClock > later).toBe(true);
  });
});
