/**
 * Client ID metadata documents: a client whose id is an https URL is known by fetching that URL
 * (no registration). Portico on 127.0.0.1 with the fetch substituted, so nothing leaves the machine.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdentityService } from '../../../src/auth/identity-service.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { openDatabase, type Database } from '../../../src/store/database.js';
import { migrateToLatest } from '../../../src/store/migrate.js';
import { createIdentityRepository } from '../../../src/store/repositories/identity.repository.js';
import { registerOAuth, type OAuthSurface } from '../../../src/surfaces/oauth/oauth.routes.js';
import { ADMIN_PASSWORD, Browser, REDIRECT_URI, authorizationUrl, authorizeInBrowser, exchangeCode, pkcePair } from '../../e2e/oauth-kit.js';
import { silentLogger } from '../../helpers/test-server.js';
import { tempDir } from '../../helpers/temp-dir.js';

const CLIENT_ID = 'https://client.example/oauth/portico-client.json';
const fetched: string[] = [];

async function fakeFetch(url: string | URL): Promise<Response> {
  fetched.push(String(url));
  if (String(url) !== CLIENT_ID) return new Response('not found', { status: 404 });
  const document = {
    client_id: CLIENT_ID,
    client_name: 'Metadata Document Client',
    redirect_uris: [REDIRECT_URI],
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
  };
  return new Response(JSON.stringify(document), { status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'max-age=300' } });
}

let app: FastifyInstance;
let database: Database;
let oauth: OAuthSurface;
let base: string;

beforeAll(async () => {
  const dir = tempDir();
  const config = loadConfig({ env: { PORTICO_DATA_DIR: dir, PORTICO_PORT: '0' } });
  database = await openDatabase({ dialect: 'sqlite', file: join(dir, 'portico.db') });
  await migrateToLatest(database);
  const secretKey = randomBytes(32);
  const identity = createIdentityService(createIdentityRepository(database.db), secretKey);
  await identity.firstStart(ADMIN_PASSWORD);
  app = Fastify();
  oauth = registerOAuth(app, {
    config,
    identity,
    database,
    secretKey,
    logger: silentLogger,
    clientMetadataDocuments: { allowFetch: async (url) => new URL(url).hostname === 'client.example', fetch: fakeFetch },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await app?.close();
  await database?.close();
});

describe('client ID metadata documents', () => {
  it('are advertised', async () => {
    const metadata = (await (await fetch(`${base}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    expect(metadata.client_id_metadata_document_supported).toBe(true);
  });

  it('let a client with a URL id authorize without registering', async () => {
    const pkce = pkcePair();
    const browser = new Browser();
    const start = authorizationUrl(base, { client_id: CLIENT_ID, code_challenge: pkce.challenge, code_challenge_method: 'S256' });
    const login = await browser.follow(start.href, base);
    expect(await login.res.clone().text()).toContain('Metadata Document Client');
    const callback = await authorizeInBrowser(browser, start);
    const code = callback.searchParams.get('code');
    expect(code).toBeTruthy();
    const { status, body } = await exchangeCode(base, { client_id: CLIENT_ID, code: code!, code_verifier: pkce.verifier });
    expect(status).toBe(200);
    const principal = await oauth.verifier.verify(String(body.access_token));
    expect(principal?.name).toBe('admin');
    expect(fetched).toContain(CLIENT_ID);
  });

  it('refuses a URL the fetch policy does not allow', async () => {
    const before = fetched.length;
    const res = await new Browser().request(
      authorizationUrl(base, { client_id: 'https://internal.example/client.json', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' }).href,
    );
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toContain('invalid_client');
    expect(fetched.length).toBe(before);
  });
});
