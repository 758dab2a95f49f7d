/** Roots from configuration: created with demo content once, refused clearly when unusable. */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { prepareRoots } from '../../../src/providers/files/root-setup.js';
import { silentLogger } from '../../helpers/test-server.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { porticoErrorOf } from '../../helpers/errors.js';

const filesConfig = (env: Record<string, string> = {}) => loadConfig({ env: { PORTICO_DATA_DIR: '/unused', ...env } }).files;


describe('prepareRoots', () => {
  it('creates the default roots with demo content on first start, and never overwrites it later', async () => {
    const dataDir = tempDir();
    const roots = await prepareRoots(filesConfig(), dataDir, silentLogger);
    expect(roots.map((r) => [r.name, r.writable])).toEqual([
      ['templates', true],
      ['static', false],
    ]);
    expect(readdirSync(join(dataDir, 'templates')).sort()).toEqual(['404.html', 'about.html', 'base.html', 'blog', 'contact.html', 'index.html', 'products.html']);
    expect(readdirSync(join(dataDir, 'static', 'images')).sort()).toEqual(['hero.png', 'logo.png', 'logo.svg', 'map.png', 'team.jpg']);

    writeFileSync(join(dataDir, 'templates', 'index.html'), 'edited by the user');
    await prepareRoots(filesConfig(), dataDir, silentLogger);
    expect(readFileSync(join(dataDir, 'templates', 'index.html'), 'utf8')).toBe('edited by the user');
  });

  it('creates empty roots when demo content is off', async () => {
    const dataDir = tempDir();
    await prepareRoots(filesConfig({ PORTICO_FILES__DEMO_CONTENT: 'false' }), dataDir, silentLogger);
    expect(readdirSync(join(dataDir, 'templates'))).toEqual([]);
    expect(readdirSync(join(dataDir, 'static'))).toEqual([]);
  });

  it('uses an existing absolute directory as it is, and refuses a missing one or a file', async () => {
    const dataDir = tempDir();
    const docs = join(tempDir(), 'docs');
    mkdirSync(docs);
    const roots = await prepareRoots(filesConfig({ PORTICO_FILES__ROOTS: JSON.stringify({ docs: { path: docs } }) }), dataDir, silentLogger);
    expect(roots).toEqual([{ name: 'docs', real: docs, writable: false, description: undefined }]);
    expect(readdirSync(docs)).toEqual([]);

    const missing = await porticoErrorOf(prepareRoots(filesConfig({ PORTICO_FILES__ROOTS: JSON.stringify({ docs: { path: join(docs, 'nope') } }) }), dataDir, silentLogger));
    expect(missing.code).toBe('startup_failed');
    expect(missing.message).toMatch(/file root "docs": directory .* does not exist/);
    expect(existsSync(join(docs, 'nope'))).toBe(false);

    writeFileSync(join(docs, 'file.txt'), 'x');
    const notDir = await porticoErrorOf(prepareRoots(filesConfig({ PORTICO_FILES__ROOTS: JSON.stringify({ docs: { path: join(docs, 'file.txt') } }) }), dataDir, silentLogger));
    expect(notDir.message).toMatch(/is not a directory/);
  });

  it('refuses a root that would expose the data directory (secret key, database)', async () => {
    const parent = tempDir();
    const dataDir = join(parent, 'data');
    mkdirSync(dataDir);
    for (const path of ['.', parent, dataDir]) {
      const err = await porticoErrorOf(prepareRoots(filesConfig({ PORTICO_FILES__ROOTS: JSON.stringify({ everything: { path } }) }), dataDir, silentLogger));
      expect(err.message, path).toMatch(/contains the data directory/);
    }
  });

  it('refuses root names that would clash with other URIs or are not plain', () => {
    for (const name of ['blobs', 'config', 'Templates', '../x', 'a/b', '']) {
      expect(() => filesConfig({ PORTICO_FILES__ROOTS: JSON.stringify({ [name]: { path: 'x' } }) }), name).toThrow(/files\.roots/);
    }
    expect(() => filesConfig({ PORTICO_FILES__ROOTS: JSON.stringify({ docs: { path: 'docs', writable: 'yes' } }) })).toThrow(/files\.roots/);
  });
});
