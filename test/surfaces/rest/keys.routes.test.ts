/** /api/v1/keys: the secret shown once, own keys vs all, revocation, and keys of deactivated users. */
import { describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, USER_PASSWORD, call, createUser, login, startIdentityServer } from './identity-kit.js';

/** The random part of an API key (`pk_<12-char id>_<secret>`; the secret is base64url and may itself contain `_`). */
const secretPart = (value: string): string => /^pk_[a-z0-9]{12}_(.+)$/.exec(value)![1]!;

describe('REST keys', async () => {
  const server = await startIdentityServer();
  const url = server.url;
  const admin = await login(url, 'admin', ADMIN_PASSWORD);
  const ivyId = await createUser(url, admin.access, 'ivy', 'user');
  await createUser(url, admin.access, 'jan', 'user');
  const ivy = await login(url, 'ivy', USER_PASSWORD);
  const jan = await login(url, 'jan', USER_PASSWORD);
  const tools = (key: string) => call(url, 'GET', '/api/v1/mcp/tools', { headers: { 'x-api-key': key } });

  it('shows the secret once, at creation; lists never show it', async () => {
    const created = await call(url, 'POST', '/api/v1/keys', { token: ivy.access, body: { name: 'laptop' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'laptop', user_id: ivyId, role: 'user', revoked_at: null });
    expect(created.body.secret).toMatch(/^pk_/);
    expect((await tools(created.body.secret)).status).toBe(200);

    const list = await call(url, 'GET', '/api/v1/keys', { token: ivy.access });
    expect(list.status).toBe(200);
    expect(list.body.items.map((k: { id: string }) => k.id)).toContain(created.body.id);
    const text = JSON.stringify(list.body);
    expect(text).not.toContain(created.body.secret);
    expect(text).not.toContain(secretPart(created.body.secret));
    expect(text).not.toMatch(/secret|hash/i);
    const all = await call(url, 'GET', '/api/v1/keys', { token: admin.access });
    expect(JSON.stringify(all.body)).not.toContain(secretPart(created.body.secret));
  });

  it('lists own keys for users and all keys for admins', async () => {
    const janKey = await call(url, 'POST', '/api/v1/keys', { token: jan.access, body: { name: 'jan-ci' } });
    const ivyKeys = await call(url, 'GET', '/api/v1/keys', { token: ivy.access });
    expect(ivyKeys.body.items.every((k: { user_id: string }) => k.user_id === ivyId)).toBe(true);
    expect(ivyKeys.body.items.map((k: { id: string }) => k.id)).not.toContain(janKey.body.id);
    expect((await call(url, 'GET', `/api/v1/keys?user_id=${janKey.body.user_id}`, { token: ivy.access })).status).toBe(403);
    const all = await call(url, 'GET', '/api/v1/keys', { token: admin.access });
    expect(all.body.items.map((k: { id: string }) => k.id)).toContain(janKey.body.id);
  });

  it('refuses keys above your role, for others, or with no owner unless you are admin', async () => {
    expect((await call(url, 'POST', '/api/v1/keys', { token: ivy.access, body: { name: 'x', role: 'admin' } })).status).toBe(403);
    expect((await call(url, 'POST', '/api/v1/keys', { token: ivy.access, body: { name: 'x', user_id: null } })).status).toBe(403);
    const janId = (await call(url, 'GET', '/api/v1/auth/me', { token: jan.access })).body.id as string;
    expect((await call(url, 'POST', '/api/v1/keys', { token: ivy.access, body: { name: 'x', user_id: janId } })).status).toBe(403);
    const scoped = await call(url, 'POST', '/api/v1/keys', { token: ivy.access, body: { name: 'echo-only', scopes: ['tools:call:echo'] } });
    expect(scoped.status).toBe(201);
    const listed = await tools(scoped.body.secret);
    expect(listed.body.tools.map((t: { name: string }) => t.name)).toEqual(['echo']);
  });

  it('revokes: the owner or an admin; the key then gets 401; others get 404', async () => {
    const created = await call(url, 'POST', '/api/v1/keys', { token: ivy.access, body: { name: 'to-revoke' } });
    expect((await tools(created.body.secret)).status).toBe(200);
    expect((await call(url, 'DELETE', `/api/v1/keys/${created.body.id}`, { token: jan.access })).status).toBe(404);
    expect((await tools(created.body.secret)).status).toBe(200);
    expect((await call(url, 'DELETE', `/api/v1/keys/${created.body.id}`, { token: ivy.access })).status).toBe(204);
    const refused = await tools(created.body.secret);
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('unauthenticated');
    const listed = await call(url, 'GET', '/api/v1/keys', { token: ivy.access });
    expect(listed.body.items.find((k: { id: string }) => k.id === created.body.id).revoked_at).toEqual(expect.any(String));

    const other = await call(url, 'POST', '/api/v1/keys', { token: jan.access, body: { name: 'admin-revokes' } });
    expect((await call(url, 'DELETE', `/api/v1/keys/${other.body.id}`, { token: admin.access })).status).toBe(204);
    expect((await tools(other.body.secret)).status).toBe(401);
  });

  it('refuses the key of a deactivated user, and works again on reactivation', async () => {
    const kimId = await createUser(url, admin.access, 'kim', 'user');
    const kim = await login(url, 'kim', USER_PASSWORD);
    const key = await call(url, 'POST', '/api/v1/keys', { token: kim.access, body: { name: 'kim-key' } });
    expect((await tools(key.body.secret)).status).toBe(200);
    expect((await call(url, 'PATCH', `/api/v1/users/${kimId}`, { token: admin.access, body: { is_active: false } })).status).toBe(200);
    expect((await tools(key.body.secret)).status).toBe(401);
    expect((await call(url, 'GET', '/api/v1/mcp/tools', { token: key.body.secret })).status).toBe(401);
    // Her login tokens die too, on the next request.
    expect((await call(url, 'GET', '/api/v1/auth/me', { token: kim.access })).status).toBe(401);
    expect((await call(url, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: kim.refresh } })).status).toBe(401);
    expect((await call(url, 'PATCH', `/api/v1/users/${kimId}`, { token: admin.access, body: { is_active: true } })).status).toBe(200);
    expect((await tools(key.body.secret)).status).toBe(200);
  });

  it('refuses an expired key', async () => {
    const soon = new Date(Date.now() + 1500).toISOString();
    const key = await call(url, 'POST', '/api/v1/keys', { token: ivy.access, body: { name: 'short', expires_at: soon } });
    expect(key.status).toBe(201);
    expect((await tools(key.body.secret)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1600));
    const refused = await tools(key.body.secret);
    expect(refused.status).toBe(401);
    expect((await call(url, 'POST', '/api/v1/keys', { token: ivy.access, body: { name: 'past', expires_at: new Date(Date.now() - 1000).toISOString() } })).status).toBe(400);
  });
});
