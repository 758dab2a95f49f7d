import { expect, it } from 'vitest';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createPromptRepository, type PromptVersionRow } from '../../src/store/repositories/prompt.repository.js';
import { describeEachDialect } from '../helpers/dialects.js';

function version(name: string, v: number, body: string, extra: Partial<PromptVersionRow> = {}): PromptVersionRow {
  return {
    name,
    version: v,
    title: null,
    description: null,
    category: null,
    tags: '[]',
    arguments: '[]',
    body,
    created_by: 'user:1',
    created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, v)).toISOString(),
    restored_from: null,
    ...extra,
  };
}

describeEachDialect('prompt repository', (ctx) => {
  it('inserts once per name, appends versions only on top of the expected one, and deletes everything', async () => {
    const database = await ctx.open();
    await migrateToLatest(database);
    const repo = createPromptRepository(database.db);
    expect(await repo.insertTemplate(version('greet', 1, 'Hi {{ who }}', { category: 'social', tags: '["Friendly","short"]' }))).toBe(true);
    expect(await repo.insertTemplate(version('greet', 1, 'again'))).toBe(false);
    expect((await repo.template('greet'))?.body).toBe('Hi {{ who }}');

    expect(await repo.appendVersion(version('greet', 2, 'Hello {{ who }}', { category: 'social' }), 1)).toBe(true);
    // A writer that read version 1 too is refused rather than overwriting version 2.
    expect(await repo.appendVersion(version('greet', 2, 'stale'), 1)).toBe(false);
    expect(await repo.appendVersion(version('missing', 2, 'x'), 1)).toBe(false);
    const current = await repo.template('greet');
    expect(current).toMatchObject({ version: 2, body: 'Hello {{ who }}', created_at: '2026-01-01T00:00:01.000Z', updated_at: '2026-01-01T00:00:02.000Z' });
    expect((await repo.versions('greet')).map((v) => [v.version, v.body])).toEqual([
      [2, 'Hello {{ who }}'],
      [1, 'Hi {{ who }}'],
    ]);
    expect((await repo.version('greet', 1))?.body).toBe('Hi {{ who }}');

    await repo.insertUsage({ id: 'u1', template_name: 'greet', version: 2, principal_id: 'p', surface: 'mcp', at: new Date().toISOString(), duration_ms: 1, arguments: null });
    expect(await repo.deleteTemplate('greet')).toBe(true);
    expect(await repo.deleteTemplate('greet')).toBe(false);
    expect(await repo.versions('greet')).toEqual([]);
    expect((await repo.usage('2000-01-01T00:00:00.000Z')).total).toBe(0);
  });

  it('filters by category, tag (case-insensitive) and search with LIKE wildcards taken literally', async () => {
    const database = await ctx.open();
    await migrateToLatest(database);
    const repo = createPromptRepository(database.db);
    await repo.insertTemplate(version('a_one', 1, 'x', { category: 'dev', tags: '["Code"]', title: 'Fifty 50% off' }));
    await repo.insertTemplate(version('b_two', 1, 'x', { category: 'dev', tags: '["docs"]', description: 'Write DOCS' }));
    await repo.insertTemplate(version('c3', 1, 'x', { category: 'ops' }));
    expect((await repo.templates({ category: 'dev' })).map((t) => t.name)).toEqual(['a_one', 'b_two']);
    expect((await repo.templates({ tag: 'code' })).map((t) => t.name)).toEqual(['a_one']);
    expect((await repo.templates({ search: 'docs' })).map((t) => t.name)).toEqual(['b_two']);
    expect((await repo.templates({ search: '50%' })).map((t) => t.name)).toEqual(['a_one']);
    // `_` is a LIKE wildcard; searching for it must not match every name.
    expect((await repo.templates({ search: '_' })).map((t) => t.name)).toEqual(['a_one', 'b_two']);
    expect((await repo.templates({ limit: 1, offset: 1 })).map((t) => t.name)).toEqual(['b_two']);
    expect(await repo.categories()).toEqual([
      { category: 'dev', count: 2 },
      { category: 'ops', count: 1 },
    ]);
  });

  it('counts usage by template, day and principal since a time, and returns recent arguments per principal', async () => {
    const database = await ctx.open();
    await migrateToLatest(database);
    const repo = createPromptRepository(database.db);
    const row = (id: string, template: string, principal: string, at: string, args: string | null = null) =>
      repo.insertUsage({ id, template_name: template, version: 1, principal_id: principal, surface: 'rest', at, duration_ms: 2, arguments: args });
    await row('1', 'a', 'p1', '2026-03-01T10:00:00.000Z', '{"x":"old"}');
    await row('2', 'a', 'p1', '2026-03-02T10:00:00.000Z', '{"x":"new"}');
    await row('3', 'a', 'p2', '2026-03-02T11:00:00.000Z', '{"x":"theirs"}');
    await row('4', 'b', 'p2', '2026-03-02T12:00:00.000Z');
    await row('5', 'b', 'p2', '2025-01-01T00:00:00.000Z');
    const stats = await repo.usage('2026-01-01T00:00:00.000Z');
    expect(stats.total).toBe(4);
    expect(stats.byTemplate).toEqual([
      { templateName: 'a', count: 3, averageDurationMs: 2, lastUsedAt: '2026-03-02T11:00:00.000Z' },
      { templateName: 'b', count: 1, averageDurationMs: 2, lastUsedAt: '2026-03-02T12:00:00.000Z' },
    ]);
    expect(stats.byDay).toEqual([
      { day: '2026-03-01', count: 1 },
      { day: '2026-03-02', count: 3 },
    ]);
    // Ties are ordered by principal id, so the answer is stable.
    expect(stats.byPrincipal).toEqual([
      { principalId: 'p1', count: 2 },
      { principalId: 'p2', count: 2 },
    ]);
    expect((await repo.usage('2026-01-01T00:00:00.000Z', 'b')).total).toBe(1);
    expect(await repo.recentArguments('a', 'p1', 10)).toEqual(['{"x":"new"}', '{"x":"old"}']);
    expect(await repo.pruneUsage('2026-01-01T00:00:00.000Z')).toBe(1);
    expect((await repo.usage('2000-01-01T00:00:00.000Z')).total).toBe(4);
  });
});
