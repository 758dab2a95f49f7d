import { describe, expect, it } from 'vitest';
import { REDACTED, redactForAudit, redactValue } from '../../src/auth/audit/redact.js';

describe('audit redaction', () => {
  it('masks secret-named keys at any depth, case-insensitively', () => {
    const out = redactValue(
      {
        query: 'select 1',
        Password: 'hunter2',
        nested: { apiKey: 'k1', deeper: [{ client_secret: 's', refresh_token: 't', Authorization: 'Basic x', cookie: 'c', note: 'fine' }] },
        'X-API-Key': 'abc',
      },
      1000,
    );
    expect(out).toEqual({
      query: 'select 1',
      Password: REDACTED,
      nested: { apiKey: REDACTED, deeper: [{ client_secret: REDACTED, refresh_token: REDACTED, Authorization: REDACTED, cookie: REDACTED, note: 'fine' }] },
      'X-API-Key': REDACTED,
    });
    expect(JSON.stringify(out)).not.toMatch(/hunter2|"k1"|"abc"/);
  });

  it('masks values that are credentials whatever their key', () => {
    const key = `pk_abcdefghijkl_${'A'.repeat(32)}`;
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXZhbHVl';
    const out = JSON.stringify(redactValue({ text: `use ${key} please`, header: `Bearer ${jwt}`, raw: jwt }, 1000));
    expect(out).not.toContain(key);
    expect(out).not.toContain(jwt);
    expect(out).toContain('use [redacted] please');
    expect(redactValue('https://x.test/cb?code=1&access_token=abc&API_KEY=def#frag', 1000)).toBe('https://x.test/cb?code=1&access_token=[redacted]&API_KEY=[redacted]#frag');
  });

  it('cuts long strings and keeps the whole JSON within the byte budget', () => {
    const text = redactForAudit({ body: 'x'.repeat(10_000), list: Array.from({ length: 500 }, (_, i) => i) }, { maxBytes: 256 })!;
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(256);
    expect(() => JSON.parse(text)).not.toThrow();
    expect(text).toContain('…');
  });

  it('counts bytes, not characters', () => {
    const text = redactForAudit({ s: 'é'.repeat(2000) }, { maxBytes: 100 })!;
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(100);
    expect(() => JSON.parse(text)).not.toThrow();
  });

  it('leaves small values whole and survives cycles', () => {
    expect(redactForAudit({ a: 1, b: 'two', c: [true, null] }, { maxBytes: 1000 })).toBe('{"a":1,"b":"two","c":[true,null]}');
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(JSON.parse(redactForAudit(cyclic, { maxBytes: 1000 })!)).toEqual({ a: 1, self: '[circular]' });
    expect(redactForAudit(undefined, { maxBytes: 100 })).toBeUndefined();
    expect(redactForAudit({ a: 1 }, { maxBytes: 0 })).toBeUndefined();
  });
});
