/**
 * Rate limits on every surface: REST answers 429 with Retry-After, MCP (modern fast lane, legacy
 * sessions) a JSON-RPC error with code -32029; per role and per tool; the local principal is free.
 */
import { describe, expect, it } from 'vitest';
import type { Json } from '../../helpers/http.js';
import { startTestServer } from '../../helpers/test-server.js';
import { modernPost, openLegacySession, rpcBody } from '../mcp-http/mcp-http-kit.js';
import { catalogFixture } from './catalog-fixture.js';

describe('rate limits', async () => {
  const server = await startTestServer(
    {
      PORTICO_ADMIN_PASSWORD: 'a-test-admin-password-1',
      PORTICO_RATE_LIMITS__PER_MINUTE: '60',
      PORTICO_RATE_LIMITS__BURST: '3',
      PORTICO_RATE_LIMITS__ROLES: JSON.stringify({ slow: 1 }),
      PORTICO_RATE_LIMITS__TOOLS: JSON.stringify({ 'ns/ping': 2 }),
    },
    { providers: [catalogFixture()] },
  );
  await server.identity.saveRole({ name: 'slow', permissions: ['tools:call:*'] });
  const key = async (role = 'ai_agent') => (await server.identity.createKey({ name: `k-${Math.random()}`, role })).secret;
  const callRest = (secret: string, tool = 'echo') =>
    fetch(`${server.url}/api/v1/mcp/tools/${encodeURIComponent(tool)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify(tool === 'echo' ? { text: 'hi' } : {}),
    });

  it('answers REST with 429 and Retry-After once the burst is spent', async () => {
    const secret = await key();
    for (let i = 0; i < 3; i++) expect((await callRest(secret)).status).toBe(200);
    const limited = await callRest(secret);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(((await limited.json()) as Json).error.code).toBe('rate_limited');
    // Another principal has its own bucket.
    expect((await callRest(await key())).status).toBe(200);
    // A token is back after a second.
    await new Promise((r) => setTimeout(r, 1100));
    expect((await callRest(secret)).status).toBe(200);
  });

  it('answers modern MCP with a JSON-RPC error -32029', async () => {
    const secret = await key();
    const codes: (number | undefined)[] = [];
    for (let i = 0; i < 4; i++) {
      const body = await rpcBody(await modernPost(server.url, 'tools/call', { name: 'echo', arguments: { text: 'x' } }, { token: secret, id: i }));
      codes.push(body.error?.code);
      if (i === 3) expect(body.error.message).toMatch(/rate limit/i);
    }
    expect(codes).toEqual([undefined, undefined, undefined, -32029]);
  });

  it('answers a legacy MCP session with a JSON-RPC error -32029', async () => {
    const secret = await key();
    const session = await openLegacySession(server.url, secret);
    const answers: Json[] = [];
    for (let i = 0; i < 4; i++) answers.push(await session.call('tools/call', { name: 'echo', arguments: { text: 'x' } }));
    expect(answers.slice(0, 3).every((a) => a.result && !a.error)).toBe(true);
    expect(answers[3].error.code).toBe(-32029);
  });

  it('applies a role’s own rate (1 per minute → retry in 60 s)', async () => {
    const secret = await key('slow');
    expect((await callRest(secret)).status).toBe(200);
    const limited = await callRest(secret);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('60');
  });

  it('limits a listed tool separately from the principal’s other calls', async () => {
    const secret = await key();
    expect((await callRest(secret, 'ns/ping')).status).toBe(200);
    expect((await callRest(secret, 'ns/ping')).status).toBe(200);
    const limited = await callRest(secret, 'ns/ping');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('30');
    // The principal bucket still has a token for other tools.
    expect((await callRest(secret, 'echo')).status).toBe(200);
  });
});

describe('rate limits and the local principal', async () => {
  const server = await startTestServer({ PORTICO_ADMIN_PASSWORD: 'a-test-admin-password-1', PORTICO_AUTH__DISABLED: 'true', PORTICO_RATE_LIMITS__BURST: '1', PORTICO_RATE_LIMITS__PER_MINUTE: '1' }, { providers: [catalogFixture()] });

  it('never limits --no-auth', async () => {
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`${server.url}/api/v1/mcp/tools/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text":"x"}' });
      expect(res.status).toBe(200);
    }
  });
});

describe('rate limits switched off', async () => {
  const server = await startTestServer({ PORTICO_ADMIN_PASSWORD: 'a-test-admin-password-1', PORTICO_RATE_LIMITS__ENABLED: 'false', PORTICO_RATE_LIMITS__BURST: '1', PORTICO_RATE_LIMITS__PER_MINUTE: '1' }, { providers: [catalogFixture()] });

  it('lets every call through', async () => {
    const { secret } = await server.identity.createKey({ name: 'free', role: 'ai_agent' });
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${server.url}/api/v1/mcp/tools/echo`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': secret }, body: '{"text":"x"}' });
      expect(res.status).toBe(200);
    }
  });
});
