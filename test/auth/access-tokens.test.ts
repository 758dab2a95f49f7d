import { randomBytes } from 'node:crypto';
import { SignJWT, UnsecuredJWT, exportJWK, generateKeyPair } from 'jose';
import { expect, it } from 'vitest';
import { createAccessTokens, type AccessTokens } from '../../src/auth/access-tokens.js';
import { createSigningKeys, type SigningKeys } from '../../src/auth/signing-keys.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createSigningKeyRepository } from '../../src/store/repositories/signing-key.repository.js';
import { describeEachDialect } from '../helpers/dialects.js';

const RESOURCE = 'http://127.0.0.1:4000/mcp';
const BASE = 'http://127.0.0.1:4000';
const ISSUER = 'portico';

describeEachDialect('access tokens', (ctx) => {
  async function setup(): Promise<{ tokens: AccessTokens; keys: SigningKeys; other: (issuer?: string) => AccessTokens }> {
    const database = await ctx.open();
    await migrateToLatest(database);
    const keys = createSigningKeys(createSigningKeyRepository(database.db), randomBytes(32), { rotationDays: 30, maxTokenLifetimeSeconds: 3600 });
    const audiences = () => ({ resource: RESOURCE, accepted: [RESOURCE, BASE] });
    const tokens = createAccessTokens({ signingKeys: keys, issuer: ISSUER, audiences });
    // Another installation: its own database, its own keys.
    const otherDb = await ctx.open();
    await migrateToLatest(otherDb);
    const otherKeys = createSigningKeys(createSigningKeyRepository(otherDb.db), randomBytes(32), { rotationDays: 30, maxTokenLifetimeSeconds: 3600 });
    return { tokens, keys, other: (issuer = ISSUER) => createAccessTokens({ signingKeys: otherKeys, issuer, audiences }) };
  }

  it('mints tokens that verify, with the claims the contract names', async () => {
    const { tokens } = await setup();
    const minted = await tokens.mint({ userId: 'u1', typ: 'mcp', ttlSeconds: 600, clientId: 'cursor', scope: 'tools:call:echo' });
    expect(minted.expiresIn).toBe(600);
    const claims = await tokens.verify(minted.token);
    expect(claims).toMatchObject({ iss: ISSUER, aud: RESOURCE, sub: 'u1', typ: 'mcp', client_id: 'cursor', scope: 'tools:call:echo' });
    expect(typeof claims.jti).toBe('string');
    expect(claims.exp - claims.iat).toBe(600);
    expect(tokens.claimsToBeOurs(minted.token)).toBe(true);
  });

  it('accepts the bare base URL as audience too', async () => {
    const { tokens } = await setup();
    const minted = await tokens.mint({ userId: 'u1', typ: 'access', ttlSeconds: 60, audience: BASE });
    await expect(tokens.verify(minted.token)).resolves.toMatchObject({ sub: 'u1' });
  });

  it('refuses expired, wrong audience, wrong issuer, foreign keys, unknown kids, alg none and HS256 with the public key', async () => {
    const { tokens, keys, other } = await setup();
    const past = Math.floor(Date.now() / 1000) - 120;
    const refuse = async (token: string, message = /not valid/) => {
      await expect(tokens.verify(token)).rejects.toMatchObject({ code: 'unauthenticated', message: expect.stringMatching(message) });
    };
    await refuse((await tokens.mint({ userId: 'u1', typ: 'access', ttlSeconds: 60, expiresAt: past })).token, /expired/);
    await refuse((await tokens.mint({ userId: 'u1', typ: 'access', ttlSeconds: 60, audience: 'https://elsewhere.example/mcp' })).token);
    await refuse((await other('https://evil.example').mint({ userId: 'u1', typ: 'access', ttlSeconds: 60 })).token);
    await refuse((await other().mint({ userId: 'u1', typ: 'access', ttlSeconds: 60 })).token);

    const payload = { iss: ISSUER, aud: RESOURCE, sub: 'admin', typ: 'access', jti: 'x' };
    const { kid } = await keys.current();
    // Signed by a key we never made, but claiming our kid: the signature fails.
    const stranger = await generateKeyPair('ES256');
    await refuse(await new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid }).setIssuedAt().setExpirationTime('5m').sign(stranger.privateKey));
    await refuse(await new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: 'unknown-kid' }).setIssuedAt().setExpirationTime('5m').sign(stranger.privateKey));
    await refuse(await new SignJWT(payload).setProtectedHeader({ alg: 'ES256' }).setIssuedAt().setExpirationTime('5m').sign(stranger.privateKey));
    await refuse(new UnsecuredJWT(payload).setIssuedAt().setExpirationTime('5m').encode());
    // The classic confusion: HMAC keyed with the (public) verification key.
    const publicJwk = (await keys.jwks()).keys[0]!;
    const hmacSecret = new TextEncoder().encode(JSON.stringify(publicJwk));
    await refuse(await new SignJWT(payload).setProtectedHeader({ alg: 'HS256', kid }).setIssuedAt().setExpirationTime('5m').sign(hmacSecret));
    const exported = await exportJWK(stranger.publicKey);
    await refuse(await new SignJWT(payload).setProtectedHeader({ alg: 'HS256', kid }).setIssuedAt().setExpirationTime('5m').sign(new TextEncoder().encode(String(exported.x))));
  });

  it('refuses tokens missing the claims of their type', async () => {
    const { tokens } = await setup();
    await expect(tokens.verify((await tokens.mint({ userId: 'u1', typ: 'mcp', ttlSeconds: 60 })).token)).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  it('tells its own tokens from others without trusting them', async () => {
    const { tokens, other } = await setup();
    expect(tokens.claimsToBeOurs('not-a-jwt')).toBe(false);
    expect(tokens.claimsToBeOurs((await other('https://idp.example').mint({ userId: 'u', typ: 'access', ttlSeconds: 60 })).token)).toBe(false);
    expect(tokens.claimsToBeOurs(new UnsecuredJWT({ iss: ISSUER, typ: 'access' }).encode())).toBe(true);
  });
});
