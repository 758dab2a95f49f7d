/**
 * Upstreams declared in the config file: `gateway.upstreams` and Claude-Desktop-style
 * `mcpServers`, validation, redaction in `config show`, and a server that connects them at start
 * (retrying one that is not up yet) and refuses to delete them over REST.
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { redactConfig } from '../../src/config/redact-config.js';
import { configuredUpstreams } from '../../src/gateway/configured-upstreams.js';
import { tempDir } from '../helpers/temp-dir.js';
import { startTestServer } from '../helpers/test-server.js';
import { EVERYTHING_BIN } from '../helpers/upstreams.js';
import { call } from '../surfaces/rest/identity-kit.js';

function configFile(content: unknown): string {
  const file = join(tempDir(), 'portico.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}

const load = (content: unknown) => loadConfig({ configFile: configFile(content), env: {} });

describe('config-declared upstreams', () => {
  it('reads gateway.upstreams and Claude-Desktop mcpServers blocks into definitions with stable ids', () => {
    const config = load({
      gateway: {
        upstreams: [{ name: 'remote', transport: { type: 'http', url: 'https://mcp.example.com/mcp' }, auth: { type: 'bearer', token: 'tok-in-upstreams' }, isolation: 'per-principal', namespace: '' }],
      },
      mcpServers: {
        filesystem: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/tmp'], env: { API_KEY: 'env-secret-1' }, autoApprove: [] },
        'my github': { url: 'https://api.example.com/mcp', headers: { Authorization: 'Bearer gh-secret-2' } },
        keyed: { type: 'sse', url: 'https://sse.example.com/sse', headers: { 'X-API-Key': 'header-secret-3' } },
        off: { command: 'node', disabled: true },
      },
    });
    const definitions = configuredUpstreams(config);
    expect(definitions.map((d) => [d.id, d.name])).toEqual([
      ['config:remote', 'remote'],
      ['config:filesystem', 'filesystem'],
      ['config:my-github', 'my-github'],
      ['config:keyed', 'keyed'],
      ['config:off', 'off'],
    ]);
    expect(definitions[0]).toMatchObject({ namespace: '', isolation: 'per-principal', auth: { type: 'bearer', token: 'tok-in-upstreams' } });
    expect(definitions[1]).toMatchObject({ transport: { type: 'stdio', command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/tmp'], env: { API_KEY: 'env-secret-1' } }, enabled: true });
    expect(definitions[2]).toMatchObject({ transport: { type: 'http', url: 'https://api.example.com/mcp' }, auth: { type: 'bearer', token: 'gh-secret-2' } });
    expect(definitions[3]).toMatchObject({ transport: { type: 'sse' }, auth: { type: 'headers', headers: { 'X-API-Key': 'header-secret-3' } } });
    expect(definitions[4]).toMatchObject({ enabled: false, transport: { type: 'stdio', args: [] } });

    // `config show` keeps the shape and hides every credential.
    const shown = JSON.stringify(redactConfig(config));
    for (const secret of ['tok-in-upstreams', 'env-secret-1', 'gh-secret-2', 'header-secret-3']) expect(shown).not.toContain(secret);
    expect(shown).toContain('server-filesystem');
    expect(shown).toContain('https://sse.example.com/sse');
  });

  it('refuses a name declared twice, and malformed blocks, naming where', () => {
    expect(() =>
      configuredUpstreams(load({ gateway: { upstreams: [{ name: 'dup', transport: { type: 'http', url: 'http://127.0.0.1:1/mcp' } }] }, mcpServers: { dup: { command: 'node' } } })),
    ).toThrow(/mcpServers."dup".*declared twice/);
    expect(() => load({ mcpServers: { broken: { args: ['x'] } } })).toThrow(/mcpServers/);
    expect(() => load({ mcpServers: { bad: { url: 'file:///etc/passwd' } } })).toThrow(/mcpServers/);
    expect(() => load({ gateway: { upstreams: [{ name: 'x', transport: { type: 'http', url: 'http://127.0.0.1/mcp' }, isolation: 'nope' }] } })).toThrow(/gateway.upstreams/);
    expect(() => configuredUpstreams(load({ mcpServers: { '---': { command: 'node' } } }))).toThrow(/letter or digit/);
  });
});

/** A loopback port nobody listens on (yet). */
async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

describe('a server with config-declared upstreams', () => {
  it('connects them at start, retries one that is down until it comes up, and will not delete them over REST', async () => {
    const port = await freePort();
    const file = configFile({
      mcpServers: {
        everything: { command: process.execPath, args: [EVERYTHING_BIN, 'stdio'] },
        later: { url: `http://127.0.0.1:${port}/mcp` },
      },
    });
    const gateway = await startTestServer({ PORTICO_CONFIG: file, PORTICO_AUTH__DISABLED: 'true' });
    const list = async () => (await call(gateway.url, 'GET', '/api/v1/upstreams')).body;
    const first = await list();
    expect(first.clients.map((c: { name: string; source: string; status: string }) => [c.name, c.source, c.status])).toEqual([
      ['everything', 'config', 'connected'],
      ['later', 'config', 'disconnected'],
    ]);
    expect(first.clients[1].reason).toEqual(expect.any(String));
    expect(gateway.catalog.tool('everything_echo')).toBeDefined();

    // The upstream comes up; the registry's retry connects it.
    await startTestServer({ PORTICO_PORT: String(port), PORTICO_MCP__CONFORMANCE_FIXTURE: 'true', PORTICO_AUTH__DISABLED: 'true' });
    const deadline = Date.now() + 30_000;
    while (!gateway.catalog.tool('later_echo') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(gateway.catalog.tool('later_echo')).toBeDefined();
    expect((await list()).clients[1]).toMatchObject({ name: 'later', status: 'connected', reason: null });

    const refused = await call(gateway.url, 'DELETE', '/api/v1/upstreams/config:everything');
    expect(refused.status).toBe(409);
    expect(gateway.catalog.tool('everything_echo')).toBeDefined();
  }, 60_000);
});
