import { expect, it } from 'vitest';
import { createIdentityAuthenticator } from '../../src/auth/identity-authenticator.js';
import { createIdentityService, type IdentityService } from '../../src/auth/identity-service.js';
import type { PorticoError } from '../../src/core/errors.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createIdentityRepository } from '../../src/store/repositories/identity.repository.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { BUILTIN_ROLES } from '../../src/auth/roles.js';

const KEY = Buffer.alloc(32, 9);
const PASSWORD = 'correct horse battery';

async function fails(run: () => Promise<unknown>): Promise<PorticoError> {
  try {
    await run();
  } catch (err) {
    return err as PorticoError;
  }
  throw new Error('expected a failure');
}

describeEachDialect('identity service', (ctx) => {
  async function service(): Promise<IdentityService> {
    const database = await ctx.open();
    await migrateToLatest(database);
    const identity = createIdentityService(createIdentityRepository(database.db), KEY);
    await identity.ensureBuiltinRoles();
    return identity;
  }

  it('seeds the built-in roles and creates the first admin once, with a random password', async () => {
    const identity = await service();
    expect((await identity.roles()).map((r) => r.name).sort()).toEqual(['admin', 'ai_agent', 'readonly', 'user']);
    const first = await identity.firstStart();
    expect(first).toMatchObject({ created: true, username: 'admin', generated: true });
    if (!first.created) return;
    expect(first.password).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(await identity.verifyLogin('admin', first.password)).toMatchObject({ username: 'admin', role: 'admin' });
    expect(await identity.firstStart()).toEqual({ created: false });
    const other = await service();
    const chosen = await other.firstStart('a chosen password');
    expect(chosen).toMatchObject({ created: true, generated: false, password: 'a chosen password' });
    await expect(other.firstStart()).resolves.toEqual({ created: false });
  });

  it('brings unedited built-in roles up to the current permissions, and leaves edited ones alone', async () => {
    const database = await ctx.open();
    await migrateToLatest(database);
    const repo = createIdentityRepository(database.db);
    const old = { description: 'old', permissions: JSON.stringify(['tools:call:echo']), builtin: 1 as const, created_at: '2025-01-01T00:00:00.000Z', updated_at: '2025-01-01T00:00:00.000Z' };
    await repo.upsertRole({ name: 'user', ...old });
    await repo.upsertRole({ name: 'readonly', ...old });
    const identity = createIdentityService(repo, KEY);
    await identity.saveRole({ name: 'readonly', permissions: ['tools:read:*'] });
    await identity.ensureBuiltinRoles();
    const roles = new Map((await identity.roles()).map((r) => [r.name, r.permissions]));
    expect(roles.get('user')).toEqual(BUILTIN_ROLES.find((r) => r.name === 'user')!.permissions);
    expect(roles.get('readonly')).toEqual(['tools:read:*']);
  });

  it('hashes passwords with argon2id and refuses wrong or inactive logins', async () => {
    const identity = await service();
    const user = await identity.createUser({ username: 'ada', role: 'user', password: PASSWORD, email: 'ada@example.com' });
    expect(await identity.verifyLogin('ada', PASSWORD)).toMatchObject({ id: user.id });
    expect(await identity.verifyLogin('ada', 'wrong password!!')).toBeUndefined();
    expect(await identity.verifyLogin('nobody', PASSWORD)).toBeUndefined();
    await identity.updateUser(user.id, { isActive: false });
    expect(await identity.verifyLogin('ada', PASSWORD)).toBeUndefined();
    expect((await fails(() => identity.createUser({ username: 'ada', role: 'user', password: PASSWORD }))).code).toBe('conflict');
    expect((await fails(() => identity.createUser({ username: 'bee', role: 'user', password: 'short' }))).code).toBe('validation_failed');
    expect((await fails(() => identity.createUser({ username: 'bee', role: 'no_such_role' }))).code).toBe('validation_failed');
    expect((await fails(() => identity.createUser({ username: 'x y', role: 'user' }))).code).toBe('validation_failed');
  });

  it('never lets the last active admin be demoted, deactivated or deleted', async () => {
    const identity = await service();
    const first = await identity.createUser({ username: 'root', role: 'admin', password: PASSWORD });
    for (const attempt of [() => identity.updateUser(first.id, { role: 'user' }), () => identity.updateUser(first.id, { isActive: false }), () => identity.deleteUser(first.id)]) {
      expect((await fails(attempt)).code).toBe('conflict');
    }
    const second = await identity.createUser({ username: 'root2', role: 'admin', password: PASSWORD });
    await identity.updateUser(first.id, { role: 'user' });
    expect((await fails(() => identity.deleteUser(second.id))).code).toBe('conflict');
  });

  it('refuses changing your own role or deactivating yourself', async () => {
    const identity = await service();
    await identity.createUser({ username: 'boss', role: 'admin', password: PASSWORD });
    const me = await identity.createUser({ username: 'me', role: 'readonly', password: PASSWORD });
    const actor = { principal: await identity.principalForUser(me.id), userId: me.id };
    expect((await fails(() => identity.updateUser(me.id, { role: 'admin' }, actor))).code).toBe('forbidden');
    expect((await fails(() => identity.updateUser(me.id, { isActive: false }, actor))).code).toBe('forbidden');
    await expect(identity.updateUser(me.id, { fullName: 'Me Myself' }, actor)).resolves.toMatchObject({ fullName: 'Me Myself', role: 'readonly' });
  });

  it('issues API keys that authenticate as their role, narrowed by scopes and owner', async () => {
    const identity = await service();
    const auth = createIdentityAuthenticator(identity);
    const agent = await identity.createKey({ name: 'agent', role: 'ai_agent' });
    expect(agent.secret).toMatch(/^pk_[a-z0-9]{12}_[A-Za-z0-9_-]{32}$/);
    expect(JSON.stringify(await identity.keys())).not.toContain(/^pk_[a-z0-9]{12}_(.+)$/.exec(agent.secret)![1]!);
    const p = await auth.authenticate({ bearer: agent.secret });
    expect(p).toMatchObject({ id: `key:${agent.key.id}`, kind: 'api-key', roles: ['ai_agent'] });
    expect(p!.permissions.allows('tools:call:anything')).toBe(true);
    expect(p!.permissions.allows('users:manage')).toBe(false);
    expect(await auth.authenticate({ apiKey: agent.secret })).toBe(p);

    const scoped = await identity.createKey({ name: 'scoped', role: 'ai_agent', scopes: ['tools:call:search_*'] });
    const sp = await auth.authenticate({ bearer: scoped.secret });
    expect(sp!.permissions.allows('tools:call:search_items')).toBe(true);
    expect(sp!.permissions.allows('tools:call:delete_item')).toBe(false);

    // An admin's key with role readonly is no more than readonly; a readonly user's key with role admin is no more than readonly.
    const admin = await identity.createUser({ username: 'boss', role: 'admin', password: PASSWORD });
    const viewer = await identity.createUser({ username: 'viewer', role: 'readonly', password: PASSWORD });
    const narrowed = await auth.authenticate({ bearer: (await identity.createKey({ name: 'n', role: 'readonly', userId: admin.id })).secret });
    expect(narrowed).toMatchObject({ id: `user:${admin.id}`, name: 'boss' });
    expect(narrowed!.permissions.allows('users:manage')).toBe(false);
    const climbing = await auth.authenticate({ bearer: (await identity.createKey({ name: 'c', role: 'admin', userId: viewer.id })).secret });
    expect(climbing!.permissions.allows('users:manage')).toBe(false);
    expect(climbing!.permissions.allows('tools:read:x')).toBe(true);
  });

  it('rejects unknown, tampered, revoked, expired keys and keys of deactivated owners', async () => {
    const identity = await service();
    const auth = createIdentityAuthenticator(identity);
    const good = await identity.createKey({ name: 'k', role: 'user' });
    await auth.authenticate({ bearer: good.secret });
    const tampered = `${good.secret.slice(0, -1)}${good.secret.endsWith('A') ? 'B' : 'A'}`;
    expect((await fails(() => Promise.resolve(auth.authenticate({ bearer: tampered })))).code).toBe('unauthenticated');
    expect((await fails(() => Promise.resolve(auth.authenticate({ bearer: 'pk_nonexistent0_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' })))).code).toBe('unauthenticated');
    expect((await fails(() => Promise.resolve(auth.authenticate({ bearer: 'not-a-key-or-token' })))).code).toBe('unauthenticated');
    expect(await auth.authenticate({})).toBeUndefined();

    await identity.revokeKey(good.key.id);
    expect((await fails(() => Promise.resolve(auth.authenticate({ bearer: good.secret })))).message).toMatch(/revoked/);

    const soon = await identity.createKey({ name: 'soon', role: 'user', expiresAt: new Date(Date.now() + 300).toISOString() });
    await auth.authenticate({ bearer: soon.secret });
    await new Promise((r) => setTimeout(r, 400));
    expect((await fails(() => Promise.resolve(auth.authenticate({ bearer: soon.secret })))).message).toMatch(/expired/);

    const owner = await identity.createUser({ username: 'owner', role: 'user', password: PASSWORD });
    const owned = await identity.createKey({ name: 'o', role: 'user', userId: owner.id });
    await auth.authenticate({ bearer: owned.secret });
    await identity.updateUser(owner.id, { isActive: false });
    expect((await fails(() => Promise.resolve(auth.authenticate({ bearer: owned.secret })))).code).toBe('unauthenticated');
    expect((await fails(() => identity.createKey({ name: 'past', role: 'user', expiresAt: new Date(Date.now() - 1000).toISOString() }))).code).toBe('validation_failed');
  });

  it('applies role changes to the next authentication and expands seed-002 permission names', async () => {
    const identity = await service();
    const auth = createIdentityAuthenticator(identity);
    await identity.saveRole({ name: 'items_clerk', permissions: ['read:items', 'write:items'] });
    const key = await identity.createKey({ name: 'clerk', role: 'items_clerk' });
    const before = await auth.authenticate({ bearer: key.secret });
    expect(before!.permissions.allows('tools:call:create_item')).toBe(true);
    expect(before!.permissions.allows('tools:call:delete_item')).toBe(false);
    let changes = 0;
    identity.onChange(() => changes++);
    await identity.saveRole({ name: 'items_clerk', permissions: ['read:items', 'write:items', 'delete:items'] });
    expect(changes).toBe(1);
    const after = await auth.authenticate({ bearer: key.secret });
    expect(after!.permissions.allows('tools:call:delete_item')).toBe(true);
    expect((await fails(() => identity.deleteRole('items_clerk'))).code).toBe('conflict');
    expect((await fails(() => identity.deleteRole('admin'))).code).toBe('forbidden');
    expect((await fails(() => identity.saveRole({ name: 'admin', permissions: [] }))).code).toBe('forbidden');
    expect((await fails(() => identity.saveRole({ name: 'Bad Name', permissions: [] }))).code).toBe('validation_failed');
  });

  it('records key use in batches', async () => {
    const identity = await service();
    const auth = createIdentityAuthenticator(identity);
    const key = await identity.createKey({ name: 'used', role: 'user' });
    expect((await identity.key(key.key.id))?.lastUsedAt).toBeNull();
    await auth.authenticate({ bearer: key.secret });
    await identity.flush();
    expect((await identity.key(key.key.id))?.lastUsedAt).toMatch(/^\d{4}-/);
  });
});
