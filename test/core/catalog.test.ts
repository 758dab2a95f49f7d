import { describe, expect, it } from 'vitest';
import { createCatalog, type CatalogChange } from '../../src/core/catalog/catalog.js';
import type { CatalogEntry, ToolEntry } from '../../src/core/catalog/entries.js';
import { PorticoError } from '../../src/core/errors.js';

const tool = (name: string, extra: Partial<ToolEntry> = {}): ToolEntry => ({
  kind: 'tool',
  name,
  description: `the ${name} tool`,
  inputSchema: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'], additionalProperties: false },
  handler: () => ({ content: [{ type: 'text', text: name }] }),
  ...extra,
});

describe('catalog', () => {
  it('registers every kind, bumps the version once per mutation and emits changed lists', () => {
    const catalog = createCatalog();
    const changes: CatalogChange[] = [];
    catalog.onChange((c) => changes.push(c));
    const entries: CatalogEntry[] = [
      tool('search'),
      { kind: 'resource', uri: 'portico://config', name: 'config', read: (uri) => ({ contents: [{ uri, text: '{}' }] }) },
      { kind: 'resourceTemplate', uriTemplate: 'portico://blobs/{sha256}', name: 'blob', read: (uri) => ({ contents: [{ uri, text: 'x' }] }) },
      { kind: 'prompt', name: 'greet', description: 'Say hello', arguments: [{ name: 'who', required: true }], get: () => ({ messages: [] }) },
    ];
    catalog.add(entries);
    expect(catalog.version).toBe(1);
    expect(changes).toEqual([{ version: 1, lists: ['tools', 'resources', 'resourceTemplates', 'prompts'] }]);
    expect(catalog.tool('search')?.permission).toBe('tools:call:search');
    expect(catalog.resource('portico://config')?.permission).toBe('resources:read:portico://config');
    expect(catalog.prompt('greet')?.required).toEqual(['who']);
    expect(catalog.matchTemplate('portico://blobs/abc123')?.variables).toEqual({ sha256: 'abc123' });
    expect(catalog.matchTemplate('portico://other/abc')).toBeUndefined();

    expect(catalog.remove('tool', 'search')).toBe(true);
    expect(catalog.remove('tool', 'search')).toBe(false);
    expect(catalog.version).toBe(2);
    expect(changes.at(-1)).toEqual({ version: 2, lists: ['tools'] });
  });

  it('compiles argument validators once, at registration', () => {
    const catalog = createCatalog();
    catalog.add(tool('search'));
    const compiled = catalog.tool('search')!;
    expect(compiled.validate({ q: 'x' })).toBeUndefined();
    expect(compiled.validate({})).toEqual([{ path: '/', message: 'missing required property "q"' }]);
    expect(compiled.validate({ q: 1, extra: true })).toEqual(
      expect.arrayContaining([
        { path: '/', message: 'unexpected property "extra"' },
        { path: '/q', message: 'must be string' },
      ]),
    );
    expect(catalog.tool('search')!.validate).toBe(compiled.validate);
  });

  it('refuses duplicates unless replacing, and bad entries without partial registration', () => {
    const catalog = createCatalog();
    catalog.add(tool('a'));
    expect(() => catalog.add(tool('a'))).toThrow(PorticoError);
    catalog.add(tool('a', { description: 'replaced' }), { replace: true });
    expect(catalog.tool('a')?.descriptor.description).toBe('replaced');

    const before = catalog.version;
    const bad = [tool('ok'), tool('bad name with spaces')];
    expect(() => catalog.add(bad)).toThrow(/tool name/);
    expect(() => catalog.add([tool('ok2'), tool('x', { inputSchema: { type: 'string' } })])).toThrow(/type "object"/);
    expect(() => catalog.add([tool('ok3'), tool('y', { inputSchema: { type: 'object', properties: { a: { type: 'nonsense' } } } })])).toThrow(/invalid JSON Schema/);
    expect(() => catalog.add({ kind: 'resourceTemplate', uriTemplate: 'x://{unclosed', name: 't', read: () => ({ contents: [] }) })).toThrow(PorticoError);
    expect(catalog.tool('ok')).toBeUndefined();
    expect(catalog.tool('ok2')).toBeUndefined();
    expect(catalog.version).toBe(before);
  });

  it('accepts draft-07 schemas from upstreams and keeps JSON Schema 2020-12 keywords', () => {
    const catalog = createCatalog();
    catalog.add(tool('old', { inputSchema: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { n: { type: 'integer' } } } }));
    expect(catalog.tool('old')!.validate({ n: 1.5 })).toBeDefined();
    catalog.add(
      tool('new', {
        inputSchema: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties: { t: { type: 'array', prefixItems: [{ type: 'string' }], items: false } } },
      }),
    );
    expect(catalog.tool('new')!.validate({ t: ['a'] })).toBeUndefined();
    expect(catalog.tool('new')!.validate({ t: ['a', 'b'] })).toBeDefined();
    // The schema is published as given.
    expect(catalog.tool('new')!.descriptor.inputSchema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  it('removes everything a source contributed in one change', () => {
    const catalog = createCatalog();
    catalog.add([tool('a', { source: 'up1' }), tool('b', { source: 'up1' }), tool('c', { source: 'up2' })]);
    const changes: CatalogChange[] = [];
    catalog.onChange((c) => changes.push(c));
    expect(catalog.removeSource('up1')).toBe(2);
    expect(catalog.tools().map((t) => t.entry.name)).toEqual(['c']);
    expect(changes).toHaveLength(1);
    expect(catalog.removeSource('nothing')).toBe(0);
    expect(changes).toHaveLength(1);
  });

  it('tells listeners about resource updates', () => {
    const catalog = createCatalog();
    const seen: string[] = [];
    const off = catalog.onResourceUpdated((uri) => seen.push(uri));
    catalog.resourceUpdated('portico://x');
    off();
    catalog.resourceUpdated('portico://y');
    expect(seen).toEqual(['portico://x']);
  });
});
