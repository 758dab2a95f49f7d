/**
 * Credentials towards an upstream and hostile definitions: a bearer token (or a header) reaches a
 * Portico upstream that requires a credential; a wrong one fails with `upstream_failed` and the
 * token never appears in the error; invalid definitions are refused with `validation_failed`;
 * per-session isolation gives each downstream session its own upstream session.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPClientTransport, type Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PorticoError } from '../../src/core/errors.js';
import { localPrincipal } from '../../src/core/identity/local-principal.js';
import type { UpstreamDefinition } from '../../src/gateway/upstream-definition.js';
import type { RunningServer } from '../../src/server.js';
import { answeringClient, firstText } from '../helpers/mcp-clients.js';
import { runPortico, servePortico, type ServingProcess } from '../helpers/portico-process.js';
import { startTestServer } from '../helpers/test-server.js';
import { tempDir } from '../helpers/temp-dir.js';
import { everythingStdio, upstream } from '../helpers/upstreams.js';

let guarded: ServingProcess;
let front: RunningServer;
let key: string;

beforeAll(async () => {
  const data = tempDir();
  const created = await runPortico(['keys', 'create', '--name', 'gateway', '--role', 'admin', '--data', data]);
  expect(created.code, created.stderr).toBe(0);
  key = created.stdout.trim();
  guarded = await servePortico(['--conformance-fixture', '--no-providers', '--data', data]);
  front = await startTestServer({ PORTICO_AUTH__DISABLED: 'true' });
}, 60_000);

afterAll(async () => {
  await guarded?.stop();
});

const to = (auth: UpstreamDefinition['auth'] | Record<string, unknown>, name: string) =>
  upstream({ name, transport: { type: 'http', url: `${guarded.url}/mcp` }, auth: auth as UpstreamDefinition['auth'], timeoutMs: 5_000 });

describe('upstream credentials', () => {
  it('connects with a bearer token and relays calls', async () => {
    const status = await front.services.gateway!.connect(to({ type: 'bearer', token: key }, 'withbearer'));
    expect(status.health).toBe('connected');
    expect(status.authType).toBe('bearer');
    expect(JSON.stringify(status)).not.toContain(key);
    // Federated, through the front door:
    const { client } = answeringClient('modern');
    await client.connect(new StreamableHTTPClientTransport(new URL(`${front.url}/mcp`)));
    expect((await client.callTool({ name: 'withbearer_test_simple_text', arguments: {} })).isError).toBeFalsy();
    await client.close();
    // And through the direct relay the REST API uses:
    expect((await front.services.gateway!.callTool(localPrincipal(), status.id, 'test_simple_text', {})).isError).toBeFalsy();
  });

  it('connects with a custom header', async () => {
    const status = await front.services.gateway!.connect(to({ type: 'headers', headers: { 'X-API-Key': key } }, 'withheader'));
    expect(status.health).toBe('connected');
  });

  it('obtains a token with OAuth client credentials and uses it', async () => {
    // A local token endpoint: checks the client's Basic credentials, hands out the upstream's key.
    const requests: { authorization?: string; body: string }[] = [];
    const tokens = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        requests.push({ authorization: req.headers.authorization, body });
        const ok = req.headers.authorization === `Basic ${Buffer.from('portico:s3cret').toString('base64')}` && body.includes('grant_type=client_credentials');
        res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
        res.end(JSON.stringify(ok ? { access_token: key, token_type: 'Bearer', expires_in: 3600 } : { error: 'invalid_client' }));
      });
    });
    await new Promise<void>((resolve) => tokens.listen(0, '127.0.0.1', resolve));
    const tokenUrl = `http://127.0.0.1:${(tokens.address() as AddressInfo).port}/token`;
    try {
      const status = await front.services.gateway!.connect(to({ type: 'oauth', grant: 'client_credentials', tokenUrl, clientId: 'portico', clientSecret: 's3cret', scope: 'mcp' }, 'withoauth'));
      expect(status.health).toBe('connected');
      expect(requests.length).toBeGreaterThanOrEqual(1);
      expect(requests[0]!.body).toContain('scope=mcp');
      const wrong = await front.services.gateway!.connect(to({ type: 'oauth', grant: 'client_credentials', tokenUrl, clientId: 'portico', clientSecret: 'wrong-secret' }, 'badoauth')).catch((e: unknown) => e);
      expect((wrong as PorticoError).code).toBe('upstream_failed');
      expect((wrong as PorticoError).message).not.toContain('wrong-secret');
    } finally {
      tokens.close();
    }
  });

  it('refuses a wrong token without echoing it', async () => {
    const wrong = `pk_wrong_${'x'.repeat(24)}`;
    const error = await front.services.gateway!.connect(to({ type: 'bearer', token: wrong }, 'wrongbearer')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PorticoError);
    expect((error as PorticoError).code).toBe('upstream_failed');
    expect((error as PorticoError).message).not.toContain(wrong);
    expect(front.services.gateway!.list().some((s) => s.name === 'wrongbearer')).toBe(false);
  });

  it('refuses no credential at all', async () => {
    const error = await front.services.gateway!.connect(to({ type: 'none' }, 'nocred')).catch((e: unknown) => e);
    expect((error as PorticoError).code).toBe('upstream_failed');
  });
});

describe('hostile definitions', () => {
  it.each([
    ['an empty name', { name: '' }],
    ['a name with spaces', { name: 'a b' }],
    ['a non-http URL', { transport: { type: 'http', url: 'file:///etc/passwd' } }],
    ['an unknown transport', { transport: { type: 'carrier-pigeon' } }],
    ['a negative timeout', { timeoutMs: -1 }],
  ])('refuses %s', async (_label, patch) => {
    const definition = { ...upstream({ transport: { type: 'http', url: 'http://127.0.0.1:9/mcp' } }), ...patch } as UpstreamDefinition;
    const error = await front.services.gateway!.connect(definition).catch((e: unknown) => e);
    expect((error as PorticoError).code).toBe('validation_failed');
  });

  it('refuses a second upstream with the same id or name', async () => {
    const first = await front.services.gateway!.connect(everythingStdio({ name: 'dup' }));
    const again = await front.services.gateway!.connect({ ...everythingStdio({ name: 'dup2' }), id: first.id }).catch((e: unknown) => e);
    expect((again as PorticoError).code).toBe('conflict');
    const sameName = await front.services.gateway!.connect(everythingStdio({ name: 'dup' })).catch((e: unknown) => e);
    expect((sameName as PorticoError).code).toBe('conflict');
  }, 30_000);

  it('reports an unknown upstream as not_found on the direct relay', async () => {
    const error = await front.services.gateway!.listTools(localPrincipal(), 'no-such-upstream').catch((e: unknown) => e);
    expect((error as PorticoError).code).toBe('not_found');
  });
});

describe('per-session isolation', () => {
  const clients: Client[] = [];
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
  });

  it('gives each downstream session its own upstream session', async () => {
    await front.services.gateway!.connect(everythingStdio({ name: 'persession', isolation: 'per-session' }));
    const open = async () => {
      const { client } = answeringClient('legacy');
      await client.connect(new StreamableHTTPClientTransport(new URL(`${front.url}/mcp`)));
      clients.push(client);
      return client;
    };
    const toggle = async (c: Client) => firstText(await c.callTool({ name: 'persession_toggle-simulated-logging', arguments: {} }));
    const one = await open();
    const two = await open();
    expect(await toggle(one)).toMatch(/^Started/);
    expect(await toggle(two)).toMatch(/^Started/);
    expect(await toggle(one)).toMatch(/^Stopped/);
  }, 30_000);
});
