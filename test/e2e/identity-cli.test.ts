/** `portico users …` and `portico keys …` against a data directory, also beside a running server. */
import { describe, expect, it } from 'vitest';
import { json } from '../helpers/http.js';
import { runPortico, servePortico } from '../helpers/portico-process.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('identity CLI', () => {
  it('adds, lists and re-passwords users; refuses bad input with exit codes', async () => {
    const data = tempDir();
    const add = await runPortico(['users', 'add', 'ada', '--role', 'user', '--email', 'ada@example.com', '--data', data]);
    expect(add.code).toBe(0);
    expect(add.stdout).toMatch(/^created ada \(user\); password: [A-Za-z0-9]{24}\n$/);
    const viaStdin = await runPortico(['users', 'add', 'bob', '--role', 'readonly', '--password-stdin', '--data', data], {}, 'a long enough password\n');
    expect(viaStdin.stdout).toBe('created bob (readonly)\n');
    expect(viaStdin.stdout).not.toContain('a long enough password');
    const list = await runPortico(['users', 'list', '--json', '--data', data]);
    const users = JSON.parse(list.stdout) as { username: string; role: string }[];
    expect(users.map((u) => [u.username, u.role])).toEqual([
      ['ada', 'user'],
      ['bob', 'readonly'],
    ]);
    expect(list.stdout).not.toMatch(/hash|password/i);
    expect((await runPortico(['users', 'add', 'ada', '--role', 'user', '--data', data])).code).toBe(1);
    const badRole = await runPortico(['users', 'add', 'cy', '--role', 'emperor', '--data', data]);
    expect(badRole.code).toBe(1);
    expect(badRole.stderr).toContain('Unknown role "emperor"');
    const short = await runPortico(['users', 'passwd', 'ada', '--password-stdin', '--data', data], {}, 'short\n');
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('at least 12 characters');
    expect((await runPortico(['users', 'passwd', 'ada', '--password-stdin', '--data', data], {}, 'another long password\n')).stdout).toBe('password changed for ada\n');
  });

  it('creates a key whose secret is the only thing on stdout, lists and revokes it while a server runs', async () => {
    const data = tempDir();
    const created = await runPortico(['keys', 'create', '--name', 'ci', '--role', 'ai_agent', '--expires', '30d', '--data', data]);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^pk_[a-z0-9]{12}_[A-Za-z0-9_-]{32}\n$/);
    const secret = created.stdout.trim();
    const server = await servePortico(['--data', data], { PORTICO_ADMIN_PASSWORD: 'the admin password' });
    try {
      const ok = await fetch(`${server.url}/api/v1/mcp/tools`, { headers: { authorization: `Bearer ${secret}` } });
      expect(ok.status).toBe(200);
      const listed = await runPortico(['keys', 'list', '--json', '--data', data]);
      const keys = JSON.parse(listed.stdout) as { id: string; name: string; expiresAt: string }[];
      expect(keys).toHaveLength(1);
      expect(listed.stdout).not.toContain(secret.slice(-32));
      expect(Date.parse(keys[0]!.expiresAt) - Date.now()).toBeGreaterThan(29 * 86_400_000);
      expect((await runPortico(['keys', 'revoke', keys[0]!.id, '--data', data])).code).toBe(0);
      // The server notices within its principal cache lifetime (a few seconds) — another process revoked it.
      let status = 200;
      for (let i = 0; i < 40 && status === 200; i++) {
        await new Promise((r) => setTimeout(r, 250));
        status = (await fetch(`${server.url}/api/v1/mcp/tools`, { headers: { authorization: `Bearer ${secret}` } })).status;
      }
      expect(status).toBe(401);
      const body = await json(fetch(`${server.url}/api/v1/mcp/tools`, { headers: { authorization: `Bearer ${secret}` } }));
      expect(body.error.code).toBe('unauthenticated');
    } finally {
      await server.stop();
    }
    expect((await runPortico(['keys', 'create', '--name', 'x', '--role', 'user', '--expires', 'soon', '--data', data])).code).toBe(2);
  });

  it('creates the first admin with a password shown once, outside the JSON log', async () => {
    const data = tempDir();
    const server = await servePortico(['--data', data]);
    try {
      // The banner follows the "listening" line.
      for (let i = 0; i < 50 && !/password: /.test(server.output()); i++) await new Promise((r) => setTimeout(r, 100));
      const out = server.output();
      const match = /password: ([A-Za-z0-9]{24})/.exec(out);
      expect(match).not.toBeNull();
      const logLines = out.split('\n').filter((l) => l.startsWith('{'));
      expect(logLines.some((l) => l.includes(match![1]!))).toBe(false);
    } finally {
      await server.stop();
    }
    const again = await servePortico(['--data', data]);
    try {
      expect(again.output()).not.toMatch(/password: /);
    } finally {
      await again.stop();
    }
  });
});
