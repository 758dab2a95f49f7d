/**
 * OAuth 2.1 end to end against a real Portico: an SDK v2 client discovers the authorization server
 * from the 401 challenge, registers dynamically, sends the user through the login and consent
 * pages (automated here as a browser without JavaScript would do it), exchanges the code with
 * PKCE, and calls a tool over /mcp in both protocol eras. Then refresh rotation and revocation.
 */
import { SSEClientTransport, StreamableHTTPClientTransport, UnauthorizedError, type Client } from '@modelcontextprotocol/client';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server.js';
import { json } from '../helpers/http.js';
import { answeringClient, firstText, type Era } from '../helpers/mcp-clients.js';
import { startTestServer } from '../helpers/test-server.js';
import { modernPost } from '../surfaces/mcp-http/mcp-http-kit.js';
import { ADMIN_PASSWORD, Browser, MemoryOAuthProvider, authorizeInBrowser, jwtPayload } from './oauth-kit.js';

let server: RunningServer;

beforeAll(async () => {
  server = await startTestServer({ PORTICO_ADMIN_PASSWORD: ADMIN_PASSWORD, PORTICO_MCP__CONFORMANCE_FIXTURE: 'true' });
});

/** Run the whole flow with a fresh SDK client; returns a connected client and its provider. */
async function connectWithOAuth(era: Era, provider = new MemoryOAuthProvider(`e2e ${era}`)): Promise<{ client: Client; provider: MemoryOAuthProvider }> {
  const url = new URL(`${server.url}/mcp`);
  const first = answeringClient(era, `oauth-${era}`);
  const unauthorized = new StreamableHTTPClientTransport(url, { authProvider: provider });
  const refused = await first.client.connect(unauthorized).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(refused).toBeInstanceOf(UnauthorizedError);
  expect(provider.client?.client_id, 'registered dynamically').toBeTruthy();
  expect(provider.authorizationUrl, 'asked to send the user to the authorization endpoint').toBeDefined();

  const callback = await authorizeInBrowser(new Browser(), provider.authorizationUrl!);
  expect(`${callback.origin}${callback.pathname}`).toBe(provider.redirectUrl);
  expect(callback.searchParams.get('state')).toBe(provider.stateValue);
  expect(callback.searchParams.get('iss')).toBe(server.url);
  await unauthorized.finishAuth(callback.searchParams);
  await unauthorized.close();

  const { client } = answeringClient(era, `oauth-${era}`);
  await client.connect(new StreamableHTTPClientTransport(url, { authProvider: provider }));
  return { client, provider };
}

describe('OAuth 2.1 with a real SDK client', () => {
  for (const era of ['modern', 'legacy'] as const) {
    it(`discovers, registers, authorizes with PKCE and calls a tool (${era} era)`, async () => {
      const { client, provider } = await connectWithOAuth(era);
      try {
        const tokens = provider.saved!;
        expect(tokens.token_type.toLowerCase()).toBe('bearer');
        expect(tokens.refresh_token).toBeTruthy();
        const claims = jwtPayload(tokens.access_token);
        expect(claims.aud).toBe(`${server.url}/mcp`);
        expect(claims.iss).toBe(server.url);
        expect(String(claims.scope).split(' ')).toContain('mcp');

        const result = await client.callTool({ name: 'echo', arguments: { message: `hello ${era}` } });
        expect(firstText(result)).toContain(`hello ${era}`);
        const tools = await client.listTools();
        expect(tools.tools.map((t) => t.name)).toContain('echo');
      } finally {
        await client.close();
      }
    });
  }

  it('works for the legacy HTTP+SSE transport too (its own resource, /sse)', async () => {
    const provider = new MemoryOAuthProvider('e2e sse');
    const url = new URL(`${server.url}/sse`);
    const first = new SSEClientTransport(url, { authProvider: provider });
    const refused = await answeringClient('legacy', 'oauth-sse').client.connect(first).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(UnauthorizedError);
    const callback = await authorizeInBrowser(new Browser(), provider.authorizationUrl!);
    await first.finishAuth(callback.searchParams);
    await first.close();
    expect(jwtPayload(provider.saved!.access_token).aud).toBe(`${server.url}/sse`);
    const { client } = answeringClient('legacy', 'oauth-sse');
    await client.connect(new SSEClientTransport(url, { authProvider: provider }));
    try {
      expect(firstText(await client.callTool({ name: 'echo', arguments: { message: 'over sse' } }))).toContain('over sse');
    } finally {
      await client.close();
    }
  });

  it('rotates refresh tokens, and reuse of a rotated one revokes the grant', async () => {
    const { client, provider } = await connectWithOAuth('modern');
    await client.close();
    const { access_token: firstAccess, refresh_token: firstRefresh } = provider.saved!;
    const clientId = provider.client!.client_id;
    const refresh = (token: string) =>
      fetch(`${server.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token, client_id: clientId, resource: `${server.url}/mcp` }),
      });

    const rotated = await refresh(firstRefresh!);
    expect(rotated.status).toBe(200);
    const next = await json(rotated);
    expect(next.refresh_token).toBeTruthy();
    expect(next.refresh_token).not.toBe(firstRefresh);
    expect(jwtPayload(next.access_token).aud).toBe(`${server.url}/mcp`);

    const ok = await mcpCall(next.access_token);
    expect(ok.status).toBe(200);

    // The rotated-out token again: refused, and the grant (so every token of it) is revoked.
    const reused = await refresh(firstRefresh!);
    expect(reused.status).toBe(400);
    expect((await json(reused)).error).toBe('invalid_grant');
    for (const token of [next.access_token, firstAccess]) {
      const res = await mcpCall(token);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    }
    expect((await refresh(next.refresh_token)).status).toBe(400);
  });

  it('revocation of the refresh token makes the access token fail', async () => {
    const { client, provider } = await connectWithOAuth('legacy');
    await client.close();
    const { access_token, refresh_token } = provider.saved!;
    expect((await mcpCall(access_token)).status).toBe(200);
    const revoked = await fetch(`${server.url}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: refresh_token!, token_type_hint: 'refresh_token', client_id: provider.client!.client_id }),
    });
    expect(revoked.status).toBe(200);
    const after = await mcpCall(access_token);
    expect(after.status).toBe(401);
    expect(after.headers.get('www-authenticate')).toMatch(/^Bearer realm="portico", resource_metadata="[^"]+", scope="mcp", error="invalid_token"$/);
  });
});

/** A modern-era tools/call with a bearer token, raw. */
function mcpCall(token: string): Promise<Response> {
  return modernPost(server.url, 'tools/call', { name: 'echo', arguments: { message: 'x' } }, { token });
}
