import { expect, it } from 'vitest';
import { createOAuthStore } from '../../../src/auth/oauth/oauth-store.js';
import { migrateToLatest } from '../../../src/store/migrate.js';
import { describeEachDialect } from '../../helpers/dialects.js';

describeEachDialect('oidc-provider storage', (ctx) => {
  async function setup() {
    const database = await ctx.open();
    await migrateToLatest(database);
    let now = Date.parse('2026-01-01T00:00:00Z');
    const store = createOAuthStore(database.db, { now: () => now, grantCacheMs: 5_000 });
    return { database, store, advance: (ms: number) => (now += ms) };
  }

  it('stores, finds, replaces and destroys records per model', async () => {
    const { store } = await setup();
    const clients = store.adapterFor('Client');
    const sessions = store.adapterFor('Session');
    await clients.upsert('c1', { client_id: 'c1', redirect_uris: ['http://127.0.0.1/cb'] });
    await sessions.upsert('c1', { uid: 'u-1', accountId: 'a' }, 60);
    expect(await clients.find('c1')).toEqual({ client_id: 'c1', redirect_uris: ['http://127.0.0.1/cb'] });
    expect(await sessions.find('c1')).toEqual({ uid: 'u-1', accountId: 'a' });
    expect(await sessions.findByUid('u-1')).toEqual({ uid: 'u-1', accountId: 'a' });
    expect(await clients.findByUid('u-1')).toBeUndefined();
    await clients.upsert('c1', { client_id: 'c1', client_name: 'renamed' });
    expect(await clients.find('c1')).toEqual({ client_id: 'c1', client_name: 'renamed' });
    await clients.destroy('c1');
    expect(await clients.find('c1')).toBeUndefined();
    expect(await sessions.find('c1')).toBeDefined();
    expect(await clients.find('never')).toBeUndefined();
  });

  it('hides expired records and marks consumed ones', async () => {
    const { store, advance } = await setup();
    const codes = store.adapterFor('AuthorizationCode');
    await codes.upsert('code-1', { jti: 'code-1', grantId: 'g1' }, 60);
    await codes.consume('code-1');
    const found = await codes.find('code-1');
    expect(typeof found?.consumed).toBe('number');
    advance(61_000);
    expect(await codes.find('code-1')).toBeUndefined();
    await store.adapterFor('DeviceCode').upsert('d1', { userCode: 'ABCD-EFGH' }, 60);
    expect(await store.adapterFor('DeviceCode').findByUserCode('ABCD-EFGH')).toEqual({ userCode: 'ABCD-EFGH' });
  });

  it('revokes everything issued under a grant, and the grant check follows at once', async () => {
    const { store } = await setup();
    const grants = store.adapterFor('Grant');
    const refresh = store.adapterFor('RefreshToken');
    await grants.upsert('g1', { jti: 'g1', accountId: 'a', clientId: 'c' }, 3600);
    await refresh.upsert('r1', { jti: 'r1', grantId: 'g1' }, 3600);
    await refresh.upsert('r2', { jti: 'r2', grantId: 'g2' }, 3600);
    expect(await store.grantAlive('g1')).toBe(true);
    expect(await store.grantAlive('g2')).toBe(false);
    await refresh.revokeByGrantId('g1');
    expect(await refresh.find('r1')).toBeUndefined();
    expect(await refresh.find('r2')).toBeDefined();
    await grants.destroy('g1');
    expect(await store.grantAlive('g1')).toBe(false);
  });

  it('notices a grant revoked elsewhere once its cache entry ages out', async () => {
    const { database, store, advance } = await setup();
    await store.adapterFor('Grant').upsert('g1', { jti: 'g1' }, 3600);
    expect(await store.grantAlive('g1')).toBe(true);
    // Another node deletes it.
    await database.db.deleteFrom('oauth_records').where('id', '=', 'g1').execute();
    expect(await store.grantAlive('g1')).toBe(true);
    advance(5_001);
    expect(await store.grantAlive('g1')).toBe(false);
  });

  it('purges expired rows in passing', async () => {
    const { database, store, advance } = await setup();
    await store.adapterFor('Interaction').upsert('i1', { uid: 'i1' }, 10);
    advance(120_000);
    await store.adapterFor('Interaction').upsert('i2', { uid: 'i2' }, 10);
    await new Promise((r) => setTimeout(r, 50));
    const ids = (await database.db.selectFrom('oauth_records').select('id').execute()).map((r) => r.id);
    expect(ids).toEqual(['i2']);
  });
});
