/**
 * REST sessions against a real server: login (JSON and OAuth2 form), refresh rotation and reuse
 * detection, logout, the caller's own profile, and MCP tokens.
 */
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, USER_PASSWORD, call, createUser, login, startIdentityServer } from './identity-kit.js';

describe('REST auth', async () => {
  const server = await startIdentityServer();
  const url = server.url;
  const admin = await login(url, 'admin', ADMIN_PASSWORD);
  await createUser(url, admin.access, 'ursula', 'user');

  it('logs in with JSON and returns bearer tokens that are not cached', async () => {
    const res = await call(url, 'POST', '/api/v1/auth/login', { body: { username: 'admin', password: ADMIN_PASSWORD } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
    expect(Object.keys(res.body).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type']);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(decodeProtectedHeader(res.body.access_token)).toMatchObject({ alg: 'ES256' });
    const claims = decodeJwt(res.body.access_token);
    expect(claims).toMatchObject({ iss: 'portico', aud: `${url}/mcp`, typ: 'access' });
    expect(typeof claims.sid).toBe('string');
    const me = await call(url, 'GET', '/api/v1/auth/me', { token: res.body.access_token });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ username: 'admin', role: 'admin', is_active: true, permissions: ['admin'] });
    expect(JSON.stringify(me.body)).not.toMatch(/hash|argon/i);
  });

  it('logs in with the OAuth2 password form', async () => {
    const res = await fetch(`${url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', username: 'ursula', password: USER_PASSWORD }).toString(),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string; token_type: string };
    expect(body.token_type).toBe('Bearer');
    const me = await call(url, 'GET', '/api/v1/auth/me', { token: body.access_token });
    expect(me.body.username).toBe('ursula');
    // Another grant type in the form is refused.
    const wrong = await fetch(`${url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&username=ursula&password=x',
    });
    expect(wrong.status).toBe(400);
  });

  it('answers a wrong password or unknown user with 401 and the same message', async () => {
    const wrong = await call(url, 'POST', '/api/v1/auth/login', { body: { username: 'ursula', password: 'not-her-password' } });
    const unknown = await call(url, 'POST', '/api/v1/auth/login', { body: { username: 'nobody', password: 'whatever-it-is' } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.error).toEqual(unknown.body.error);
    expect(wrong.body.error.code).toBe('unauthenticated');
  });

  it('rotates refresh tokens; a reused one revokes the family, old and new', async () => {
    const first = await login(url, 'ursula', USER_PASSWORD);
    const refreshed = await call(url, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: first.refresh } });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).not.toBe(first.refresh);
    expect((await call(url, 'GET', '/api/v1/auth/me', { token: refreshed.body.access_token })).status).toBe(200);

    const reuse = await call(url, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: first.refresh } });
    expect(reuse.status).toBe(401);
    const afterReuse = await call(url, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: refreshed.body.refresh_token } });
    expect(afterReuse.status).toBe(401);
    // The access tokens of the revoked session stop working as well.
    expect((await call(url, 'GET', '/api/v1/auth/me', { token: refreshed.body.access_token })).status).toBe(401);
    expect((await call(url, 'GET', '/api/v1/auth/me', { token: first.access })).status).toBe(401);
    // Another session of the same user is untouched.
    const other = await login(url, 'ursula', USER_PASSWORD);
    expect((await call(url, 'GET', '/api/v1/auth/me', { token: other.access })).status).toBe(200);
  });

  it('refreshes with the OAuth2 form too', async () => {
    const s = await login(url, 'ursula', USER_PASSWORD);
    const res = await fetch(`${url}/api/v1/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: s.refresh }).toString(),
    });
    expect(res.status).toBe(200);
  });

  it('logs out: needs the access token, then neither token works', async () => {
    const s = await login(url, 'ursula', USER_PASSWORD);
    expect((await call(url, 'POST', '/api/v1/auth/logout')).status).toBe(401);
    const out = await call(url, 'POST', '/api/v1/auth/logout', { token: s.access });
    expect(out.status, JSON.stringify(out.body)).toBe(204);
    expect((await call(url, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: s.refresh } })).status).toBe(401);
    expect((await call(url, 'GET', '/api/v1/auth/me', { token: s.access })).status).toBe(401);
  });

  it('lets users edit their profile and password, never their role', async () => {
    const s = await login(url, 'ursula', USER_PASSWORD);
    const edited = await call(url, 'PATCH', '/api/v1/auth/me', { token: s.access, body: { email: 'ursula@example.com', full_name: 'Ursula K.' } });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ email: 'ursula@example.com', full_name: 'Ursula K.', role: 'user' });

    const raise = await call(url, 'PATCH', '/api/v1/auth/me', { token: s.access, body: { role: 'admin' } });
    expect(raise.status).toBe(403);
    expect(raise.body.error.code).toBe('forbidden');
    const same = await call(url, 'PATCH', '/api/v1/auth/me', { token: s.access, body: { role: 'user' } });
    expect(same.status).toBe(200);
    expect((await call(url, 'PATCH', '/api/v1/auth/me', { token: s.access, body: { is_active: false } })).status).toBe(400);
    expect((await call(url, 'GET', '/api/v1/auth/me', { token: s.access })).body.role).toBe('user');

    expect((await call(url, 'PATCH', '/api/v1/auth/me', { token: s.access, body: { password: 'a-new-password-1' } })).status).toBe(400);
    expect((await call(url, 'PATCH', '/api/v1/auth/me', { token: s.access, body: { password: 'a-new-password-1', current_password: 'wrong-one' } })).status).toBe(403);
    const other = await login(url, 'ursula', USER_PASSWORD);
    const changed = await call(url, 'PATCH', '/api/v1/auth/me', { token: s.access, body: { password: 'a-new-password-1', current_password: USER_PASSWORD } });
    expect(changed.status).toBe(200);
    // The other session ends; this one goes on.
    expect((await call(url, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: other.refresh } })).status).toBe(401);
    expect((await call(url, 'GET', '/api/v1/auth/me', { token: s.access })).status).toBe(200);
    expect((await call(url, 'POST', '/api/v1/auth/login', { body: { username: 'ursula', password: 'a-new-password-1' } })).status).toBe(200);
    await call(url, 'PATCH', '/api/v1/auth/me', { token: s.access, body: { password: USER_PASSWORD, current_password: 'a-new-password-1' } });
  });

  it('mints audience-bound MCP tokens for one client, capped in lifetime', async () => {
    const s = await login(url, 'ursula', USER_PASSWORD);
    const res = await call(url, 'POST', '/api/v1/auth/mcp-token', { token: s.access, body: { client_id: 'claude-desktop', ttl_seconds: 10 ** 9 } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token_type: 'Bearer', client_id: 'claude-desktop', audience: `${url}/mcp`, expires_in: 30 * 86_400 });
    const claims = decodeJwt(res.body.access_token);
    expect(claims).toMatchObject({ typ: 'mcp', client_id: 'claude-desktop', aud: `${url}/mcp` });
    expect(claims.sid).toBeUndefined();
    const tools = await call(url, 'GET', '/api/v1/mcp/tools', { token: res.body.access_token });
    expect(tools.status).toBe(200);

    const defaults = await call(url, 'POST', '/api/v1/auth/mcp-token', { token: s.access, body: { client_id: 'cursor' } });
    expect(defaults.body.expires_in).toBe(86_400);
    // An MCP token cannot mint more tokens.
    expect((await call(url, 'POST', '/api/v1/auth/mcp-token', { token: res.body.access_token, body: { client_id: 'x' } })).status).toBe(403);
    expect((await call(url, 'POST', '/api/v1/auth/mcp-token', { body: { client_id: 'x' } })).status).toBe(401);
  });

  it('narrows an MCP token by its scopes', async () => {
    const s = await login(url, 'ursula', USER_PASSWORD);
    const res = await call(url, 'POST', '/api/v1/auth/mcp-token', { token: s.access, body: { client_id: 'narrow', scopes: ['tools:call:echo'] } });
    const tools = await call(url, 'GET', '/api/v1/mcp/tools', { token: res.body.access_token });
    expect(tools.body.tools.map((t: { name: string }) => t.name)).toEqual(['echo']);
  });

  it('serves the JWKS without a credential, public keys only', async () => {
    const res = await call(url, 'GET', '/.well-known/jwks.json');
    expect(res.status).toBe(200);
    expect(res.body.keys.length).toBeGreaterThanOrEqual(1);
    for (const key of res.body.keys) {
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      expect(key).not.toHaveProperty('d');
    }
    const { kid } = decodeProtectedHeader(admin.access);
    expect(res.body.keys.map((k: { kid: string }) => k.kid)).toContain(kid);
  });

  it('documents the routes in OpenAPI', async () => {
    const doc = await call(url, 'GET', '/openapi.json');
    for (const path of ['/api/v1/auth/login', '/api/v1/auth/refresh', '/api/v1/auth/logout', '/api/v1/auth/me', '/api/v1/auth/mcp-token', '/api/v1/users', '/api/v1/users/{id}', '/api/v1/keys', '/api/v1/keys/{id}', '/api/v1/roles', '/api/v1/roles/{name}', '/.well-known/jwks.json']) {
      expect(doc.body.paths, path).toHaveProperty([path]);
    }
    expect(Object.keys(doc.body.paths['/api/v1/auth/login'].post.requestBody.content)).toEqual(expect.arrayContaining(['application/json', 'application/x-www-form-urlencoded']));
  });
});
