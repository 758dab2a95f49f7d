/**
 * The confined FilesService over real directories: symlinks in and out, size limits, atomic writes,
 * read-only roots, listings.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PorticoError } from '../../../src/core/errors.js';
import { createFilesService } from '../../../src/providers/files/file-roots.js';
import type { FilesService } from '../../../src/providers/files/files-service.js';
import { tempDir } from '../../helpers/temp-dir.js';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof PorticoError) return err.code;
    throw err;
  }
  throw new Error('expected a refusal');
}

let base: string;
let rw: string;
let ro: string;
let outside: string;
let files: FilesService;

beforeAll(() => {
  base = tempDir('portico-files-');
  rw = join(base, 'rw');
  ro = join(base, 'ro');
  outside = join(base, 'outside');
  for (const d of [rw, ro, outside, join(rw, 'sub')]) mkdirSync(d, { recursive: true });
  writeFileSync(join(rw, 'page.html'), '<h1>hi</h1>');
  writeFileSync(join(rw, 'sub', 'nested.css'), 'body{}');
  writeFileSync(join(ro, 'logo.png'), Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108020000009077', 'hex'));
  writeFileSync(join(ro, 'big.txt'), 'x'.repeat(2000));
  writeFileSync(join(outside, 'secret.txt'), 'top secret');
  // Links that escape: a file, a directory, and one that stays inside.
  symlinkSync(join(outside, 'secret.txt'), join(rw, 'escape.txt'));
  symlinkSync(outside, join(rw, 'escape-dir'));
  symlinkSync(join(rw, 'page.html'), join(rw, 'alias.html'));
  symlinkSync(join(base, 'nowhere'), join(rw, 'dangling-out'));
  symlinkSync(join(rw, 'not-yet.html'), join(rw, 'dangling-in'));
  files = createFilesService(
    [
      { name: 'rw', real: rw, writable: true },
      { name: 'ro', real: ro, writable: false },
    ],
    { maxReadBytes: 1000, maxWriteBytes: 100, maxListEntries: 3 },
    'portico',
  );
});

describe('FilesService reads', () => {
  it('reads a file with its MIME type, by extension and by content', async () => {
    const page = await files.read('rw', 'page.html');
    expect(page.bytes.toString()).toBe('<h1>hi</h1>');
    expect(page.mimeType).toBe('text/html');
    expect(page.entry).toMatchObject({ root: 'rw', path: 'page.html', kind: 'file', size: 11, uri: 'portico://rw/page.html' });
    expect((await files.read('ro', 'logo.png')).mimeType).toBe('image/png');
  });

  it('follows a symlink that stays inside the root', async () => {
    expect((await files.read('rw', 'alias.html')).bytes.toString()).toBe('<h1>hi</h1>');
  });

  it('refuses symlinks that lead outside: the file, and a directory on the way', async () => {
    expect(await codeOf(files.read('rw', 'escape.txt'))).toBe('path_not_allowed');
    expect(await codeOf(files.read('rw', 'escape-dir/secret.txt'))).toBe('path_not_allowed');
    expect(await codeOf(files.list('rw', 'escape-dir'))).toBe('path_not_allowed');
    expect(await codeOf(files.stat('rw', 'escape-dir'))).toBe('path_not_allowed');
    // A dangling link out is refused too, not "not found": its target may exist tomorrow.
    expect(await codeOf(files.read('rw', 'dangling-out'))).toBe('path_not_allowed');
    expect(await codeOf(files.write('rw', 'dangling-out', Buffer.from('x')))).toBe('path_not_allowed');
    expect(existsSync(join(base, 'nowhere'))).toBe(false);
  });

  it('refuses every traversal spelling before touching the disk', async () => {
    for (const path of ['../outside/secret.txt', '/etc/passwd', '%2e%2e/outside/secret.txt', 'page.html\u0000', '..\\outside\\secret.txt', 'sub/../../outside/secret.txt']) {
      expect(await codeOf(files.read('rw', path))).toBe('path_not_allowed');
    }
  });

  it('answers not_found for missing files, dangling links inside and unknown roots', async () => {
    expect(await codeOf(files.read('rw', 'missing.html'))).toBe('not_found');
    expect(await codeOf(files.read('rw', 'dangling-in'))).toBe('not_found');
    expect(await codeOf(files.read('nope', 'x'))).toBe('not_found');
  });

  it('refuses a file over files.maxReadBytes, but reads a head with a limit', async () => {
    expect(await codeOf(files.read('ro', 'big.txt'))).toBe('payload_too_large');
    const head = await files.read('ro', 'big.txt', { limit: 10 });
    expect(head.bytes.length).toBe(10);
    expect(head.truncated).toBe(true);
    expect(head.entry.size).toBe(2000);
  });

  it('refuses to read a directory as a file', async () => {
    expect(await codeOf(files.read('rw', 'sub'))).toBe('bad_request');
  });
});

describe('FilesService listings', () => {
  it('lists directories first, leaves out links that escape, and truncates at maxListEntries', async () => {
    const listing = await files.list('rw', '');
    expect(listing.entries.map((e) => e.name)).toEqual(['sub', 'alias.html', 'page.html']);
    expect(listing.truncated).toBe(false);
    expect(listing.entries[0]).toMatchObject({ kind: 'directory', uri: 'portico://rw/sub' });
    const more = createFilesService([{ name: 'rw', real: rw, writable: true }], { maxReadBytes: 1000, maxWriteBytes: 100, maxListEntries: 2 }, 'portico');
    expect((await more.list('rw', '')).truncated).toBe(true);
  });

  it('walks every file under a root, depth first, without leaving it', async () => {
    const walked = await files.walk('rw');
    expect(walked.map((e) => e.path)).toEqual(['alias.html', 'page.html', 'sub/nested.css']);
  });
});

describe('FilesService writes', () => {
  it('writes atomically, leaving no temporary file behind, and replaces existing content', async () => {
    const entry = await files.write('rw', 'new.html', Buffer.from('<p>one</p>'));
    expect(entry).toMatchObject({ path: 'new.html', size: 10 });
    await files.write('rw', 'new.html', Buffer.from('<p>two</p>'));
    expect(readFileSync(join(rw, 'new.html'), 'utf8')).toBe('<p>two</p>');
    expect(readdirSync(rw).filter((n) => n.startsWith('.portico-'))).toEqual([]);
  });

  it('refuses content over files.maxWriteBytes and keeps nothing', async () => {
    expect(await codeOf(files.write('rw', 'huge.html', Buffer.alloc(101)))).toBe('payload_too_large');
    expect(existsSync(join(rw, 'huge.html'))).toBe(false);
  });

  it('refuses every change in a read-only root', async () => {
    expect(await codeOf(files.write('ro', 'x.txt', Buffer.from('x')))).toBe('read_only_root');
    expect(await codeOf(files.delete('ro', 'big.txt'))).toBe('read_only_root');
    expect(await codeOf(files.createDir('ro', 'd'))).toBe('read_only_root');
    expect(existsSync(join(ro, 'big.txt'))).toBe(true);
  });

  it('refuses to write through a symlinked parent or over a link that escapes', async () => {
    expect(await codeOf(files.write('rw', 'escape-dir/planted.txt', Buffer.from('x')))).toBe('path_not_allowed');
    expect(existsSync(join(outside, 'planted.txt'))).toBe(false);
    expect(await codeOf(files.write('rw', 'escape.txt', Buffer.from('overwritten')))).toBe('path_not_allowed');
    expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('top secret');
    expect(await codeOf(files.createDir('rw', 'escape-dir/newdir'))).toBe('path_not_allowed');
    expect(existsSync(join(outside, 'newdir'))).toBe(false);
    expect(await codeOf(files.delete('rw', 'escape-dir/secret.txt'))).toBe('path_not_allowed');
    expect(existsSync(join(outside, 'secret.txt'))).toBe(true);
  });

  it('needs the parent directory to exist, and creates directories with their parents', async () => {
    expect(await codeOf(files.write('rw', 'a/b/c.html', Buffer.from('x')))).toBe('not_found');
    const dir = await files.createDir('rw', 'a/b');
    expect(dir).toMatchObject({ kind: 'directory', path: 'a/b' });
    await files.write('rw', 'a/b/c.html', Buffer.from('x'));
    expect(readFileSync(join(rw, 'a', 'b', 'c.html'), 'utf8')).toBe('x');
  });

  it('deletes files, empty directories, and non-empty ones only when asked', async () => {
    expect(await codeOf(files.delete('rw', 'a'))).toBe('conflict');
    await files.delete('rw', 'a', { recursive: true });
    expect(existsSync(join(rw, 'a'))).toBe(false);
    await files.delete('rw', 'new.html');
    expect(existsSync(join(rw, 'new.html'))).toBe(false);
    expect(await codeOf(files.delete('rw', ''))).toBe('path_not_allowed');
    expect(await codeOf(files.delete('rw', 'missing'))).toBe('not_found');
  });

  it('refuses to overwrite a directory with a file', async () => {
    expect(await codeOf(files.write('rw', 'sub', Buffer.from('x')))).toBe('conflict');
  });
});
