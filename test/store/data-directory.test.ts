import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PorticoError } from '../../src/core/errors.js';
import { acquireServerLock, loadSecretKey, prepareDataDirectory } from '../../src/store/data-directory.js';
import { tempDir } from '../helpers/temp-dir.js';

const base = tempDir();

describe('data directory', () => {
  it('is created owner-only with a blobs folder', () => {
    const dd = prepareDataDirectory(join(base, 'fresh', 'nested'));
    expect(statSync(dd.root).mode & 0o777).toBe(0o700);
    expect(existsSync(dd.blobsDir)).toBe(true);
  });

  it('refuses a path that cannot be a directory with a one-line reason', () => {
    const file = join(base, 'a-file');
    writeFileSync(file, 'x');
    try {
      prepareDataDirectory(join(file, 'sub'));
      expect.unreachable();
    } catch (err) {
      expect((err as PorticoError).code).toBe('startup_failed');
      expect((err as PorticoError).message).toMatch(/not usable \(ENOTDIR\)/);
      expect((err as PorticoError).message).not.toContain('\n');
    }
  });

  it('generates the secret key once, 0600, and honours an override', () => {
    const dd = prepareDataDirectory(join(base, 'keys'));
    const k1 = loadSecretKey(dd);
    const k2 = loadSecretKey(dd);
    expect(k1.length).toBe(32);
    expect(k2.equals(k1)).toBe(true);
    expect(statSync(dd.secretKeyFile).mode & 0o777).toBe(0o600);
    const override = Buffer.alloc(32, 7).toString('base64');
    expect(loadSecretKey(dd, override).equals(Buffer.alloc(32, 7))).toBe(true);
  });

  it('lets only one server lock a directory, and takes over a stale lock', async () => {
    const dd = prepareDataDirectory(join(base, 'locked'));
    // A live process that is not us holds the lock.
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      writeFileSync(dd.lockFile, JSON.stringify({ pid: child.pid, url: 'http://127.0.0.1:1', startedAt: new Date().toISOString() }));
      expect(() => acquireServerLock(dd)).toThrow(/in use by another Portico server \(pid \d+, http:\/\/127\.0\.0\.1:1\)/);
    } finally {
      child.kill();
    }
    await new Promise((r) => child.once('exit', r));
    const lock = acquireServerLock(dd, {});
    expect(JSON.parse(readFileSync(dd.lockFile, 'utf8')).pid).toBe(process.pid);
    lock.release();
    expect(existsSync(dd.lockFile)).toBe(false);
  });
});
