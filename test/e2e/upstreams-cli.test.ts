/**
 * `portico upstreams add|list|rm|test` as real processes on a data directory, against a real
 * upstream (a Portico server with the conformance fixture, reached with its API key) and
 * server-everything over stdio; then `portico serve` on that data directory connects what was added.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server.js';
import { openDatabase } from '../../src/store/database.js';
import { runPortico, servePortico } from '../helpers/portico-process.js';
import { tempDir } from '../helpers/temp-dir.js';
import { EVERYTHING_BIN } from '../helpers/upstreams.js';
import { call, startIdentityServer } from '../surfaces/rest/identity-kit.js';

let upstream: RunningServer;
let token: string;
const data = tempDir();
const ENV_SECRET = 'cli-env-secret-value';

const portico = (args: string[], input?: string) => runPortico(['upstreams', ...args, '--data', data], {}, input);

beforeAll(async () => {
  upstream = await startIdentityServer();
  token = (await upstream.identity.createKey({ name: 'cli', role: 'admin', userId: null })).secret;
}, 60_000);

// Each CLI run starts Node and opens the store: slow on a busy machine.
describe('portico upstreams', { timeout: 180_000 }, () => {
  it('adds an HTTP upstream with a bearer token read from stdin, testing it first', async () => {
    const res = await portico(['add', 'fixture', '--url', `${upstream.url}/mcp`, '--bearer-token-stdin', '--timeout', '10s', '--test'], `${token}\n`);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/fixture: connected .*; \d+ tools, \d+ resources/);
    expect(res.stdout).toContain('added fixture');
    expect(res.stdout + res.stderr).not.toContain(token);
  });

  it('adds a stdio upstream with a secret environment variable', async () => {
    const res = await portico(['add', 'everything', '--command', process.execPath, '--arg', EVERYTHING_BIN, '--arg', 'stdio', '--env', `SOME_KEY=${ENV_SECRET}`, '--deny', 'echo']);
    expect(res.code, res.stderr).toBe(0);
  });

  it('lists both, never with a credential', async () => {
    const text = await portico(['list']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/fixture\s+http\s+bearer\s+enabled\s+api/);
    expect(text.stdout).toMatch(/everything\s+stdio\s+none\s+enabled\s+api/);
    const json = await portico(['list', '--json']);
    const parsed = JSON.parse(json.stdout) as Array<{ name: string; auth: { type: string }; transport: { envKeys?: string[] } }>;
    expect(parsed.map((u) => u.name)).toEqual(['fixture', 'everything']);
    expect(parsed[1]!.transport.envKeys).toEqual(['SOME_KEY']);
    for (const out of [text.stdout, json.stdout]) {
      expect(out).not.toContain(token);
      expect(out).not.toContain(ENV_SECRET);
    }
  });

  it('tests a stored upstream and prints what it offers', async () => {
    const res = await portico(['test', 'everything']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^everything: connected .*; (\d+) tools/);
    expect(Number(/; (\d+) tools/.exec(res.stdout)![1])).toBeGreaterThan(3);
  });

  it('refuses bad input with a usage error and a taken name with a conflict', async () => {
    expect((await portico(['add', 'nothing'])).code).toBe(2);
    expect((await portico(['add', 'both', '--url', 'http://127.0.0.1:1/mcp', '--command', 'node'])).code).toBe(2);
    expect((await portico(['add', 'ftp', '--url', 'ftp://127.0.0.1/mcp'])).code).toBe(2);
    expect((await portico(['add', 'bad name', '--url', 'http://127.0.0.1:1/mcp'])).code).toBe(2);
    const taken = await portico(['add', 'fixture', '--url', 'http://127.0.0.1:1/mcp']);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('already exists');
  });

  it('fails a test of an upstream that cannot be reached, and of an unknown one', async () => {
    expect((await portico(['add', 'down', '--url', 'http://127.0.0.1:9/mcp', '--timeout', '3s'])).code).toBe(0);
    const down = await portico(['test', 'down']);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('down: not connected');
    expect((await portico(['test', 'missing'])).code).toBe(1);
    expect((await portico(['rm', 'down'])).code).toBe(0);
  });

  it('stores the credentials encrypted', async () => {
    const database = await openDatabase({ dialect: 'sqlite', file: join(data, 'portico.db') });
    try {
      const raw = JSON.stringify(await database.db.selectFrom('upstreams').selectAll().execute());
      expect(raw).toContain('fixture');
      expect(raw).not.toContain(token);
      expect(raw).not.toContain(ENV_SECRET);
      const audit = JSON.stringify(await database.db.selectFrom('audit_events').selectAll().where('action', '=', 'admin/upstreams').execute());
      expect(audit).toContain('fixture');
      expect(audit).not.toContain(token);
    } finally {
      await database.close();
    }
  });

  it('is connected by `portico serve` on that data directory', async () => {
    const server = await servePortico(['--data', data, '--no-auth'], {}, 90_000);
    try {
      const list = await call(server.url, 'GET', '/api/v1/upstreams');
      expect(list.body.clients.map((c: { name: string; status: string }) => [c.name, c.status])).toEqual([
        ['fixture', 'connected'],
        ['everything', 'connected'],
      ]);
      const tools = await call(server.url, 'GET', '/api/v1/mcp/tools');
      const names = tools.body.tools.map((t: { name: string }) => t.name);
      expect(names).toContain('fixture_echo');
      expect(names).toContain('everything_get-sum');
      expect(names).not.toContain('everything_echo');
    } finally {
      await server.stop();
    }
  });

  it('tests an upstream declared in a config file, and will not remove it', async () => {
    const config = join(tempDir(), 'portico.json');
    writeFileSync(config, JSON.stringify({ mcpServers: { declared: { url: `${upstream.url}/mcp`, headers: { Authorization: `Bearer ${token}` } } } }));
    const tested = await runPortico(['upstreams', 'test', 'declared', '--data', data, '--config', config]);
    expect(tested.code, tested.stderr).toBe(0);
    expect(tested.stdout).toMatch(/^declared: connected/);
    const listed = await runPortico(['upstreams', 'list', '--data', data, '--config', config]);
    expect(listed.stdout).toMatch(/declared\s+http\s+bearer\s+enabled\s+config/);
    expect(listed.stdout).not.toContain(token);
    const rm = await runPortico(['upstreams', 'rm', 'declared', '--data', data, '--config', config]);
    expect(rm.code).toBe(1);
    expect(rm.stderr).toContain('config file');
  });

  it('removes a stored upstream', async () => {
    const res = await portico(['rm', 'fixture']);
    expect(res.code).toBe(0);
    expect((await portico(['list'])).stdout).not.toContain('fixture');
    expect((await portico(['rm', 'fixture'])).code).toBe(1);
  });
});
