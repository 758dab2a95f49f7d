/**
 * External OIDC issuer: a JWKS (and discovery document) served by the test itself on 127.0.0.1,
 * tokens signed with keys made here.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { createExternalOidcVerifier, claimAt, mapRole, type OidcConfig } from '../../src/auth/external-oidc-verifier.js';
import { createIdentityAuthenticator } from '../../src/auth/identity-authenticator.js';
import type { IdentityService } from '../../src/auth/identity-service.js';
import { PorticoError } from '../../src/core/errors.js';
import { createPermissionSet } from '../../src/core/identity/permissions.js';
import type { Json } from '../helpers/http.js';
import { loadConfig } from '../../src/config/load-config.js';
import { startServer } from '../../src/server.js';
import { tempDir } from '../helpers/temp-dir.js';
import { silentLogger, startTestServer } from '../helpers/test-server.js';

const AUDIENCE = 'portico-api';
const PERMS: Record<string, string[]> = { admin: ['admin'], user: ['tools:call:*'], readonly: ['tools:read:*'] };
const permissionsOf = async (role: string) => createPermissionSet(PERMS[role] ?? []);

const requests: string[] = [];
let discoveryAnswers = true;

// Top-level, so the issuer URL is known when suites start their servers.
const pair = await generateKeyPair('RS256');
const key: CryptoKey = pair.privateKey;
const otherKey: CryptoKey = (await generateKeyPair('RS256')).privateKey;
const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
const server: Server = createServer((req, res) => {
  requests.push(req.url ?? '');
  if (req.url === '/.well-known/openid-configuration' && discoveryAnswers) {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/keys` }));
  } else if (req.url === '/keys') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  } else {
    res.statusCode = 404;
    res.end();
  }
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

interface TokenOptions {
  claims?: Record<string, unknown>;
  iss?: string;
  aud?: string;
  exp?: number | string;
  nbf?: number | string;
  kid?: string;
  signWith?: CryptoKey;
  sub?: string;
}

function token(o: TokenOptions = {}): Promise<string> {
  const jwt = new SignJWT({ preferred_username: 'dana', groups: ['staff'], ...o.claims })
    .setProtectedHeader({ alg: 'RS256', kid: o.kid ?? 'k1' })
    .setIssuer(o.iss ?? issuer)
    .setAudience(o.aud ?? AUDIENCE)
    .setSubject(o.sub ?? 'u-123')
    .setIssuedAt()
    .setExpirationTime(o.exp ?? '5m');
  if (o.nbf !== undefined) jwt.setNotBefore(o.nbf);
  return jwt.sign(o.signWith ?? key);
}

function config(over: Partial<OidcConfig> = {}): OidcConfig {
  return { issuer, jwksUrl: `${issuer}/keys`, audience: AUDIENCE, roleClaim: 'groups', roleMap: { staff: 'user' }, defaultRole: undefined, ...over };
}

async function refusal(p: Promise<unknown>): Promise<PorticoError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PorticoError);
  return err as PorticoError;
}

describe('external OIDC verifier', () => {
  it('accepts a token from the issuer and maps it to a principal', async () => {
    const verifier = createExternalOidcVerifier(config(), { permissionsOf });
    const principal = await verifier.verify(await token());
    expect(principal).toMatchObject({ id: 'oidc:u-123', kind: 'user', name: 'dana', roles: ['user'] });
    expect(principal!.permissions.allows('tools:call:echo')).toBe(true);
    expect(principal!.permissions.allows('admin')).toBe(false);
  });

  it('names the principal from preferred_username, else email, else sub', async () => {
    const verifier = createExternalOidcVerifier(config(), { permissionsOf });
    expect((await verifier.verify(await token({ claims: { preferred_username: undefined, email: 'd@example.com' } })))!.name).toBe('d@example.com');
    expect((await verifier.verify(await token({ claims: { preferred_username: undefined } })))!.name).toBe('u-123');
  });

  it('discovers the JWKS from the issuer when no JWKS URL is configured, through the injected fetch', async () => {
    const fetched: string[] = [];
    const countingFetch: typeof fetch = (input, init) => {
      fetched.push(String(input));
      return fetch(input, init);
    };
    const verifier = createExternalOidcVerifier(config({ jwksUrl: undefined }), { permissionsOf, fetch: countingFetch });
    expect((await verifier.verify(await token()))?.id).toBe('oidc:u-123');
    expect((await verifier.verify(await token({ sub: 'other' })))?.id).toBe('oidc:other');
    expect(fetched).toEqual([`${issuer}/.well-known/openid-configuration`, `${issuer}/keys`]);
  });

  it('answers unavailable when discovery fails, and tries again next time', async () => {
    discoveryAnswers = false;
    try {
      const verifier = createExternalOidcVerifier(config({ jwksUrl: undefined }), { permissionsOf });
      expect((await refusal(verifier.verify(await token()))).code).toBe('unavailable');
      discoveryAnswers = true;
      expect((await verifier.verify(await token()))?.id).toBe('oidc:u-123');
    } finally {
      discoveryAnswers = true;
    }
  });

  it('maps roles through the role map in its order, from a dot path, a string or a list', async () => {
    const roleMap = { 'portico-admins': 'admin', staff: 'user' };
    const verifier = createExternalOidcVerifier(config({ roleClaim: 'realm_access.roles', roleMap }), { permissionsOf });
    const both = await verifier.verify(await token({ claims: { realm_access: { roles: ['staff', 'portico-admins'] } } }));
    expect(both!.roles).toEqual(['admin']);
    const single = await verifier.verify(await token({ claims: { realm_access: { roles: 'staff' } } }));
    expect(single!.roles).toEqual(['user']);
    expect(claimAt({ 'https://example.com/roles': ['x'] }, 'https://example.com/roles')).toEqual(['x']);
    expect(mapRole(['a', 'b'], { b: 'user', a: 'admin' }, undefined)).toBe('user');
    expect(mapRole(42, { b: 'user' }, 'readonly')).toBe('readonly');
  });

  it('gives the default role to an unmapped account, and refuses it (403) without one', async () => {
    const withDefault = createExternalOidcVerifier(config({ defaultRole: 'readonly' }), { permissionsOf });
    expect((await withDefault.verify(await token({ claims: { groups: ['elsewhere'] } })))!.roles).toEqual(['readonly']);
    const strict = createExternalOidcVerifier(config(), { permissionsOf });
    const err = await refusal(strict.verify(await token({ claims: { groups: ['elsewhere'] } })));
    expect(err.code).toBe('forbidden');
    expect(err.status).toBe(403);
    expect((await refusal(strict.verify(await token({ claims: { groups: undefined } })))).code).toBe('forbidden');
  });

  it('leaves a token from another issuer (or not a JWT) to the next verifier', async () => {
    const verifier = createExternalOidcVerifier(config(), { permissionsOf });
    expect(await verifier.verify(await token({ iss: 'https://other.example.com' }))).toBeUndefined();
    expect(await verifier.verify('not-a-jwt')).toBeUndefined();
  });

  it('is refused by the authenticator chain when nobody accepts it (wrong issuer)', async () => {
    const identity = { principalForApiKey: () => Promise.reject(new Error('unused')) } as unknown as IdentityService;
    const auth = createIdentityAuthenticator(identity, [createExternalOidcVerifier(config(), { permissionsOf })]);
    expect((await auth.authenticate({ bearer: await token() }))?.id).toBe('oidc:u-123');
    expect((await refusal(Promise.resolve(auth.authenticate({ bearer: await token({ iss: `${issuer}/other` }) })))).code).toBe('unauthenticated');
  });

  it.each([
    ['a wrong audience', () => token({ aud: 'someone-else' }), /not issued for this server/],
    ['an expired token', () => token({ exp: Math.floor(Date.now() / 1000) - 3600 }), /expired/],
    ['a token not valid yet', () => token({ nbf: Math.floor(Date.now() / 1000) + 3600 }), /not valid/],
    ['an unknown key id', () => token({ kid: 'k-unknown', signWith: otherKey }), /not valid/],
    ['a wrong signature under a known key id', () => token({ signWith: otherKey }), /not valid/],
  ])('refuses %s with 401', async (_label, make, message) => {
    const verifier = createExternalOidcVerifier(config(), { permissionsOf });
    const err = await refusal(verifier.verify(await make()));
    expect(err.code).toBe('unauthenticated');
    expect(err.message).toMatch(message);
  });

  it('refuses alg none and HMAC tokens', async () => {
    const verifier = createExternalOidcVerifier(config(), { permissionsOf });
    const none = new UnsecuredJWT({ groups: ['staff'] }).setIssuer(issuer).setAudience(AUDIENCE).setSubject('x').setExpirationTime('5m').encode();
    expect((await refusal(verifier.verify(none))).code).toBe('unauthenticated');
    const hs = await new SignJWT({ groups: ['staff'] })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setIssuer(issuer)
      .setAudience(AUDIENCE)
      .setSubject('x')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('a-shared-secret-that-is-long-enough-123'));
    expect((await refusal(verifier.verify(hs))).code).toBe('unauthenticated');
  });

  it('will not run without an audience', () => {
    expect(() => createExternalOidcVerifier(config({ audience: undefined }), { permissionsOf })).toThrow(/audience/);
  });
});

describe('external OIDC issuer on a running server', async () => {
  const running = await startTestServer({
    PORTICO_ADMIN_PASSWORD: 'a-test-admin-password-1',
    PORTICO_MCP__CONFORMANCE_FIXTURE: 'true',
    PORTICO_OIDC__ISSUER: issuer,
    PORTICO_OIDC__AUDIENCE: AUDIENCE,
    PORTICO_OIDC__ROLE_CLAIM: 'groups',
    PORTICO_OIDC__ROLE_MAP: JSON.stringify({ staff: 'user' }),
  });
  const get = async (bearer: string) => fetch(`${running.url}/api/v1/mcp/tools`, { headers: { authorization: `Bearer ${bearer}` } });

  it('accepts the issuer’s tokens on the HTTP surfaces', async () => {
    const list = await get(await token());
    expect(list.status).toBe(200);
    expect(((await list.json()) as Json).tools.length).toBeGreaterThan(0);
  });

  it('refuses an unmapped account with 403, and a wrong audience or expired token with 401', async () => {
    expect((await get(await token({ claims: { groups: ['nobody'] } }))).status).toBe(403);
    expect((await get(await token({ aud: 'other' }))).status).toBe(401);
    expect((await get(await token({ exp: Math.floor(Date.now() / 1000) - 3600 }))).status).toBe(401);
    expect((await get(await token({ iss: 'https://other.example.com' }))).status).toBe(401);
  });

  it('will not start with an issuer but no audience', async () => {
    const config = loadConfig({ env: { PORTICO_DATA_DIR: tempDir(), PORTICO_PORT: '0', PORTICO_OIDC__ISSUER: issuer } });
    await expect(startServer(config, { logger: silentLogger })).rejects.toThrow(/oidc.audience/);
  });
});
