import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { createSigningKeys } from '../../src/auth/signing-keys.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createSigningKeyRepository } from '../../src/store/repositories/signing-key.repository.js';
import { describeEachDialect } from '../helpers/dialects.js';

const DAY = 86_400_000;

describeEachDialect('signing keys', (ctx) => {
  async function setup(options: { rotationDays?: number; maxTokenLifetimeSeconds?: number } = {}) {
    const database = await ctx.open();
    await migrateToLatest(database);
    const clock = { now: Date.parse('2030-01-01T00:00:00Z') };
    const secret = randomBytes(32);
    const make = () =>
      createSigningKeys(createSigningKeyRepository(database.db), secret, {
        rotationDays: options.rotationDays ?? 30,
        maxTokenLifetimeSeconds: options.maxTokenLifetimeSeconds ?? 86_400,
        now: () => clock.now,
      });
    return { database, clock, keys: make(), make };
  }

  it('creates one ES256 key on first use and keeps using it until it is due', async () => {
    const { keys, clock, database } = await setup();
    const first = await keys.current();
    clock.now += 29 * DAY;
    expect((await keys.current()).kid).toBe(first.kid);
    const rows = await database.db.selectFrom('signing_keys').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.alg).toBe('ES256');
    // The private half is sealed: no JWK member `d` in the clear.
    expect(rows[0]!.private_jwk_encrypted).toMatch(/^v1\./);
    expect(rows[0]!.private_jwk_encrypted).not.toContain('"d"');
    expect(JSON.parse(rows[0]!.public_jwk)).not.toHaveProperty('d');
  });

  it('rotates after the rotation age; the old key verifies for twice the longest token lifetime, then is gone', async () => {
    const { keys, clock } = await setup({ rotationDays: 30, maxTokenLifetimeSeconds: 86_400 });
    const old = await keys.current();
    clock.now += 30 * DAY;
    const next = await keys.current();
    expect(next.kid).not.toBe(old.kid);
    expect(await keys.verificationKey(old.kid)).toBeDefined();
    expect((await keys.jwks()).keys.map((k) => k.kid).sort()).toEqual([old.kid, next.kid].sort());

    clock.now += 2 * DAY - 1000;
    expect(await keys.verificationKey(old.kid)).toBeDefined();
    clock.now += 2000;
    expect(await keys.verificationKey(old.kid)).toBeUndefined();
    expect((await keys.jwks()).keys.map((k) => k.kid)).toEqual([next.kid]);
    for (const jwk of (await keys.jwks()).keys) expect(jwk).not.toHaveProperty('d');
  });

  it('shares keys across instances: another instance signs with the same key and finds keys made elsewhere', async () => {
    const { keys, make, clock } = await setup();
    const a = await keys.current();
    const other = make();
    expect((await other.current()).kid).toBe(a.kid);
    // The other instance rotates; the first finds the new kid when a token names it.
    clock.now += 31 * DAY;
    const rotated = await other.current();
    expect(rotated.kid).not.toBe(a.kid);
    expect(await keys.verificationKey(rotated.kid)).toBeDefined();
    // ...and signs with it too instead of making a third key.
    expect((await keys.current()).kid).toBe(rotated.kid);
  });

  it('answers undefined for a kid it has never seen', async () => {
    const { keys } = await setup();
    await keys.current();
    expect(await keys.verificationKey('no-such-kid')).toBeUndefined();
  });
});
