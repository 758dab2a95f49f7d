/**
 * Key material of the OAuth authorization server, derived from the installation secret (HKDF), so
 * every node of a deployment signs, verifies and reads cookies alike without sharing anything but
 * that secret. Rotating the installation secret rotates these keys (and ends every OAuth session).
 */
import { createECDH, createHash, createPublicKey, hkdfSync, type KeyObject } from 'node:crypto';

/** A P-256 private key as a JWK, with its kid. */
export interface SigningJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  d: string;
  kid: string;
  alg: 'ES256';
  use: 'sig';
}

export interface OAuthKeys {
  /** Signs the access tokens (and ID tokens) the authorization server issues. */
  readonly signingJwk: SigningJwk;
  readonly kid: string;
  readonly publicKey: KeyObject;
  /** Signs oidc-provider's cookies. */
  readonly cookieKeys: readonly string[];
  /** Keys the CSRF tokens of the login and consent forms. */
  readonly csrfKey: Buffer;
}

export const OAUTH_SIGNING_ALG = 'ES256';

/** Order of the P-256 group. */
const P256_N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
const SALT = Buffer.from('portico/oauth');

function derive(secret: Buffer, info: string, length: number): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, SALT, info, length));
}

const b64url = (b: Buffer) => b.toString('base64url');

export function deriveOAuthKeys(secretKey: Buffer): OAuthKeys {
  // 48 bytes reduced modulo n-1, plus one: a uniform-enough scalar in [1, n-1] (FIPS 186-5 A.2.1).
  const wide = BigInt(`0x${derive(secretKey, 'portico oauth signing key v1', 48).toString('hex')}`);
  const scalar = (wide % (P256_N - 1n)) + 1n;
  const d = Buffer.from(scalar.toString(16).padStart(64, '0'), 'hex');
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(d);
  const point = ecdh.getPublicKey();
  const x = b64url(point.subarray(1, 33));
  const y = b64url(point.subarray(33, 65));
  // RFC 7638 thumbprint: the required members in lexicographic order.
  const kid = b64url(createHash('sha256').update(JSON.stringify({ crv: 'P-256', kty: 'EC', x, y })).digest());
  const signingJwk: SigningJwk = { kty: 'EC', crv: 'P-256', x, y, d: b64url(d), kid, alg: 'ES256', use: 'sig' };
  const publicKey = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x, y }, format: 'jwk' });
  return Object.freeze({
    signingJwk,
    kid,
    publicKey,
    cookieKeys: Object.freeze([b64url(derive(secretKey, 'portico oauth cookies v1', 32))]),
    csrfKey: derive(secretKey, 'portico oauth csrf v1', 32),
  });
}
