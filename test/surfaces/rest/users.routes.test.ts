/** /api/v1/users: CRUD as admin, refusals for everyone else, and the last-admin rule. */
import { describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, USER_PASSWORD, call, createUser, login, startIdentityServer } from './identity-kit.js';

describe('REST users', async () => {
  const server = await startIdentityServer();
  const url = server.url;
  const admin = await login(url, 'admin', ADMIN_PASSWORD);
  const adminId = (await call(url, 'GET', '/api/v1/auth/me', { token: admin.access })).body.id as string;

  it('creates, lists, searches, reads, updates and deletes users as admin', async () => {
    const created = await call(url, 'POST', '/api/v1/users', { token: admin.access, body: { username: 'bea', password: USER_PASSWORD, email: 'bea@example.com', role: 'user' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ username: 'bea', email: 'bea@example.com', role: 'user', is_active: true });
    expect(JSON.stringify(created.body)).not.toMatch(/password|hash/i);
    const id = created.body.id as string;

    expect((await call(url, 'POST', '/api/v1/users', { token: admin.access, body: { username: 'bea', password: USER_PASSWORD } })).status).toBe(409);
    expect((await call(url, 'POST', '/api/v1/users', { token: admin.access, body: { username: 'bad name!', password: USER_PASSWORD } })).status).toBe(400);

    await createUser(url, admin.access, 'bert', 'readonly');
    const page = await call(url, 'GET', '/api/v1/users?limit=1', { token: admin.access });
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ limit: 1, offset: 0, has_more: true });
    expect(page.body.items).toHaveLength(1);
    const search = await call(url, 'GET', '/api/v1/users?search=be', { token: admin.access });
    expect(search.body.items.map((u: { username: string }) => u.username).sort()).toEqual(['bea', 'bert']);
    expect(search.body.has_more).toBe(false);
    for (const u of search.body.items) expect(Object.keys(u)).not.toContain('password_hash');

    expect((await call(url, 'GET', `/api/v1/users/${id}`, { token: admin.access })).body.username).toBe('bea');
    expect((await call(url, 'GET', '/api/v1/users/bea', { token: admin.access })).status).toBe(404);

    const patched = await call(url, 'PATCH', `/api/v1/users/${id}`, { token: admin.access, body: { role: 'readonly', full_name: 'Bea', is_active: false } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ role: 'readonly', full_name: 'Bea', is_active: false });
    // A deactivated user cannot log in.
    expect((await call(url, 'POST', '/api/v1/auth/login', { body: { username: 'bea', password: USER_PASSWORD } })).status).toBe(401);

    expect((await call(url, 'DELETE', `/api/v1/users/${id}`, { token: admin.access })).status).toBe(204);
    expect((await call(url, 'GET', `/api/v1/users/${id}`, { token: admin.access })).status).toBe(404);
  });

  it('refuses everything to a user without users:manage', async () => {
    await createUser(url, admin.access, 'carl', 'user');
    const carl = await login(url, 'carl', USER_PASSWORD);
    const forbidden = [
      await call(url, 'GET', '/api/v1/users', { token: carl.access }),
      await call(url, 'POST', '/api/v1/users', { token: carl.access, body: { username: 'eve', password: USER_PASSWORD, role: 'admin' } }),
      await call(url, 'GET', `/api/v1/users/${adminId}`, { token: carl.access }),
      await call(url, 'PATCH', `/api/v1/users/${adminId}`, { token: carl.access, body: { is_active: false } }),
      await call(url, 'DELETE', `/api/v1/users/${adminId}`, { token: carl.access }),
    ];
    for (const res of forbidden) {
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
    }
    expect((await call(url, 'GET', '/api/v1/users')).status).toBe(401);
  });

  it('keeps the last active admin: no demotion, deactivation or deletion (409)', async () => {
    // An ownerless admin key is not a user, so its refusals are the last-admin rule, not "not on yourself".
    const key = await call(url, 'POST', '/api/v1/keys', { token: admin.access, body: { name: 'ops', role: 'admin', user_id: null } });
    expect(key.status).toBe(201);
    const ops = key.body.secret as string;
    for (const change of [{ role: 'user' }, { is_active: false }]) {
      const res = await call(url, 'PATCH', `/api/v1/users/${adminId}`, { token: ops, body: change });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('conflict');
    }
    expect((await call(url, 'DELETE', `/api/v1/users/${adminId}`, { token: ops })).status).toBe(409);
    // Nobody demotes or deactivates themselves either.
    expect((await call(url, 'PATCH', `/api/v1/users/${adminId}`, { token: admin.access, body: { role: 'user' } })).status).toBe(403);
    expect((await call(url, 'PATCH', `/api/v1/users/${adminId}`, { token: admin.access, body: { is_active: false } })).status).toBe(403);

    // With a second active admin, the first may go; then the second is the last.
    const ottoId = await createUser(url, admin.access, 'otto', 'admin');
    expect((await call(url, 'PATCH', `/api/v1/users/${adminId}`, { token: ops, body: { is_active: false } })).status).toBe(200);
    expect((await call(url, 'PATCH', `/api/v1/users/${ottoId}`, { token: ops, body: { role: 'user' } })).status).toBe(409);
    expect((await call(url, 'PATCH', `/api/v1/users/${adminId}`, { token: ops, body: { is_active: true } })).status).toBe(200);
    expect((await call(url, 'DELETE', `/api/v1/users/${ottoId}`, { token: ops })).status).toBe(204);
  });

  it('lets a delegated manager manage users, but not assign or touch roles stronger than theirs', async () => {
    const role = await call(url, 'POST', '/api/v1/roles', { token: admin.access, body: { name: 'manager', permissions: ['users:manage', 'tools:call:*'] } });
    expect(role.status).toBe(201);
    await createUser(url, admin.access, 'dora', 'manager');
    const dora = await login(url, 'dora', USER_PASSWORD);
    const created = await call(url, 'POST', '/api/v1/users', { token: dora.access, body: { username: 'dora-helper', password: USER_PASSWORD, role: 'ai_agent' } });
    // ai_agent holds resources and db permissions dora does not: refused.
    expect(created.status).toBe(403);
    expect((await call(url, 'POST', '/api/v1/users', { token: dora.access, body: { username: 'dora-twin', password: USER_PASSWORD, role: 'manager' } })).status).toBe(201);
    expect((await call(url, 'POST', '/api/v1/users', { token: dora.access, body: { username: 'sneaky', password: USER_PASSWORD, role: 'admin' } })).status).toBe(403);
    expect((await call(url, 'PATCH', `/api/v1/users/${adminId}`, { token: dora.access, body: { password: 'taken-over-password' } })).status).toBe(403);
    expect((await call(url, 'GET', '/api/v1/users', { token: dora.access })).status).toBe(200);
  });
});
