/**
 * `portico prompts export|import FILE` (in process, through the real argument parser) against a
 * data directory a server is running on: the round trip keeps every template, and the running
 * server serves imported templates as MCP prompts after its next database check.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { createPromptsProvider } from '../../../src/providers/prompts/prompts-provider.js';
import { main } from '../../../src/surfaces/cli/main.js';
import { eventually } from '../../helpers/mcp-clients.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { startTestServer } from '../../helpers/test-server.js';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
  try {
    return { code: await main(['node', 'portico', ...argv]), out, err };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

describe('portico prompts import|export', async () => {
  const data = tempDir();
  const env = { PORTICO_DATA_DIR: data, PORTICO_PROMPTS__SYNC_INTERVAL_MS: '100', PORTICO_ADMIN_PASSWORD: 'admin password for prompts' };
  const server = await startTestServer(env, { providers: [createPromptsProvider(loadConfig({ env }))] });
  const files = tempDir();

  it('exports the library as YAML and JSON by file extension', async () => {
    const yamlFile = join(files, 'library.yaml');
    expect((await run(['prompts', 'export', yamlFile, '--data', data])).code).toBe(0);
    const doc = parseYaml(readFileSync(yamlFile, 'utf8'));
    expect(doc.format).toBe('portico.prompts');
    expect(doc.templates.map((t: { name: string }) => t.name)).toEqual(['analyze_seo', 'business_logic_implementation', 'generate_sitemap', 'optimize_images']);
    const jsonFile = join(files, 'library.json');
    expect((await run(['prompts', 'export', jsonFile, '--data', data])).code).toBe(0);
    expect(JSON.parse(readFileSync(jsonFile, 'utf8')).templates).toEqual(doc.templates);
  });

  it('imports a YAML file; the running server serves the new prompt after its next check', async () => {
    const file = join(files, 'new.yml');
    writeFileSync(
      file,
      ['templates:', '  - name: from_cli', '    description: Imported by the CLI', '    arguments:', '      - name: topic', '        required: true', '    body: |', '      Write about {{ topic }}.', ''].join('\n'),
    );
    const result = await run(['prompts', 'import', file, '--data', data]);
    expect(result.code).toBe(0);
    expect(result.out).toContain('created 1, updated 0, unchanged 0');
    const entry = await eventually(
      () => server.catalog.prompt('from_cli'),
      (p) => p !== undefined,
    );
    expect(entry!.descriptor.arguments).toEqual([{ name: 'topic', required: true }]);
    // And a re-import of a changed file is a new version the server picks up too.
    writeFileSync(file, readFileSync(file, 'utf8').replace('Write about', 'Explain'));
    expect((await run(['prompts', 'import', file, '--data', data])).out).toContain('updated 1');
    const rendered = await server.services.prompts!.render('from_cli', { topic: 'tides' }, { principalId: 'test', surface: 'internal' });
    expect(rendered).toMatchObject({ text: 'Explain tides.\n', version: 2 });
    await eventually(
      () => (server.catalog.prompt('from_cli')!.entry.meta as { 'portico/prompt-template': { version: number } })['portico/prompt-template'].version,
      (v) => v === 2,
    );
  });

  it('fails clearly on a missing file, bad syntax or an invalid template, writing nothing', async () => {
    const missing = await run(['prompts', 'import', join(files, 'nope.json'), '--data', data]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('ENOENT');
    const bad = join(files, 'bad.json');
    writeFileSync(bad, '{ "templates": [ ');
    const syntax = await run(['prompts', 'import', bad, '--data', data]);
    expect(syntax.code).toBe(1);
    expect(syntax.err).toContain('not valid JSON');
    writeFileSync(bad, JSON.stringify({ templates: [{ name: 'ok_one', body: 'fine' }, { name: 'bad_one', body: '{% include "x" %}' }] }));
    const invalid = await run(['prompts', 'import', bad, '--data', data]);
    expect(invalid.code).toBe(1);
    expect(invalid.err).toContain('bad_one');
    expect(await server.services.prompts!.get('ok_one')).toBeUndefined();
    expect((await run(['prompts', 'export', join(files, 'x.txt'), '--format', 'xml', '--data', data])).code).toBe(2);
  });
});
