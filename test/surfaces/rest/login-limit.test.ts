/** Brute force against POST /api/v1/auth/login is answered with 429 and Retry-After, then backs off. */
import { describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, call, startIdentityServer } from './identity-kit.js';

describe('REST login limits', async () => {
  const server = await startIdentityServer({ PORTICO_AUTH__LOGIN_MAX_ATTEMPTS: '3' });
  const url = server.url;
  const attempt = (password: string) => call(url, 'POST', '/api/v1/auth/login', { body: { username: 'admin', password } });

  it('refuses even the right password with 429 and Retry-After once the limit is reached, and doubles the wait', async () => {
    for (let i = 0; i < 3; i++) expect((await attempt(`wrong-guess-${i}`)).status).toBe(401);
    const limited = await attempt(ADMIN_PASSWORD);
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(limited.headers.get('retry-after')).toBe('1');

    await new Promise((r) => setTimeout(r, 1100));
    expect((await attempt('wrong-guess-again')).status).toBe(401);
    const longer = await attempt(ADMIN_PASSWORD);
    expect(longer.status).toBe(429);
    expect(longer.headers.get('retry-after')).toBe('2');

    await new Promise((r) => setTimeout(r, 2100));
    // Waiting it out, the right password works and clears the account's count.
    expect((await attempt(ADMIN_PASSWORD)).status).toBe(200);
  });
});
