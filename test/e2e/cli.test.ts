import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { json } from '../helpers/http.js';
import { runPortico, servePortico } from '../helpers/portico-process.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('portico CLI', () => {
  it('lists its commands with --help', async () => {
    const res = await runPortico(['--help']);
    expect(res.code).toBe(0);
    for (const cmd of ['serve', 'migrate', 'config']) expect(res.stdout).toContain(cmd);
  });

  it('exits 2 naming the key when PORTICO_PORT is not a number', async () => {
    const res = await runPortico(['serve'], { PORTICO_PORT: 'abc', PORTICO_DATA_DIR: tempDir() });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('server.port');
    expect(res.stderr).toContain('PORTICO_PORT');
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('exits 2 naming the key when the config file has an unknown key', async () => {
    const file = join(tempDir(), 'portico.yaml');
    writeFileSync(file, 'server:\n  port: 8080\n  colour: blue\n');
    const res = await runPortico(['serve', '--config', file]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('"server.colour"');
  });

  it('exits 2 on an unknown command or option', async () => {
    expect((await runPortico(['frobnicate'])).code).toBe(2);
    expect((await runPortico(['serve', '--bogus'])).code).toBe(2);
  });

  it('prints the effective configuration with secrets redacted', async () => {
    const res = await runPortico(['config', 'print', '--format', 'json', '--port', '9999'], {
      DATABASE_URL: 'postgres://app:s3cr3t-pw@127.0.0.1:5432/db',
      PORTICO_SECRET_KEY: 'k'.repeat(40),
    });
    expect(res.code).toBe(0);
    const shown = JSON.parse(res.stdout);
    expect(shown.server.port).toBe(9999);
    expect(res.stdout).not.toContain('s3cr3t-pw');
    expect(res.stdout).not.toContain('k'.repeat(40));
    expect(shown.database.url).toBe('postgres://app:<redacted>@127.0.0.1:5432/db');
  });

  it('keeps the README configuration reference in sync with the schema', async () => {
    const res = await runPortico(['config', 'docs']);
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(res.stdout.trim());
  });
});

describe('portico serve (process)', () => {
  it('serves, shuts down cleanly on SIGTERM, and reuses its data on restart', async () => {
    const data = tempDir();
    const first = await servePortico(['--data', data]);
    const health = await json(fetch(`${first.url}/health`));
    expect(health.status).toBe('healthy');
    expect(first.output()).toContain('database migrated');
    const key = readFileSync(join(data, 'secret.key'), 'utf8');

    // Administrative commands work against the data directory of a running server.
    const migrate = await runPortico(['migrate', '--data', data]);
    expect(migrate.code).toBe(0);
    expect(migrate.stdout).toContain('up to date');

    // A second server on the same SQLite data directory is refused with one clear line.
    const second = await runPortico(['serve', '--port', '0', '--data', data]);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/in use by another Portico server \(pid \d+/);
    expect(second.stderr.trim().split('\n')).toHaveLength(1);

    expect(await first.stop('SIGTERM')).toBe(0);
    expect(first.output()).toContain('portico stopped');

    const again = await servePortico(['--data', data]);
    expect(again.output()).not.toContain('database migrated');
    expect(readFileSync(join(data, 'secret.key'), 'utf8')).toBe(key);
    expect(await again.stop('SIGINT')).toBe(0);
  });

  it('gives a one-line error and a non-zero exit when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const res = await runPortico(['serve', '--port', String(port), '--data', tempDir()]);
      expect(res.code).toBe(1);
      expect(res.stderr.trim()).toBe(`portico: port ${port} on 127.0.0.1 is already in use; stop the other process or choose --port`);
    } finally {
      blocker.close();
    }
  });

  it('gives a one-line error when the data directory is unusable', async () => {
    const file = join(tempDir(), 'not-a-dir');
    writeFileSync(file, '');
    const res = await runPortico(['serve', '--port', '0', '--data', join(file, 'data')]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^portico: data directory .* is not usable \(ENOTDIR\)/);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses --no-auth on a non-loopback address', async () => {
    const res = await runPortico(['serve', '--no-auth', '--host', '0.0.0.0', '--port', '0', '--data', tempDir()]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('--no-auth is refused');
  });

  it.runIf(process.env.TEST_DATABASE_URL)('creates its tables in PostgreSQL and answers /health', async () => {
    const schema = `t_cli_${randomBytes(5).toString('hex')}`;
    const url = process.env.TEST_DATABASE_URL!;
    const server = await servePortico(['--data', tempDir()], { DATABASE_URL: url, PORTICO_DATABASE__SCHEMA: schema });
    try {
      const health = await json(fetch(`${server.url}/health`));
      expect(health.status).toBe('healthy');
      expect(health.checks.database.dialect).toBe('postgres');
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const tables = await client.query('select table_name from information_schema.tables where table_schema = $1', [schema]);
      expect(tables.rows.map((r: { table_name: string }) => r.table_name)).toEqual(expect.arrayContaining(['settings', 'portico_migration']));
      await client.query(`DROP SCHEMA "${schema}" CASCADE`);
      await client.end();
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});
