/** /api/v1/roles: readable by anyone authenticated, writable with roles:manage, never above your own power. */
import { describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, USER_PASSWORD, call, createUser, login, startIdentityServer } from './identity-kit.js';

describe('REST roles', async () => {
  const server = await startIdentityServer();
  const url = server.url;
  const admin = await login(url, 'admin', ADMIN_PASSWORD);
  await createUser(url, admin.access, 'lou', 'user');
  const lou = await login(url, 'lou', USER_PASSWORD);

  it('lists the built-in roles to any authenticated caller', async () => {
    const res = await call(url, 'GET', '/api/v1/roles', { token: lou.access });
    expect(res.status).toBe(200);
    expect(res.body.items.map((r: { name: string }) => r.name)).toEqual(expect.arrayContaining(['admin', 'user', 'ai_agent', 'readonly']));
    expect(res.body.items.find((r: { name: string }) => r.name === 'admin')).toMatchObject({ builtin: true, permissions: ['admin'] });
    expect((await call(url, 'GET', '/api/v1/roles')).status).toBe(401);
  });

  it('creates, replaces and deletes custom roles as admin', async () => {
    const created = await call(url, 'POST', '/api/v1/roles', { token: admin.access, body: { name: 'auditor', description: 'reads', permissions: ['audit:read', 'tools:read:*'] } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ name: 'auditor', description: 'reads', permissions: ['audit:read', 'tools:read:*'], builtin: false });
    expect((await call(url, 'POST', '/api/v1/roles', { token: admin.access, body: { name: 'auditor', permissions: [] } })).status).toBe(409);
    const replaced = await call(url, 'PUT', '/api/v1/roles/auditor', { token: admin.access, body: { permissions: ['audit:read'] } });
    expect(replaced.status).toBe(200);
    expect(replaced.body.permissions).toEqual(['audit:read']);
    expect((await call(url, 'PUT', '/api/v1/roles/nope', { token: admin.access, body: { permissions: [] } })).status).toBe(404);

    const holderId = await createUser(url, admin.access, 'holder', 'auditor');
    expect((await call(url, 'DELETE', '/api/v1/roles/auditor', { token: admin.access })).status).toBe(409);
    await call(url, 'DELETE', `/api/v1/users/${holderId}`, { token: admin.access });
    expect((await call(url, 'DELETE', '/api/v1/roles/auditor', { token: admin.access })).status).toBe(204);
    expect((await call(url, 'DELETE', '/api/v1/roles/readonly', { token: admin.access })).status).toBe(403);
    expect((await call(url, 'PUT', '/api/v1/roles/admin', { token: admin.access, body: { permissions: ['tools:call:*'] } })).status).toBe(403);
  });

  it('refuses writes without roles:manage, and grants beyond the writer’s own', async () => {
    expect((await call(url, 'POST', '/api/v1/roles', { token: lou.access, body: { name: 'mine', permissions: ['tools:call:*'] } })).status).toBe(403);
    expect((await call(url, 'PUT', '/api/v1/roles/user', { token: lou.access, body: { permissions: ['admin'] } })).status).toBe(403);
    expect((await call(url, 'DELETE', '/api/v1/roles/user', { token: lou.access })).status).toBe(403);

    await call(url, 'POST', '/api/v1/roles', { token: admin.access, body: { name: 'role-editor', permissions: ['roles:manage', 'tools:call:*'] } });
    await createUser(url, admin.access, 'ray', 'role-editor');
    const ray = await login(url, 'ray', USER_PASSWORD);
    expect((await call(url, 'POST', '/api/v1/roles', { token: ray.access, body: { name: 'caller', permissions: ['tools:call:echo'] } })).status).toBe(201);
    expect((await call(url, 'POST', '/api/v1/roles', { token: ray.access, body: { name: 'boss', permissions: ['admin'] } })).status).toBe(403);
    expect((await call(url, 'PUT', '/api/v1/roles/role-editor', { token: ray.access, body: { permissions: ['roles:manage', '*'] } })).status).toBe(403);
  });
});
