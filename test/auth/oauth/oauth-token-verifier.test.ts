import { createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import { deriveOAuthKeys } from '../../../src/auth/oauth/oauth-keys.js';
import { createOAuthTokenVerifier } from '../../../src/auth/oauth/oauth-token-verifier.js';
import { PorticoError } from '../../../src/core/errors.js';
import { createPermissionSet, type PermissionSet } from '../../../src/core/identity/permissions.js';
import type { Principal } from '../../../src/core/identity/principal.js';

const ISSUER = 'http://127.0.0.1:8080';
const RESOURCE = `${ISSUER}/mcp`;
const keys = deriveOAuthKeys(randomBytes(32));
const signingKey = createPrivateKey({ key: { ...keys.signingJwk }, format: 'jwk' });
const NOW = Date.parse('2026-03-01T12:00:00Z');
const nowS = Math.floor(NOW / 1000);

function claims(overrides: Record<string, unknown> = {}) {
  return { iss: ISSUER, aud: RESOURCE, sub: 'u-1', client_id: 'c-1', scope: 'mcp', jti: 'j-1', gid: 'g-1', iat: nowS - 10, exp: nowS + 3600, ...overrides };
}
function sign(payload: Record<string, unknown>, header: Record<string, unknown> = {}, key: Parameters<SignJWT['sign']>[0] = signingKey) {
  return new SignJWT(payload).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: keys.kid, ...header }).sign(key);
}

let users: Map<string, PermissionSet>;
let liveGrants: Set<string>;
let lookups: number;
let generation: number;

const identity = {
  get generation() {
    return generation;
  },
  async principalForUser(userId: string, narrowTo?: PermissionSet): Promise<Principal> {
    lookups++;
    const permissions = users.get(userId);
    if (!permissions) throw new PorticoError('unauthenticated', 'The account is not active.');
    void narrowTo;
    return { id: `user:${userId}`, kind: 'user', name: userId, roles: ['user'], permissions };
  },
};

const verifier = () =>
  createOAuthTokenVerifier({
    identity,
    kid: keys.kid,
    publicKey: keys.publicKey,
    target: () => ({ issuer: ISSUER, audiences: [RESOURCE, `${ISSUER}/sse`] }),
    grantAlive: async (id) => liveGrants.has(id),
    now: () => NOW,
  });

async function refusal(promise: Promise<unknown>): Promise<PorticoError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PorticoError);
  return err as PorticoError;
}

beforeEach(() => {
  users = new Map([['u-1', createPermissionSet(['tools:call:*', 'resources:read:*'])]]);
  liveGrants = new Set(['g-1']);
  lookups = 0;
  generation = 1;
});

describe('OAuth access token verifier', () => {
  it('accepts a token of ours for this resource and maps it to the user', async () => {
    const principal = await verifier().verify(await sign(claims()));
    expect(principal).toMatchObject({ id: 'user:u-1', kind: 'user' });
    expect(principal!.permissions.allows('tools:call:echo')).toBe(true);
    expect(await verifier().verify(await sign(claims({ aud: [`${ISSUER}/sse`] })))).toBeDefined();
  });

  it('leaves tokens that are not its kind to the next verifier', async () => {
    const v = verifier();
    expect(await v.verify('pk_abc.def')).toBeUndefined();
    expect(await v.verify('not a jwt')).toBeUndefined();
    expect(await v.verify(await sign(claims(), { kid: 'someone-elses-key' }))).toBeUndefined();
  });

  it('refuses another audience, another issuer, expiry, the wrong type, a foreign signature and alg none', async () => {
    const v = verifier();
    expect((await refusal(v.verify(await sign(claims({ aud: 'https://other.example/mcp' }))))).message).toMatch(/another resource/);
    expect((await refusal(v.verify(await sign(claims({ iss: 'https://evil.example' }))))).code).toBe('unauthenticated');
    expect((await refusal(v.verify(await sign(claims({ exp: nowS - 1 }))))).message).toMatch(/expired/);
    expect((await refusal(v.verify(await sign(claims(), { typ: 'JWT' })))).code).toBe('unauthenticated');
    const { privateKey: foreign } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect((await refusal(v.verify(await sign(claims(), {}, foreign)))).code).toBe('unauthenticated');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt', kid: keys.kid })).toString('base64url')}.${Buffer.from(JSON.stringify(claims())).toString('base64url')}.`;
    expect((await refusal(v.verify(none))).code).toBe('unauthenticated');
    const hs = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: keys.kid }).sign(new TextEncoder().encode(keys.signingJwk.x));
    expect((await refusal(v.verify(hs))).code).toBe('unauthenticated');
  });

  it('refuses a token without a grant, or whose grant was revoked — even one it remembers', async () => {
    const v = verifier();
    expect((await refusal(v.verify(await sign(claims({ gid: undefined }))))).code).toBe('unauthenticated');
    const token = await sign(claims());
    expect(await v.verify(token)).toBeDefined();
    liveGrants.delete('g-1');
    expect((await refusal(v.verify(token))).message).toMatch(/revoked/);
  });

  it('answers 403 insufficient_scope for a token with no MCP scope, and narrows mcp:read', async () => {
    const v = verifier();
    const err = await refusal(v.verify(await sign(claims({ scope: 'openid offline_access' }))));
    expect(err.code).toBe('forbidden');
    expect(err.details).toEqual({ requiredScope: 'mcp' });
    const read = await v.verify(await sign(claims({ scope: 'mcp:read' })));
    expect(read!.permissions.allows('tools:call:echo')).toBe(false);
    expect(read!.permissions.allows('tools:read:echo')).toBe(true);
    expect(read!.permissions.allows('resources:read:portico://x')).toBe(true);
  });

  it('refuses a token of a user who is no longer active', async () => {
    users.delete('u-1');
    expect((await refusal(verifier().verify(await sign(claims())))).code).toBe('unauthenticated');
  });

  it('remembers a verified token until an identity change', async () => {
    const v = verifier();
    const token = await sign(claims());
    await v.verify(token);
    await v.verify(token);
    expect(lookups).toBe(1);
    generation++;
    await v.verify(token);
    expect(lookups).toBe(2);
  });
});
