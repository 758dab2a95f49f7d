/**
 * An upstream behind the OAuth authorization-code grant: a local fake authorization server (on
 * loopback) that checks PKCE, the client credentials and the redirect URI, and issues the real
 * upstream Portico's API key as the access token. Covers the connect answer, the callback with a
 * good, wrong, reused and refused state, tokens sealed at rest, and secrets out of the audit trail.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../../src/server.js';
import { createUpstreamRepository } from '../../../src/store/repositories/upstream.repository.js';
import { ADMIN_PASSWORD, call, login, startIdentityServer } from './identity-kit.js';

const CLIENT_ID = 'portico-client';
const CLIENT_SECRET = 'client-secret-for-oauth-test';
const REFRESH = 'refresh-token-for-oauth-test';
const GOOD_CODE = 'the-authorization-code';
/** A code whose tokens expire in 61 s: the registry renews them a minute early, i.e. at once. */
const SHORT_CODE = 'short-lived-code';
const REFRESH_2 = 'second-refresh-token';

let upstream: RunningServer;
let gateway: RunningServer;
let admin: string;
let accessToken: string;
let authServer: Server;
let authBase: string;
/** code_challenge values the fake server saw in authorization URLs, and what it was asked. */
const challenges = new Set<string>();
const tokenRequests: URLSearchParams[] = [];

beforeAll(async () => {
  upstream = await startIdentityServer();
  accessToken = (await upstream.identity.createKey({ name: 'oauth', role: 'admin', userId: null })).secret;
  authServer = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      tokenRequests.push(form);
      const basic = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`;
      const verifier = form.get('code_verifier') ?? '';
      const pkceOk = challenges.has(createHash('sha256').update(verifier).digest('base64url'));
      const clientOk = req.url === '/token' && req.headers.authorization === basic;
      const code = form.get('code');
      const codeOk = clientOk && form.get('grant_type') === 'authorization_code' && (code === GOOD_CODE || code === SHORT_CODE) && pkceOk && form.get('redirect_uri') === `${gateway.url}/oauth/upstream/callback`;
      const refreshOk = clientOk && form.get('grant_type') === 'refresh_token' && form.get('refresh_token') === REFRESH;
      res.writeHead(codeOk || refreshOk ? 200 : 400, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          codeOk
            ? { access_token: accessToken, refresh_token: REFRESH, token_type: 'Bearer', expires_in: code === SHORT_CODE ? 61 : 3600 }
            : refreshOk
              ? { access_token: accessToken, refresh_token: REFRESH_2, token_type: 'Bearer', expires_in: 3600 }
              : { error: 'invalid_grant' },
        ),
      );
    });
  });
  await new Promise<void>((r) => authServer.listen(0, '127.0.0.1', r));
  authBase = `http://127.0.0.1:${(authServer.address() as AddressInfo).port}`;
  gateway = await startIdentityServer({ PORTICO_MCP__CONFORMANCE_FIXTURE: 'false' });
  admin = (await login(gateway.url, 'admin', ADMIN_PASSWORD)).access;
}, 60_000);

afterAll(() => new Promise<void>((r) => authServer.close(() => r())));

const api = (method: string, path: string, body?: unknown) => call(gateway.url, method, path, { token: admin, ...(body !== undefined ? { body } : {}) });

/** The state of an authorization URL, after checking what it asks for. */
function stateOf(authorizationUrl: string): string {
  const url = new URL(authorizationUrl);
  expect(`${url.origin}${url.pathname}`).toBe(`${authBase}/authorize`);
  expect(Object.fromEntries(url.searchParams)).toMatchObject({
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: `${gateway.url}/oauth/upstream/callback`,
    code_challenge_method: 'S256',
    scope: 'mcp read',
  });
  challenges.add(url.searchParams.get('code_challenge')!);
  return url.searchParams.get('state')!;
}

describe('an upstream using the OAuth authorization-code grant', () => {
  let id: string;
  let state: string;

  it('is stored, not connected, and answers with the URL to authorize it', async () => {
    const res = await api('POST', '/api/v1/upstreams', {
      transport: 'http',
      mcp_url: `${upstream.url}/mcp`,
      auth_type: 'oauth',
      oauth_client_id: CLIENT_ID,
      oauth_client_secret: CLIENT_SECRET,
      oauth_auth_url: `${authBase}/authorize`,
      oauth_token_url: `${authBase}/token`,
      oauth_scopes: ['mcp', 'read'],
      name: 'consented',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ status: 'authorization_required', tools: [] });
    id = res.body.client_id;
    state = stateOf(res.body.authorization_url);
    expect(JSON.stringify(res.body)).not.toContain(CLIENT_SECRET);
    const listed = (await api('GET', '/api/v1/upstreams')).body.clients[0];
    expect(listed).toMatchObject({ name: 'consented', status: 'disconnected', auth_type: 'oauth' });
    expect(listed.reason).toContain('authoriz');
  });

  it('refuses a callback with an unknown state', async () => {
    const res = await call(gateway.url, 'GET', `/oauth/upstream/callback?state=not-a-state&code=${GOOD_CODE}`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('bad_request');
  });

  it('exchanges the code (PKCE, client secret) and connects', async () => {
    const res = await call(gateway.url, 'GET', `/oauth/upstream/callback?state=${encodeURIComponent(state)}&code=${GOOD_CODE}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ status: 'connected', client_id: id, name: 'consented' });
    expect(JSON.stringify(res.body)).not.toContain(accessToken);
    const called = await api('POST', `/api/v1/upstreams/${id}/tools/call`, { tool_name: 'echo', arguments: { message: 'consented' } });
    expect(called.body).toMatchObject({ status: 'success', result: { content: [{ text: 'consented' }] } });
    expect(gateway.catalog.tool('consented_echo')).toBeDefined();
  });

  it('will not take the same state twice', async () => {
    const res = await call(gateway.url, 'GET', `/oauth/upstream/callback?state=${encodeURIComponent(state)}&code=${GOOD_CODE}`);
    expect(res.status).toBe(400);
  });

  it('can be authorized again; a refused consent spends the state; a bad code is a 502', async () => {
    const again = await api('GET', `/api/v1/upstreams/${id}/authorize`);
    expect(again.status).toBe(200);
    const refused = stateOf(again.body.authorization_url);
    expect((await call(gateway.url, 'GET', `/oauth/upstream/callback?state=${encodeURIComponent(refused)}&error=access_denied`)).status).toBe(400);
    expect((await call(gateway.url, 'GET', `/oauth/upstream/callback?state=${encodeURIComponent(refused)}&code=${GOOD_CODE}`)).status).toBe(400);

    const third = stateOf((await api('GET', `/api/v1/upstreams/${id}/authorize`)).body.authorization_url);
    const badCode = await call(gateway.url, 'GET', `/oauth/upstream/callback?state=${encodeURIComponent(third)}&code=wrong-code`);
    expect(badCode.status).toBe(502);
    expect(badCode.body.error.code).toBe('upstream_failed');
    // Still connected with the tokens it had.
    expect((await api('POST', `/api/v1/upstreams/${id}/tools/call`, { tool_name: 'echo', arguments: { message: 'x' } })).body.status).toBe('success');
  });

  it('renews tokens before they expire, with the refresh token, and stays connected', async () => {
    const short = stateOf((await api('GET', `/api/v1/upstreams/${id}/authorize`)).body.authorization_url);
    expect((await call(gateway.url, 'GET', `/oauth/upstream/callback?state=${encodeURIComponent(short)}&code=${SHORT_CODE}`)).status).toBe(200);
    const deadline = Date.now() + 20_000;
    const renewed = async () => (await createUpstreamRepository(gateway.database.db, gateway.secretKey).get(id))?.definition.auth;
    while (Date.now() < deadline && (await renewed()) && JSON.stringify(await renewed()).indexOf(REFRESH_2) < 0) await new Promise((r) => setTimeout(r, 200));
    expect(await renewed()).toMatchObject({ tokens: { refreshToken: REFRESH_2, accessToken } });
    expect(tokenRequests.some((f) => f.get('grant_type') === 'refresh_token' && f.get('refresh_token') === REFRESH)).toBe(true);
    let status = '';
    while (Date.now() < deadline + 10_000 && status !== 'success') {
      status = (await api('POST', `/api/v1/upstreams/${id}/tools/call`, { tool_name: 'echo', arguments: { message: 'renewed' } })).body.status;
      if (status !== 'success') await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe('success');
  }, 60_000);

  it('only admins start an authorization', async () => {
    expect((await call(gateway.url, 'GET', `/api/v1/upstreams/${id}/authorize`)).status).toBe(401);
  });

  it('keeps the client secret and the tokens sealed and out of the audit trail', async () => {
    const rows = JSON.stringify(await gateway.database.db.selectFrom('upstreams').selectAll().execute());
    expect(rows).toContain('consented');
    for (const secret of [CLIENT_SECRET, accessToken, REFRESH, REFRESH_2]) expect(rows).not.toContain(secret);
    await new Promise((r) => setTimeout(r, 400));
    const trail = JSON.stringify(await gateway.database.db.selectFrom('audit_events').selectAll().execute());
    expect(trail).toContain('authorize');
    for (const secret of [CLIENT_SECRET, accessToken, REFRESH, REFRESH_2, GOOD_CODE]) expect(trail).not.toContain(secret);
    // The token request carried the verifier and no secret in the form (the secret went in Basic auth).
    expect(tokenRequests.every((f) => !f.has('client_secret'))).toBe(true);
  });
});
