/**
 * Portico's own JWTs against forgery on both ways in (REST and /mcp, modern era): no credential,
 * malformed, expired, wrong signature, alg none, HS256 keyed with the public key, wrong audience,
 * wrong issuer and unknown kid are all 401, while a genuine token works. Also: a readonly user sees
 * only read-only tools and a write tool is "not found"; a token from `portico token` works on /mcp.
 */
import { SignJWT, UnsecuredJWT, exportSPKI, generateKeyPair, importJWK, type CryptoKey } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAccessTokens, type AccessTokens } from '../../../src/auth/access-tokens.js';
import { createSigningKeys } from '../../../src/auth/signing-keys.js';
import { createSigningKeyRepository } from '../../../src/store/repositories/signing-key.repository.js';
import type { Json } from '../../helpers/http.js';
import { runPortico } from '../../helpers/portico-process.js';
import { modernInit, rpcBody } from '../mcp-http/mcp-http-kit.js';
import { ADMIN_PASSWORD, USER_PASSWORD, call, createUser, login, startIdentityServer } from './identity-kit.js';

describe('Portico tokens under attack', async () => {
  const server = await startIdentityServer();
  const url = server.url;
  const admin = await login(url, 'admin', ADMIN_PASSWORD);
  const adminId = (await call(url, 'GET', '/api/v1/auth/me', { token: admin.access })).body.id as string;
  // Our own module, on the server's keys: tokens it mints are genuine unless we make them otherwise.
  const keys = createSigningKeys(createSigningKeyRepository(server.database.db), server.secretKey, { rotationDays: 30, maxTokenLifetimeSeconds: 30 * 86_400 });
  const mintWith = (issuer: string): AccessTokens => createAccessTokens({ signingKeys: keys, issuer, audiences: () => ({ resource: `${url}/mcp`, accepted: [`${url}/mcp`, url] }) });
  const tokens = mintWith('portico');

  const rest = (token: string | undefined) => fetch(`${url}/api/v1/mcp/tools`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  const mcp = (token: string | undefined) => fetch(`${url}/mcp`, modernInit('tools/list', {}, { token }));

  let forged: Record<string, string | undefined>;
  beforeAll(async () => {
    const { kid } = await keys.current();
    const claims = { iss: 'portico', aud: `${url}/mcp`, sub: adminId, typ: 'access', jti: 'forged' };
    const stranger = await generateKeyPair('ES256');
    const ourPublic = (await importJWK((await keys.jwks()).keys.find((k) => k.kid === kid)!, 'ES256', { extractable: true })) as CryptoKey;
    const pem = await exportSPKI(ourPublic);
    forged = {
      'no credential': undefined,
      malformed: 'not-a-jwt',
      'malformed JWT segments': 'eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJwb3J0aWNvIn0.%%%',
      expired: (await tokens.mint({ userId: adminId, typ: 'access', ttlSeconds: 60, expiresAt: Math.floor(Date.now() / 1000) - 60 })).token,
      'wrong signature': await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid }).setIssuedAt().setExpirationTime('5m').sign(stranger.privateKey),
      'alg none': new UnsecuredJWT(claims).setIssuedAt().setExpirationTime('5m').encode(),
      'HS256 with the public key as secret': await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid }).setIssuedAt().setExpirationTime('5m').sign(new TextEncoder().encode(pem)),
      'wrong audience': (await tokens.mint({ userId: adminId, typ: 'access', ttlSeconds: 60, audience: 'https://other.example/mcp' })).token,
      'wrong issuer': (await mintWith('https://issuer.example').mint({ userId: adminId, typ: 'access', ttlSeconds: 60 })).token,
      'unknown kid': await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'unknown-kid' }).setIssuedAt().setExpirationTime('5m').sign(stranger.privateKey),
    };
  });

  it('accepts a genuine token on both ways in (the control)', async () => {
    const genuine = (await tokens.mint({ userId: adminId, typ: 'mcp', ttlSeconds: 60, clientId: 'tests' })).token;
    expect((await rest(genuine)).status).toBe(200);
    const res = await mcp(genuine);
    expect(res.status).toBe(200);
    expect((await rpcBody(res)).result.tools.length).toBeGreaterThan(0);
  });

  it('refuses every forgery with 401 on REST and on /mcp', async () => {
    for (const [label, token] of Object.entries(forged)) {
      const viaRest = await rest(token);
      expect(viaRest.status, `REST: ${label}`).toBe(401);
      expect(viaRest.headers.get('www-authenticate') ?? '', `REST: ${label}`).toMatch(/^Bearer\b/);
      const viaMcp = await mcp(token);
      expect(viaMcp.status, `/mcp: ${label}`).toBe(401);
      const body = (await viaMcp.json()) as Json;
      expect(body.error.code, `/mcp: ${label}`).toBe(-32001);
    }
  });

  it('shows a readonly user only read-only tools; a write tool is not found', async () => {
    await createUser(url, admin.access, 'rita', 'readonly');
    const rita = await login(url, 'rita', USER_PASSWORD);
    const listed = await call(url, 'GET', '/api/v1/mcp/tools', { token: rita.access });
    expect(listed.status).toBe(200);
    const names = listed.body.tools.map((t: { name: string }) => t.name);
    expect(names.length).toBeGreaterThan(0);
    for (const tool of listed.body.tools) expect(tool.annotations?.readOnlyHint, tool.name).toBe(true);
    expect(names).not.toContain('test_trigger_tool_change');
    const adminNames = (await call(url, 'GET', '/api/v1/mcp/tools', { token: admin.access })).body.tools.map((t: { name: string }) => t.name);
    expect(adminNames).toContain('test_trigger_tool_change');

    const write = await call(url, 'POST', '/api/v1/mcp/tools/test_trigger_tool_change', { token: rita.access, body: {} });
    expect(write.status).toBe(404);
    expect(write.body.error.code).toBe('not_found');
    const overMcp = await rpcBody(await fetch(`${url}/mcp`, modernInit('tools/call', { name: 'test_trigger_tool_change', arguments: {} }, { token: rita.access })));
    expect(overMcp.error).toBeDefined();
    const mcpList = await rpcBody(await mcp(rita.access));
    expect(mcpList.result.tools.map((t: { name: string }) => t.name).sort()).toEqual([...names].sort());
  });

  it('accepts an MCP token minted by `portico token` on /mcp', async () => {
    const result = await runPortico(['token', '--user', 'admin', '--client-id', 'cli-client', '--ttl', '1h', '--data', server.dataDir.root], { LOG_LEVEL: 'error' });
    expect(result.code, result.stderr).toBe(0);
    const token = result.stdout.trim();
    expect(token.split('.')).toHaveLength(3);
    expect(result.stdout).toBe(`${token}\n`);
    const res = await mcp(token);
    expect(res.status).toBe(200);
    expect((await rpcBody(res)).result.tools.length).toBeGreaterThan(0);

    const unknown = await runPortico(['token', '--user', 'nobody', '--client-id', 'x', '--data', server.dataDir.root], { LOG_LEVEL: 'error' });
    expect(unknown.code).not.toBe(0);
    expect(unknown.stdout).toBe('');
  });
});
