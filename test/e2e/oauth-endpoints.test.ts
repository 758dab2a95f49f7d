/**
 * The OAuth surface piece by piece against a real Portico: metadata documents (RFC 9728, RFC 8414),
 * challenges on every surface, dynamic registration, what the authorization endpoint refuses
 * (no PKCE, `plain`, foreign resources), the login and consent pages (wrong password, CSRF, deny),
 * and what the resource server refuses (another audience, expired, forged, scopeless tokens).
 */
import { createHash, createPrivateKey } from 'node:crypto';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { deriveOAuthKeys } from '../../src/auth/oauth/oauth-keys.js';
import type { RunningServer } from '../../src/server.js';
import { json } from '../helpers/http.js';
import { startTestServer } from '../helpers/test-server.js';
import { initializeBody, legacyHeaders, modernPost } from '../surfaces/mcp-http/mcp-http-kit.js';
import { ADMIN_PASSWORD, Browser, REDIRECT_URI, authorizationUrl, authorizeInBrowser, exchangeCode, formsOf, jwtPayload, obtainTokens, pkcePair, registerClient } from './oauth-kit.js';

let server: RunningServer;
let base: string;

beforeAll(async () => {
  server = await startTestServer({ PORTICO_ADMIN_PASSWORD: ADMIN_PASSWORD, PORTICO_MCP__CONFORMANCE_FIXTURE: 'true' });
  base = server.url;
});

const CHALLENGE = (which: 'mcp' | 'sse', error?: string) =>
  `Bearer realm="portico", resource_metadata="${base}/.well-known/oauth-protected-resource/${which}", scope="mcp"${error ? `, error="${error}"` : ''}`;

function echo(token: string): Promise<Response> {
  return modernPost(base, 'tools/call', { name: 'echo', arguments: { message: 'hi' } }, { token });
}

/** Sign a token with the server's own OAuth key (what only the server could do), claims overridden. */
async function forge(claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  const keys = deriveOAuthKeys(server.secretKey);
  const key = createPrivateKey({ key: { ...keys.signingJwk }, format: 'jwk' });
  return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: keys.kid, ...header }).sign(key);
}

describe('metadata', () => {
  it('publishes protected resource metadata for /mcp (also at the root) and /sse', async () => {
    for (const path of ['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/mcp']) {
      const res = await fetch(`${base}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(await res.json()).toEqual({
        resource: `${base}/mcp`,
        authorization_servers: [base],
        scopes_supported: ['mcp', 'mcp:read'],
        bearer_methods_supported: ['header'],
        resource_name: 'Portico',
      });
    }
    const sse = await json(fetch(`${base}/.well-known/oauth-protected-resource/sse`));
    expect(sse.resource).toBe(`${base}/sse`);
  });

  it('publishes authorization server metadata (RFC 8414) and OpenID discovery alike', async () => {
    const oauth = await json(fetch(`${base}/.well-known/oauth-authorization-server`));
    const oidc = await json(fetch(`${base}/.well-known/openid-configuration`));
    expect(oauth).toEqual(oidc);
    expect(oauth).toMatchObject({
      issuer: base,
      authorization_endpoint: `${base}/oauth/authorize`,
      token_endpoint: `${base}/oauth/token`,
      registration_endpoint: `${base}/oauth/register`,
      revocation_endpoint: `${base}/oauth/revoke`,
      jwks_uri: `${base}/oauth/jwks`,
      code_challenge_methods_supported: ['S256'],
      response_types_supported: ['code'],
      authorization_response_iss_parameter_supported: true,
      client_id_metadata_document_supported: true,
    });
    expect(oauth.grant_types_supported.sort()).toEqual(['authorization_code', 'refresh_token']);
    expect(oauth.scopes_supported).toEqual(expect.arrayContaining(['mcp', 'mcp:read']));
    expect(oauth.token_endpoint_auth_methods_supported).toContain('none');
    const jwks = await json(fetch(oauth.jwks_uri));
    expect(jwks.keys).toEqual([expect.objectContaining({ kty: 'EC', crv: 'P-256', kid: deriveOAuthKeys(server.secretKey).kid })]);
    expect(jwks.keys[0].d).toBeUndefined();
  });

  it('publishes the same URLs whatever Host a client used', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server', headers: { host: 'localhost:1', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' } });
    expect(res.statusCode).toBe(200);
    const metadata = res.json();
    expect(metadata.issuer).toBe(base);
    expect(metadata.token_endpoint).toBe(`${base}/oauth/token`);
    expect(metadata.authorization_endpoint).toBe(`${base}/oauth/authorize`);
  });
});

describe('challenges', () => {
  const surfaces: [string, () => Promise<Response>, 'mcp' | 'sse'][] = [
    ['POST /mcp (modern)', () => modernPost(base, 'tools/list'), 'mcp'],
    ['POST /mcp (legacy initialize)', () => fetch(`${base}/mcp`, { method: 'POST', headers: legacyHeaders(undefined), body: JSON.stringify(initializeBody()) }), 'mcp'],
    ['GET /sse', () => fetch(`${base}/sse`, { headers: { accept: 'text/event-stream' } }), 'sse'],
    ['POST /messages', () => fetch(`${base}/messages?sessionId=x`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }), 'sse'],
    ['GET /api/v1/mcp/tools', () => fetch(`${base}/api/v1/mcp/tools`), 'mcp'],
  ];
  for (const [name, call, which] of surfaces) {
    it(`401 from ${name} points at the resource metadata`, async () => {
      const res = await call();
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe(CHALLENGE(which));
    });
  }

  it('adds error="invalid_token" when a token was given', async () => {
    const modern = await echo('not-a-token');
    expect(modern.status).toBe(401);
    expect(modern.headers.get('www-authenticate')).toBe(CHALLENGE('mcp', 'invalid_token'));
    const rest = await fetch(`${base}/api/v1/mcp/tools`, { headers: { authorization: 'Bearer nope' } });
    expect(rest.headers.get('www-authenticate')).toBe(CHALLENGE('mcp', 'invalid_token'));
  });
});

describe('dynamic client registration', () => {
  it('registers a public client', async () => {
    const { status, body } = await registerClient(base, { client_name: 'Claude-ish' });
    expect(status).toBe(201);
    expect(body).toMatchObject({ client_name: 'Claude-ish', redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'] });
    expect(typeof body.client_id).toBe('string');
    expect(body.client_secret).toBeUndefined();
  });

  it('registers a confidential client with a secret', async () => {
    const { status, body } = await registerClient(base, { token_endpoint_auth_method: 'client_secret_basic' });
    expect(status).toBe(201);
    expect(typeof body.client_secret).toBe('string');
  });

  it('refuses the implicit flow and unusable redirect URIs', async () => {
    expect((await registerClient(base, { response_types: ['token'], grant_types: ['implicit'] })).status).toBe(400);
    const native = await registerClient(base, { application_type: 'native', redirect_uris: ['http://evil.example/callback'] });
    expect(native.status).toBe(400);
    expect(native.body.error).toBe('invalid_redirect_uri');
  });
});

describe('authorization endpoint', () => {
  async function authorizeError(params: Record<string, string | undefined>): Promise<URLSearchParams> {
    const { body: client } = await registerClient(base);
    const res = await new Browser().request(authorizationUrl(base, { client_id: String(client.client_id), ...params }).href);
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    // Errors come back in the query, or in the fragment for a response type that would use one.
    return new URLSearchParams([...location.searchParams, ...new URLSearchParams(location.hash.slice(1))]);
  }

  it('refuses a request without PKCE', async () => {
    const params = await authorizeError({});
    expect(params.get('error')).toBe('invalid_request');
    expect(params.get('error_description')).toMatch(/PKCE/);
  });

  it('refuses the plain PKCE method', async () => {
    const params = await authorizeError({ code_challenge: pkcePair().verifier, code_challenge_method: 'plain' });
    expect(params.get('error')).toBe('invalid_request');
  });

  it('refuses an implicit response type', async () => {
    const params = await authorizeError({ response_type: 'token', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' });
    expect(params.get('error')).toBe('unsupported_response_type');
  });

  it('refuses a resource that is not this server', async () => {
    const params = await authorizeError({ resource: 'https://elsewhere.example/mcp', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' });
    expect(params.get('error')).toBe('invalid_target');
  });

  it('refuses a code exchanged with the wrong verifier, and a code used twice', async () => {
    const { body: client } = await registerClient(base);
    const pkce = pkcePair();
    const callback = await authorizeInBrowser(new Browser(), authorizationUrl(base, { client_id: String(client.client_id), code_challenge: pkce.challenge, code_challenge_method: 'S256' }));
    const code = callback.searchParams.get('code')!;
    const wrong = await exchangeCode(base, { client_id: String(client.client_id), code, code_verifier: pkcePair().verifier });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toBe('invalid_grant');
    const right = await exchangeCode(base, { client_id: String(client.client_id), code, code_verifier: pkce.verifier });
    expect(right.status).toBe(200);
    const again = await exchangeCode(base, { client_id: String(client.client_id), code, code_verifier: pkce.verifier });
    expect(again.status).toBe(400);
    expect(again.body.error).toBe('invalid_grant');
  });

  it('gives the default resource and scope to a client that names neither', async () => {
    const { body: client } = await registerClient(base);
    const pkce = pkcePair();
    const callback = await authorizeInBrowser(
      new Browser(),
      authorizationUrl(base, { client_id: String(client.client_id), code_challenge: pkce.challenge, code_challenge_method: 'S256', resource: undefined, scope: undefined }),
    );
    const res = await fetch(`${base}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', redirect_uri: REDIRECT_URI, client_id: String(client.client_id), code: callback.searchParams.get('code')!, code_verifier: pkce.verifier }),
    });
    const tokens = await json(res);
    expect(res.status).toBe(200);
    expect(jwtPayload(tokens.access_token)).toMatchObject({ aud: `${base}/mcp`, scope: 'mcp' });
    expect((await echo(tokens.access_token)).status).toBe(200);
  });
});

describe('login and consent pages', () => {
  async function loginPage(): Promise<{ browser: Browser; url: string; html: string; res: Response }> {
    const { body: client } = await registerClient(base, { client_name: '<b>Sneaky</b> client' });
    const browser = new Browser();
    const step = await browser.follow(
      authorizationUrl(base, { client_id: String(client.client_id), code_challenge: pkcePair().challenge, code_challenge_method: 'S256' }).href,
      base,
    );
    expect(step.res.status).toBe(200);
    return { browser, url: step.url, html: await step.res.text(), res: step.res };
  }

  it('serves a script-free page with its own strict CSP, escaping the client name', async () => {
    const { html, res, url } = await loginPage();
    expect(url).toMatch(/\/oauth\/interaction\/[^/]+$/);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/style-src 'sha256-[^']+'/);
    expect(csp).toMatch(/form-action 'self' http:\/\/127\.0\.0\.1:1/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/);
    expect(html).toContain('&lt;b&gt;Sneaky&lt;/b&gt; client');
    expect(html).not.toContain('<b>Sneaky</b>');
  });

  it('refuses a wrong password and keeps the user on the page', async () => {
    const { browser, html, url } = await loginPage();
    const [form] = formsOf(html);
    const res = await browser.post(new URL(form!.action, url).href, { ...form!.fields, username: 'admin', password: 'wrong-password-123' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    const page = await res.text();
    expect(page).toContain('The username or password is not correct.');
    // The page still works: the right password goes on to consent.
    const [again] = formsOf(page);
    const ok = await browser.post(new URL(again!.action, url).href, { ...again!.fields, username: 'admin', password: ADMIN_PASSWORD });
    expect(ok.status).toBe(303);
  });

  it('refuses a post without the CSRF token, with a wrong one, or from another origin', async () => {
    const { browser, html, url } = await loginPage();
    const [form] = formsOf(html);
    const action = new URL(form!.action, url).href;
    const missing = await browser.post(action, { username: 'admin', password: ADMIN_PASSWORD });
    expect(missing.status).toBe(403);
    expect(await missing.text()).toContain('could not be verified');
    const wrong = await browser.post(action, { csrf: 'AAAA', username: 'admin', password: ADMIN_PASSWORD });
    expect(wrong.status).toBe(403);
    const crossOrigin = await browser.post(action, { ...form!.fields, username: 'admin', password: ADMIN_PASSWORD }, 'https://evil.example');
    expect(crossOrigin.status).toBe(403);
  });

  it('lets the user cancel from the sign-in page, which the client hears as access_denied', async () => {
    const { browser, html, url } = await loginPage();
    const cancel = formsOf(html).find((f) => f.action.endsWith('/abort'))!;
    const res = await browser.post(new URL(cancel.action, url).href, cancel.fields);
    expect(res.status).toBe(303);
    const end = await browser.follow(new URL(res.headers.get('location')!, url).href, base);
    expect(end.leftTo?.searchParams.get('error')).toBe('access_denied');
    expect(end.leftTo?.searchParams.get('state')).toBe('st-1');
  });

  it('refuses a post without the interaction cookie (another browser)', async () => {
    const { html, url } = await loginPage();
    const [form] = formsOf(html);
    const res = await new Browser().post(new URL(form!.action, url).href, { ...form!.fields, username: 'admin', password: ADMIN_PASSWORD });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
  });

  it('supports response_mode=form_post with a CSP that allows exactly its auto-submit script', async () => {
    const { body: client } = await registerClient(base);
    const browser = new Browser();
    const pkce = pkcePair();
    const start = authorizationUrl(base, { client_id: String(client.client_id), code_challenge: pkce.challenge, code_challenge_method: 'S256', response_mode: 'form_post' });
    let step = await browser.follow(start.href, base);
    const steps: Record<string, string>[] = [{ username: 'admin', password: ADMIN_PASSWORD }, { decision: 'allow' }];
    for (const fields of steps) {
      const [form] = formsOf(await step.res.text());
      const posted = await browser.post(new URL(form!.action, step.url).href, { ...form!.fields, ...fields });
      step = await browser.follow(new URL(posted.headers.get('location')!, step.url).href, base);
    }
    expect(step.res.status).toBe(200);
    const html = await step.res.text();
    expect(html).toContain(`action="${REDIRECT_URI}"`);
    const code = /name="code" value="([^"]+)"/.exec(html)?.[1];
    expect(code).toBeTruthy();
    expect(step.res.headers.get('content-security-policy')).toMatch(/script-src 'self' 'sha256-[^']+'/);
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
    const digest = createHash('sha256').update(script).digest('base64');
    expect(step.res.headers.get('content-security-policy')).toContain(`'sha256-${digest}'`);
    const { status } = await exchangeCode(base, { client_id: String(client.client_id), code: code!, code_verifier: pkce.verifier });
    expect(status).toBe(200);
  });

  it('shows the client, scopes and resource on the consent page, and a denial reaches the client', async () => {
    const { body: client } = await registerClient(base, { client_name: 'Consent Checker' });
    const browser = new Browser();
    const start = authorizationUrl(base, { client_id: String(client.client_id), code_challenge: pkcePair().challenge, code_challenge_method: 'S256', scope: 'mcp:read' });
    const login = await browser.follow(start.href, base);
    const [loginForm] = formsOf(await login.res.text());
    const posted = await browser.post(new URL(loginForm!.action, login.url).href, { ...loginForm!.fields, username: 'admin', password: ADMIN_PASSWORD });
    const consent = await browser.follow(new URL(posted.headers.get('location')!, login.url).href, base);
    const html = await consent.res.text();
    expect(html).toContain('Consent Checker');
    expect(html).toContain('mcp:read');
    expect(html).toContain(`${base}/mcp`);
    expect(html).toContain('admin');
    const [form] = formsOf(html);
    const denied = await browser.post(new URL(form!.action, consent.url).href, { ...form!.fields, decision: 'deny' });
    const end = await browser.follow(new URL(denied.headers.get('location')!, consent.url).href, base);
    expect(end.leftTo?.searchParams.get('error')).toBe('access_denied');
  });
});

describe('resource server', () => {
  it('accepts an issued token on MCP and REST alike', async () => {
    const tokens = await obtainTokens(base);
    expect((await echo(String(tokens.access_token))).status).toBe(200);
    const rest = await fetch(`${base}/api/v1/mcp/tools`, { headers: { authorization: `Bearer ${String(tokens.access_token)}` } });
    expect(rest.status).toBe(200);
  });

  it('rejects a token for another audience (401, invalid_token)', async () => {
    const real = jwtPayload(String((await obtainTokens(base)).access_token));
    for (const aud of ['https://elsewhere.example/mcp', `${base}/api`, 'portico']) {
      const res = await echo(await forge({ ...real, aud }));
      expect(res.status, aud).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe(CHALLENGE('mcp', 'invalid_token'));
    }
  });

  it('rejects an expired token (401, invalid_token) on every surface', async () => {
    const real = jwtPayload(String((await obtainTokens(base)).access_token));
    const expired = await forge({ ...real, iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 });
    const res = await echo(expired);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(CHALLENGE('mcp', 'invalid_token'));
    expect((await json(res)).error.message).toMatch(/expired/);
    const rest = await fetch(`${base}/api/v1/mcp/tools`, { headers: { authorization: `Bearer ${expired}` } });
    expect(rest.status).toBe(401);
    expect(rest.headers.get('www-authenticate')).toBe(CHALLENGE('mcp', 'invalid_token'));
  });

  it('rejects a tampered token, a foreign issuer and alg none', async () => {
    const token = String((await obtainTokens(base)).access_token);
    const real = jwtPayload(token);
    const [h, , s] = token.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...real, sub: 'someone-else' })).toString('base64url')}.${s}`;
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt', kid: deriveOAuthKeys(server.secretKey).kid })).toString('base64url')}.${Buffer.from(JSON.stringify(real)).toString('base64url')}.`;
    for (const bad of [tampered, none, await forge({ ...real, iss: 'https://issuer.example' }), await forge(real, { typ: 'JWT' })]) {
      expect((await echo(bad)).status).toBe(401);
    }
  });

  it('answers 403 insufficient_scope with the scope to ask for when a token carries no MCP scope', async () => {
    const real = jwtPayload(String((await obtainTokens(base)).access_token));
    const res = await echo(await forge({ ...real, scope: 'openid' }));
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toBe(`Bearer realm="portico", resource_metadata="${base}/.well-known/oauth-protected-resource/mcp", error="insufficient_scope", scope="mcp"`);
    const rest = await fetch(`${base}/api/v1/mcp/tools`, { headers: { authorization: `Bearer ${await forge({ ...real, scope: 'offline_access' })}` } });
    expect(rest.status).toBe(403);
    expect(rest.headers.get('www-authenticate')).toContain('error="insufficient_scope", scope="mcp"');
  });

  it('narrows a mcp:read token to read-only tools, resources and prompts', async () => {
    const tokens = await obtainTokens(base, { scope: 'mcp:read' });
    const token = String(tokens.access_token);
    expect(jwtPayload(token).scope).toBe('mcp:read');
    const full = String((await obtainTokens(base)).access_token);
    const names = async (t: string) => ((await json(modernPost(base, 'tools/list', {}, { token: t }))).result.tools as { name: string }[]).map((x) => x.name);
    const readOnly = await names(token);
    const all = await names(full);
    expect(readOnly).toContain('echo');
    expect(all).toContain('test_touch_watched_resource');
    expect(readOnly).not.toContain('test_touch_watched_resource');
    expect(readOnly.length).toBeLessThan(all.length);
    const write = await json(modernPost(base, 'tools/call', { name: 'test_touch_watched_resource', arguments: {} }, { token }));
    expect(write.error).toBeDefined();
    expect((await echo(token)).status).toBe(200);
  });

  it('refuses to revoke a JWT access token directly (revoke its refresh token instead)', async () => {
    const tokens = await obtainTokens(base);
    const res = await fetch(`${base}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: String(tokens.access_token), client_id: String(tokens.client_id) }),
    });
    expect(res.status).toBe(400);
    expect((await json(res)).error).toBe('unsupported_token_type');
  });
});
