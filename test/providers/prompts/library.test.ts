/**
 * The prompt library over a real database (SQLite, and PostgreSQL when TEST_DATABASE_URL is set):
 * versions, rendering with defaults and missing arguments, restore, usage, import/export, and
 * hostile templates.
 */
import { parse as parseYaml } from 'yaml';
import { expect, it } from 'vitest';
import { promptsSchema } from '../../../src/config/sections/prompts.js';
import { PorticoError } from '../../../src/core/errors.js';
import { createPromptLibrary } from '../../../src/providers/prompts/library.js';
import { parseLibraryText, serialiseLibrary } from '../../../src/providers/prompts/library-document.js';
import type { PromptLibrary, PromptLibraryChange } from '../../../src/providers/prompts/prompt-library.js';
import { createTemplateRenderer } from '../../../src/providers/prompts/template-renderer.js';
import { migrateToLatest } from '../../../src/store/migrate.js';
import { createPromptRepository } from '../../../src/store/repositories/prompt.repository.js';
import { describeEachDialect, type DialectContext } from '../../helpers/dialects.js';
import { porticoErrorOf } from '../../helpers/errors.js';

const as = { principalId: 'user:ada', surface: 'rest' as const };


async function openLibrary(ctx: DialectContext, limits: Partial<ReturnType<typeof promptsSchema.parse>> = {}): Promise<{ library: PromptLibrary; changes: PromptLibraryChange[]; batches: number[] }> {
  const database = await ctx.open();
  await migrateToLatest(database);
  const library = createPromptLibrary({ repository: createPromptRepository(database.db), renderer: createTemplateRenderer({ ...promptsSchema.parse({}), ...limits }) });
  const changes: PromptLibraryChange[] = [];
  const batches: number[] = [];
  library.onChange((batch) => batches.push(batch.length));
  library.onChange((batch) => changes.push(...batch));
  return { library, changes, batches };
}

const greeting = {
  name: 'greeting',
  title: 'Greeting',
  description: 'Greets someone',
  category: 'social',
  tags: ['short'],
  arguments: [
    { name: 'who', description: 'Whom to greet', required: true },
    { name: 'mood', required: true, default: 'cheerful' },
    { name: 'sign', required: false },
  ],
  body: 'Hello {{ who }}, a {{ mood }} hello{% if sign %} from {{ sign }}{% endif %}.',
};

describeEachDialect('prompt library', (ctx) => {
  it('creates, lists, gets and renders with defaults; a duplicate name is a conflict', async () => {
    const { library, changes } = await openLibrary(ctx);
    const created = await library.create(greeting, 'user:ada');
    expect(created).toMatchObject({ name: 'greeting', version: 1, createdBy: 'user:ada', tags: ['short'] });
    expect(created.arguments).toEqual([
      { name: 'who', description: 'Whom to greet', required: true },
      { name: 'mood', required: true, default: 'cheerful' },
      { name: 'sign', required: false },
    ]);
    expect(changes).toEqual([{ kind: 'created', name: 'greeting', template: created }]);
    expect((await porticoErrorOf(library.create(greeting, 'user:bob'))).code).toBe('conflict');
    expect((await library.list()).map((t) => t.name)).toEqual(['greeting']);
    expect(await library.get('nope')).toBeUndefined();

    const rendered = await library.render('greeting', { who: 'Grace' }, as);
    expect(rendered).toMatchObject({ text: 'Hello Grace, a cheerful hello.', templateName: 'greeting', version: 1, arguments: { who: 'Grace', mood: 'cheerful' } });
    expect((await library.render('greeting', { who: 'Grace', mood: 'sleepy', sign: 'Ada' }, as)).text).toBe('Hello Grace, a sleepy hello from Ada.');
  });

  it('reports every missing required argument at once, with a stable code', async () => {
    const { library } = await openLibrary(ctx);
    await library.create(
      { name: 'two', arguments: [{ name: 'business_domain', required: true }, { name: 'requirements', required: true }, { name: 'extra', required: false }], body: '{{ business_domain }} {{ requirements }}' },
      'u',
    );
    const err = await porticoErrorOf(library.render('two', { requirements: '' }, as));
    expect(err.code).toBe('validation_failed');
    expect(err.details).toEqual({ missing: ['business_domain', 'requirements'] });
    expect(err.message).toMatch(/business_domain, requirements/);
    expect((await porticoErrorOf(library.render('absent', {}, as))).code).toBe('not_found');
  });

  it('stores every update as a version; old versions render and restore as a new version', async () => {
    const { library, changes } = await openLibrary(ctx);
    await library.create(greeting, 'user:ada');
    const v2 = await library.update('greeting', { body: 'Hi {{ who }}!', title: null }, 'user:bob');
    expect(v2).toMatchObject({ version: 2, body: 'Hi {{ who }}!', title: null, description: 'Greets someone', createdBy: 'user:ada' });
    expect((await library.render('greeting', { who: 'X' }, as)).text).toBe('Hi X!');
    expect((await library.render('greeting', { who: 'X' }, { ...as, version: 1 })).text).toBe('Hello X, a cheerful hello.');
    expect((await porticoErrorOf(library.render('greeting', {}, { ...as, version: 9 }))).code).toBe('not_found');

    const v3 = await library.restore('greeting', 1, 'user:carol');
    expect(v3).toMatchObject({ version: 3, body: greeting.body, title: 'Greeting' });
    const versions = await library.versions('greeting');
    expect(versions.map((v) => [v.version, v.createdBy, v.restoredFrom])).toEqual([
      [3, 'user:carol', 1],
      [2, 'user:bob', null],
      [1, 'user:ada', null],
    ]);
    expect((await porticoErrorOf(library.restore('greeting', 7, 'u'))).code).toBe('not_found');
    expect((await porticoErrorOf(library.update('missing', { body: 'x' }, 'u'))).code).toBe('not_found');
    expect((await porticoErrorOf(library.update('greeting', {}, 'u'))).code).toBe('validation_failed');
    expect(changes.map((c) => `${c.kind}:${c.name}`)).toEqual(['created:greeting', 'updated:greeting', 'updated:greeting']);

    expect(await library.delete('greeting')).toBe(true);
    expect(await library.delete('greeting')).toBe(false);
    expect((await porticoErrorOf(library.versions('greeting'))).code).toBe('not_found');
    expect(changes.at(-1)).toEqual({ kind: 'deleted', name: 'greeting' });
  });

  it('keeps concurrent updates as distinct versions', async () => {
    const { library } = await openLibrary(ctx);
    await library.create({ name: 'busy', body: 'v1' }, 'u');
    await Promise.all([1, 2, 3].map((i) => library.update('busy', { body: `from ${i}` }, `user:${i}`)));
    const versions = await library.versions('busy');
    expect(versions.map((v) => v.version)).toEqual([4, 3, 2, 1]);
    expect(new Set(versions.slice(0, 3).map((v) => v.body))).toEqual(new Set(['from 1', 'from 2', 'from 3']));
  });

  it('refuses invalid templates before storing anything', async () => {
    const { library } = await openLibrary(ctx, { maxTemplateBytes: 200 });
    const cases: unknown[] = [
      { name: 'bad name!', body: 'x' },
      { name: '..', body: 'x' },
      { name: '-flag', body: 'x' },
      { name: 'ok', body: '' },
      { name: 'ok', body: '{% if %}' },
      { name: 'ok', body: '{% include "/etc/passwd" %}' },
      { name: 'ok', body: '{% render "other" %}' },
      { name: 'ok', body: '{% layout "x" %}' },
      { name: 'ok', body: 'x'.repeat(201) },
      { name: 'ok', body: 'x', arguments: [{ name: 'a' }, { name: 'a' }] },
      { name: 'ok', body: 'x', arguments: [{ name: 'not-an-identifier' }] },
      { name: 'ok', body: 'x', unexpected: true },
    ];
    for (const input of cases) {
      const err = await porticoErrorOf(library.create(input as never, 'u'));
      expect(err.code, JSON.stringify(input)).toBe('validation_failed');
    }
    expect(await library.list()).toEqual([]);
  });

  it('stops hostile templates: loops, huge output, allocations, typos, prototype access', async () => {
    const { library } = await openLibrary(ctx, { maxOutputBytes: 10_000, renderTimeoutMs: 300 });
    const hostile: Record<string, string> = {
      long_loop: '{% for i in (1..1000) %}{% for j in (1..1000) %}{% for k in (1..1000) %}{% endfor %}{% endfor %}{% endfor %}',
      huge_output: '{% for i in (1..100000) %}xxxxxxxxxx{% endfor %}',
      doubling: '{% assign s = "xxxxxxxxxx" %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{{ s | size }}',
      huge_range: '{% for i in (1..1000000000) %}{% endfor %}',
    };
    for (const [name, body] of Object.entries(hostile)) {
      await library.create({ name, body }, 'u');
      const started = Date.now();
      const err = await porticoErrorOf(library.render(name, {}, as));
      expect(err.code, name).toBe('render_limit_exceeded');
      expect(Date.now() - started, name).toBeLessThan(3_000);
    }
    await library.create({ name: 'typo', arguments: [{ name: 'who', required: true }], body: 'Hi {{ whom }}' }, 'u');
    expect((await porticoErrorOf(library.render('typo', { who: 'x' }, as))).message).toMatch(/undefined variable: whom/);
    await library.create({ name: 'proto', arguments: [{ name: 'who', required: true }], body: '{{ who.constructor }}' }, 'u');
    expect((await porticoErrorOf(library.render('proto', { who: 'x' }, as))).code).toBe('validation_failed');
    // Arguments are data: Liquid syntax inside them is not evaluated.
    expect((await library.render('typo', { who: '{{ 7 | times: 6 }}', whom: '{% include "x" %}' }, as)).text).toBe('Hi {% include "x" %}');
  });

  it('counts renders per template, day and principal, and suggests a principal’s own recent values', async () => {
    const { library } = await openLibrary(ctx);
    await library.create(greeting, 'u');
    await library.create({ name: 'other', body: 'x' }, 'u');
    await library.render('greeting', { who: 'Grace' }, as);
    await library.render('greeting', { who: 'Gordon' }, as);
    await library.render('greeting', { who: 'Secret' }, { principalId: 'user:bob', surface: 'mcp' });
    await library.render('other', {}, as);
    await library.render('other', {}, { ...as, recordUsage: false });
    const stats = await library.usageStats();
    expect(stats.total).toBe(4);
    expect(stats.byTemplate.map((t) => [t.templateName, t.count])).toEqual([
      ['greeting', 3],
      ['other', 1],
    ]);
    expect(stats.byDay).toEqual([{ day: new Date().toISOString().slice(0, 10), count: 4 }]);
    expect(stats.byPrincipal).toEqual([
      { principalId: 'user:ada', count: 3 },
      { principalId: 'user:bob', count: 1 },
    ]);
    expect((await library.usageStats({ templateName: 'other' })).total).toBe(1);
    expect(await library.recentArgumentValues('greeting', 'who', { prefix: 'g', principalId: 'user:ada', limit: 10 })).toEqual(['Gordon', 'Grace']);
    expect(await library.recentArgumentValues('greeting', 'who', { prefix: '', principalId: 'user:carol', limit: 10 })).toEqual([]);
    expect((await porticoErrorOf(library.usageStats({ since: 'yesterday' }))).code).toBe('validation_failed');
  });

  it('exports and imports the library as JSON and YAML (round trip), validating the whole document first', async () => {
    const { library } = await openLibrary(ctx);
    await library.create(greeting, 'u');
    await library.create({ name: 'multi', category: 'dev', body: 'line one\n  line two: {{ x | default: "none" }}\n' }, 'u');
    const exported = await library.exportLibrary();
    expect(exported.templates.map((t) => t.name)).toEqual(['greeting', 'multi']);

    for (const format of ['json', 'yaml'] as const) {
      const text = serialiseLibrary(exported, format);
      if (format === 'yaml') expect(parseYaml(text).format).toBe('portico.prompts');
      const opened = await openLibrary(ctx);
      const target = opened.library;
      expect(await target.importLibrary(parseLibraryText(text, format), 'user:importer')).toEqual({ created: ['greeting', 'multi'], updated: [], unchanged: [] });
      // One notification for the whole import: one catalog change, one list_changed.
      expect(opened.batches).toEqual([2]);
      expect((await target.exportLibrary()).templates).toEqual(exported.templates);
      // Importing the same document again changes nothing; a changed template gets a new version.
      expect(await target.importLibrary(parseLibraryText(text, format), 'u')).toEqual({ created: [], updated: [], unchanged: ['greeting', 'multi'] });
      const changed = { ...exported, templates: exported.templates.map((t) => (t.name === 'multi' ? { ...t, body: 'changed' } : t)) };
      expect(await target.importLibrary(changed, 'u')).toEqual({ created: [], updated: ['multi'], unchanged: ['greeting'] });
      expect((await target.get('multi'))?.version).toBe(2);
    }

    // One bad template refuses the whole document: nothing is written.
    const target = (await openLibrary(ctx)).library;
    const bad = { format: 'portico.prompts', version: 1, templates: [{ name: 'fine', body: 'ok' }, { name: 'broken', body: '{% for %}' }] };
    expect((await porticoErrorOf(target.importLibrary(bad, 'u'))).message).toMatch(/Template 1 \("broken"\)/);
    expect((await porticoErrorOf(target.importLibrary({ templates: [{ name: 'a', body: 'x' }, { name: 'a', body: 'y' }] }, 'u'))).code).toBe('validation_failed');
    expect((await porticoErrorOf(target.importLibrary({ format: 'other', templates: [] }, 'u'))).code).toBe('validation_failed');
    expect(await target.list()).toEqual([]);
    // A bare list is accepted too.
    expect((await target.importLibrary([{ name: 'bare', body: 'b' }], 'u')).created).toEqual(['bare']);
    expect(() => parseLibraryText('{ not json', 'json')).toThrow(PorticoError);
    expect(() => parseLibraryText('a: [unclosed', 'yaml')).toThrow(/not valid YAML/);
    // A "billion laughs" document is refused, not expanded.
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`)].join('\n');
    expect(() => parseLibraryText(bomb, 'yaml')).toThrow(/resource exhaustion/);
  });

  it('lists categories and filters by category, tag and search', async () => {
    const { library } = await openLibrary(ctx);
    await library.create(greeting, 'u');
    await library.create({ name: 'deploy', category: 'ops', tags: ['infra'], description: 'Ship it', body: 'x' }, 'u');
    await library.create({ name: 'rollback', category: 'ops', body: 'x' }, 'u');
    expect(await library.categories()).toEqual([
      { category: 'ops', count: 2 },
      { category: 'social', count: 1 },
    ]);
    expect((await library.list({ category: 'ops' })).map((t) => t.name)).toEqual(['deploy', 'rollback']);
    expect((await library.list({ tag: 'infra' })).map((t) => t.name)).toEqual(['deploy']);
    expect((await library.list({ search: 'SHIP' })).map((t) => t.name)).toEqual(['deploy']);
  });
});
