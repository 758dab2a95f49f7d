/**
 * OAuth as configured: dynamic registration can be turned off (pre-registered or metadata-document
 * clients only), and OAuth as a whole can be (then no metadata, no endpoints, the bare challenge).
 * The sign-in page shares the password-login brake and writes the audit trail.
 */
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { json } from '../helpers/http.js';
import { eventually } from '../helpers/mcp-clients.js';
import { startTestServer } from '../helpers/test-server.js';
import { modernPost } from '../surfaces/mcp-http/mcp-http-kit.js';
import { ADMIN_PASSWORD, Browser, authorizationUrl, formsOf, obtainTokens, pkcePair, registerClient } from './oauth-kit.js';

describe('OAuth without dynamic registration', async () => {
  const server = await startTestServer({ PORTICO_ADMIN_PASSWORD: ADMIN_PASSWORD, PORTICO_OAUTH__DYNAMIC_REGISTRATION: 'false' });

  it('advertises no registration endpoint and refuses registrations', async () => {
    const metadata = await json(fetch(`${server.url}/.well-known/oauth-authorization-server`));
    expect(metadata.registration_endpoint).toBeUndefined();
    expect(metadata.authorization_endpoint).toBe(`${server.url}/oauth/authorize`);
    expect((await registerClient(server.url)).status).toBe(404);
  });
});

describe('OAuth turned off', async () => {
  const server = await startTestServer({ PORTICO_ADMIN_PASSWORD: ADMIN_PASSWORD, PORTICO_OAUTH__ENABLED: 'false' });

  it('serves no metadata or endpoints, and challenges with the bare Bearer scheme', async () => {
    for (const path of ['/.well-known/oauth-protected-resource', '/.well-known/oauth-authorization-server', '/oauth/authorize']) {
      expect((await fetch(`${server.url}${path}`)).status, path).toBe(404);
    }
    const res = await modernPost(server.url, 'tools/list', {}, { token: 'nope' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="portico"');
  });
});

describe('OAuth sign-in limits and audit', async () => {
  const server = await startTestServer({ PORTICO_ADMIN_PASSWORD: ADMIN_PASSWORD, PORTICO_AUTH__LOGIN_MAX_ATTEMPTS: '2' });

  it('slows down repeated wrong passwords (429 with Retry-After), even with the right one', async () => {
    const { body: client } = await registerClient(server.url);
    const browser = new Browser();
    const start = await browser.follow(authorizationUrl(server.url, { client_id: String(client.client_id), code_challenge: pkcePair().challenge, code_challenge_method: 'S256' }).href, server.url);
    let html = await start.res.text();
    const statuses: number[] = [];
    for (const password of ['wrong-password-1', 'wrong-password-2', ADMIN_PASSWORD]) {
      const [form] = formsOf(html);
      const res = await browser.post(new URL(form!.action, start.url).href, { ...form!.fields, username: 'admin', password });
      statuses.push(res.status);
      if (res.status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      html = await res.text();
    }
    expect(statuses).toEqual([400, 400, 429]);
    expect(html).toContain('Too many failed sign-in attempts');
  });

  it('records sign-ins and consents in the audit trail', async () => {
    await new Promise((r) => setTimeout(r, 1100));
    const tokens = await obtainTokens(server.url);
    const read = async (action: string) =>
      (await json(fetch(`${server.url}/api/v1/audit?action=${encodeURIComponent(action)}`, { headers: { authorization: `Bearer ${String(tokens.access_token)}` } }))).items as {
        outcome: string;
        surface: string;
        target: string;
      }[];
    const logins = await eventually(() => read('auth/login'), (items) => items.some((i) => i.outcome === 'ok'));
    expect(logins.filter((i) => i.surface === 'ui').map((i) => i.outcome)).toEqual(expect.arrayContaining(['ok', 'denied', 'rate_limited']));
    const consents = await eventually(() => read('auth/token'), (items) => items.some((i) => i.target === tokens.client_id));
    expect(consents.find((i) => i.target === tokens.client_id)).toMatchObject({ outcome: 'ok', surface: 'ui' });
  });
});

describe('OAuth with a public URL', async () => {
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
  const publicUrl = `http://127.0.0.1:${port}`;
  const server = await startTestServer({ PORTICO_ADMIN_PASSWORD: ADMIN_PASSWORD, PORTICO_PORT: String(port), PORTICO_SERVER__PUBLIC_URL: `${publicUrl}/` });

  it('names itself by the public URL and its tokens work', async () => {
    const metadata = await json(fetch(`${server.url}/.well-known/oauth-authorization-server`));
    expect(metadata.issuer).toBe(publicUrl);
    expect((await json(fetch(`${server.url}/.well-known/oauth-protected-resource`))).resource).toBe(`${publicUrl}/mcp`);
    const tokens = await obtainTokens(server.url);
    const res = await modernPost(server.url, 'tools/list', {}, { token: String(tokens.access_token) });
    expect(res.status).toBe(200);
  });
});
