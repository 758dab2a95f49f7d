import { createPrivateKey, randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { deriveOAuthKeys } from '../../../src/auth/oauth/oauth-keys.js';

describe('OAuth key material', () => {
  it('is the same on every node that shares the installation secret, and differs otherwise', () => {
    const secret = randomBytes(32);
    const a = deriveOAuthKeys(secret);
    const b = deriveOAuthKeys(Buffer.from(secret));
    const other = deriveOAuthKeys(randomBytes(32));
    expect(a.signingJwk).toEqual(b.signingJwk);
    expect(a.cookieKeys).toEqual(b.cookieKeys);
    expect(a.csrfKey.equals(b.csrfKey)).toBe(true);
    expect(other.kid).not.toBe(a.kid);
    expect(other.cookieKeys).not.toEqual(a.cookieKeys);
    expect(a.csrfKey.equals(Buffer.from(a.cookieKeys[0]!, 'base64url'))).toBe(false);
  });

  it('yields a working ES256 key pair whose kid is its RFC 7638 thumbprint', async () => {
    const keys = deriveOAuthKeys(randomBytes(48));
    const privateKey = createPrivateKey({ key: { ...keys.signingJwk }, format: 'jwk' });
    const token = await new SignJWT({ hello: 'world' }).setProtectedHeader({ alg: 'ES256', kid: keys.kid }).sign(privateKey);
    const { payload } = await jwtVerify(token, keys.publicKey, { algorithms: ['ES256'] });
    expect(payload.hello).toBe('world');
    expect(keys.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const { calculateJwkThumbprint } = await import('jose');
    expect(await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: keys.signingJwk.x, y: keys.signingJwk.y })).toBe(keys.kid);
  });
});
