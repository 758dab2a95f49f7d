import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { upstreamDefinitionSchema, type UpstreamDefinition } from '../../src/gateway/upstream-definition.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createUpstreamRepository } from '../../src/store/repositories/upstream.repository.js';
import { describeEachDialect } from '../helpers/dialects.js';

const TOKEN = 'bearer-secret-0123456789';
const HEADER_VALUE = 'header-secret-abcdef';
const CLIENT_SECRET = 'client-secret-xyz987';
const ENV_SECRET = 'env-secret-kkk555';
const ACCESS = 'access-token-aaa111';
const REFRESH = 'refresh-token-bbb222';

const def = (input: Record<string, unknown>): UpstreamDefinition => upstreamDefinitionSchema.parse(input);

describeEachDialect('upstream repository', (ctx) => {
  it('round-trips every kind of definition and never stores a credential in clear', async () => {
    const database = await ctx.open();
    await migrateToLatest(database);
    const key = randomBytes(32);
    const repo = createUpstreamRepository(database.db, key);
    const at = new Date().toISOString();
    const definitions = [
      def({ id: 'u1', name: 'remote', transport: { type: 'http', url: 'http://127.0.0.1:9/mcp' }, auth: { type: 'bearer', token: TOKEN }, isolation: 'per-principal', permission: 'upstreams:use:remote', tools: { allow: ['a*'], deny: ['ab'] } }),
      def({ id: 'u2', name: 'legacy', namespace: '', transport: { type: 'sse', url: 'http://127.0.0.1:9/sse' }, auth: { type: 'headers', headers: { 'X-Api-Key': HEADER_VALUE } }, enabled: false }),
      def({
        id: 'u3',
        name: 'oauthed',
        transport: { type: 'http', url: 'https://mcp.example/mcp' },
        auth: { type: 'oauth', grant: 'client_credentials', tokenUrl: 'https://auth.example/token', clientId: 'cid', clientSecret: CLIENT_SECRET, scope: 'read', tokens: { accessToken: ACCESS, refreshToken: REFRESH, expiresAt: 1 } },
      }),
      def({ id: 'u4', name: 'local', transport: { type: 'stdio', command: 'node', args: ['server.js'], env: { API_KEY: ENV_SECRET }, cwd: '/tmp' }, timeoutMs: 5000 }),
    ];
    for (const d of definitions) await repo.insert(d, { createdBy: 'user:1', at });

    const listed = await repo.list();
    expect(listed.map((r) => r.definition).sort((a, b) => a.id.localeCompare(b.id))).toEqual(definitions);
    expect((await repo.get('u3'))?.definition).toEqual(definitions[2]);
    expect((await repo.byName('local'))?.definition).toEqual(definitions[3]);
    expect((await repo.get('u1'))?.createdBy).toBe('user:1');

    const raw = JSON.stringify(await database.db.selectFrom('upstreams').selectAll().execute());
    for (const secret of [TOKEN, HEADER_VALUE, CLIENT_SECRET, ENV_SECRET, ACCESS, REFRESH]) expect(raw).not.toContain(secret);
    // What is not secret stays queryable in clear.
    expect(raw).toContain('https://auth.example/token');

    // Another installation key cannot read them (and says so without details).
    const other = createUpstreamRepository(database.db, randomBytes(32));
    await expect(other.get('u1')).rejects.toMatchObject({ code: 'internal_error' });
    await expect(other.get('u1')).rejects.not.toThrow(TOKEN);
  });

  it('refuses a taken id or name, updates, stores refreshed tokens sealed, deletes', async () => {
    const database = await ctx.open();
    await migrateToLatest(database);
    const repo = createUpstreamRepository(database.db, randomBytes(32));
    const at = new Date().toISOString();
    const a = def({ id: 'a', name: 'alpha', transport: { type: 'http', url: 'http://127.0.0.1:9/mcp' } });
    await repo.insert(a, { createdBy: null, at });
    await expect(repo.insert({ ...a, name: 'other' }, { createdBy: null, at })).rejects.toMatchObject({ code: 'conflict' });
    await expect(repo.insert({ ...a, id: 'b' }, { createdBy: null, at })).rejects.toMatchObject({ code: 'conflict' });
    expect(await repo.list()).toHaveLength(1);

    const oauth = def({ id: 'o', name: 'oauth', transport: { type: 'http', url: 'http://127.0.0.1:9/mcp' }, auth: { type: 'oauth', grant: 'client_credentials', tokenUrl: 'http://127.0.0.1:9/token', clientId: 'c' } });
    await repo.insert(oauth, { createdBy: null, at });
    expect(await repo.saveOAuthTokens('o', { accessToken: ACCESS, tokenType: 'Bearer', expiresAt: 42 }, at)).toBe(true);
    expect(await repo.saveOAuthTokens('a', { accessToken: ACCESS, tokenType: 'Bearer' }, at)).toBe(false);
    expect((await repo.get('o'))?.definition.auth).toMatchObject({ type: 'oauth', tokens: { accessToken: ACCESS, expiresAt: 42 } });
    expect(JSON.stringify(await database.db.selectFrom('upstreams').selectAll().execute())).not.toContain(ACCESS);

    const later = new Date(Date.now() + 1000).toISOString();
    expect(await repo.update({ ...a, timeoutMs: 1234, auth: { type: 'bearer', token: TOKEN } }, later)).toBe(true);
    expect((await repo.get('a'))?.definition).toMatchObject({ timeoutMs: 1234, auth: { type: 'bearer', token: TOKEN } });
    expect((await repo.get('a'))?.updatedAt).toBe(later);
    await expect(repo.update({ ...a, name: 'oauth' }, later)).rejects.toMatchObject({ code: 'conflict' });
    expect(await repo.update({ ...a, id: 'missing' }, later)).toBe(false);

    expect(await repo.delete('a')).toBe(true);
    expect(await repo.delete('a')).toBe(false);
    expect(await repo.get('a')).toBeUndefined();
  });
});
