import { randomBytes, randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { createRefreshTokens } from '../../src/auth/refresh-tokens.js';
import { BUILTIN_ROLES } from '../../src/auth/roles.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createIdentityRepository } from '../../src/store/repositories/identity.repository.js';
import { createRefreshTokenRepository } from '../../src/store/repositories/refresh-token.repository.js';
import { describeEachDialect } from '../helpers/dialects.js';

describeEachDialect('refresh tokens', (ctx) => {
  async function setup() {
    const database = await ctx.open();
    await migrateToLatest(database);
    const identity = createIdentityRepository(database.db);
    const at = new Date().toISOString();
    for (const r of BUILTIN_ROLES) await identity.insertRoleIfAbsent({ name: r.name, description: '', permissions: JSON.stringify(r.permissions), builtin: 1, created_at: at, updated_at: at });
    const userId = randomUUID();
    await identity.insertUser({ id: userId, username: 'ann', email: null, full_name: null, password_hash: null, role: 'user', is_active: 1, created_at: at, updated_at: at, last_login_at: null });
    const clock = { now: Date.now() };
    const tokens = createRefreshTokens(createRefreshTokenRepository(database.db), randomBytes(32), { ttlSeconds: 3600, now: () => clock.now });
    return { database, tokens, userId, clock };
  }

  it('stores only a hash, and rotates on every use within the same family', async () => {
    const { database, tokens, userId } = await setup();
    const first = await tokens.issue(userId);
    expect(first.token).toMatch(/^prt_[A-Za-z0-9_-]{43}$/);
    const rows = await database.db.selectFrom('refresh_tokens').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(first.token.slice(4));
    const second = await tokens.rotate(first.token);
    expect(second.token).not.toBe(first.token);
    expect(second.familyId).toBe(first.familyId);
    expect(second.userId).toBe(userId);
    const third = await tokens.rotate(second.token);
    expect(await tokens.familyActive(third.familyId)).toBe(true);
  });

  it('revokes the whole family when a spent token comes back', async () => {
    const { tokens, userId } = await setup();
    let revocations = 0;
    tokens.onRevoke(() => revocations++);
    const first = await tokens.issue(userId);
    const second = await tokens.rotate(first.token);
    await expect(tokens.rotate(first.token)).rejects.toMatchObject({ code: 'unauthenticated', message: expect.stringMatching(/already used/) });
    await expect(tokens.rotate(second.token)).rejects.toMatchObject({ code: 'unauthenticated', message: expect.stringMatching(/revoked/) });
    expect(await tokens.familyActive(first.familyId)).toBe(false);
    expect(revocations).toBe(1);
  });

  it('lets exactly one of two concurrent uses win', async () => {
    const { tokens, userId } = await setup();
    const first = await tokens.issue(userId);
    const results = await Promise.allSettled([tokens.rotate(first.token), tokens.rotate(first.token)]);
    expect(results.filter((r) => r.status === 'fulfilled').length).toBeLessThanOrEqual(1);
    expect(await tokens.familyActive(first.familyId)).toBe(false);
  });

  it('refuses unknown and expired tokens, and ends sessions on revocation', async () => {
    const { tokens, userId, clock } = await setup();
    await expect(tokens.rotate('prt_nope')).rejects.toMatchObject({ code: 'unauthenticated' });
    await expect(tokens.rotate('something-else')).rejects.toMatchObject({ code: 'unauthenticated' });
    const a = await tokens.issue(userId);
    clock.now += 3601_000;
    await expect(tokens.rotate(a.token)).rejects.toMatchObject({ message: expect.stringMatching(/expired/) });

    const b = await tokens.issue(userId);
    const c = await tokens.issue(userId);
    await tokens.revokeUser(userId, c.familyId);
    expect(await tokens.familyActive(b.familyId)).toBe(false);
    expect(await tokens.familyActive(c.familyId)).toBe(true);
    expect(await tokens.familyOf(c.token)).toEqual({ familyId: c.familyId, userId });
    await tokens.revokeFamily(c.familyId);
    await expect(tokens.rotate(c.token)).rejects.toMatchObject({ message: expect.stringMatching(/revoked/) });
  });
});
