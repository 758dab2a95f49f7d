/**
 * The data directory: the SQLite file, `blobs/`, the generated secret key and the server lock.
 * Created on first start with mode 0700 (owner only); the key file is 0600.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, constants, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { resolve, join } from 'node:path';
import { PorticoError } from '../core/errors.js';

export interface DataDirectory {
  readonly root: string;
  readonly blobsDir: string;
  readonly secretKeyFile: string;
  readonly lockFile: string;
}

function explain(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ?? e.message;
}

/** Create (if needed) and check the data directory; refuses with a one-line reason if unusable. */
export function prepareDataDirectory(dir: string): DataDirectory {
  const root = resolve(dir);
  const paths: DataDirectory = {
    root,
    blobsDir: join(root, 'blobs'),
    secretKeyFile: join(root, 'secret.key'),
    lockFile: join(root, 'portico.lock'),
  };
  try {
    const created = mkdirSync(root, { recursive: true, mode: 0o700 });
    if (created) chmodSync(root, 0o700);
    mkdirSync(paths.blobsDir, { recursive: true, mode: 0o700 });
    const probe = join(root, `.write-probe-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (err) {
    throw new PorticoError('startup_failed', `data directory ${root} is not usable (${explain(err)}); choose another with --data or PORTICO_DATA_DIR`, { cause: err });
  }
  return paths;
}

/**
 * The key that encrypts secrets at rest: PORTICO_SECRET_KEY if given, otherwise 32 random bytes
 * generated once into secret.key. Created with O_EXCL so two processes starting together agree.
 */
export function loadSecretKey(dataDir: DataDirectory, override?: string): Buffer {
  if (override) return Buffer.from(override, /^[0-9a-f]+$/i.test(override) && override.length % 2 === 0 ? 'hex' : 'base64');
  try {
    const fd = openSync(dataDir.secretKeyFile, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      writeSync(fd, `${randomBytes(32).toString('base64')}\n`);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new PorticoError('startup_failed', `cannot create ${dataDir.secretKeyFile} (${explain(err)})`, { cause: err });
    }
  }
  const text = readFileSync(dataDir.secretKeyFile, 'utf8').trim();
  const key = Buffer.from(text, 'base64');
  if (key.length < 32) throw new PorticoError('startup_failed', `${dataDir.secretKeyFile} is corrupt (expected 32 bytes of base64)`);
  return key;
}

interface LockInfo {
  pid: number;
  url?: string;
  startedAt: string;
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Where the live server owning this data directory listens, from its lock (undefined: none, or not yet listening). */
export function runningServerUrl(dataDir: DataDirectory): string | undefined {
  try {
    const info = JSON.parse(readFileSync(dataDir.lockFile, 'utf8')) as LockInfo;
    return typeof info.url === 'string' && processAlive(info.pid) ? info.url : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Only one server may own an embedded-SQLite data directory: two would each believe they own its
 * sessions and event logs. The lock is a file holding the owner's pid; a lock whose owner is gone
 * is taken over. CLI commands do not take it — SQLite's own locking keeps them safe alongside.
 */
export function acquireServerLock(dataDir: DataDirectory, info: { url?: string } = {}): { release(): void; update(url: string): void } {
  const write = (fd: number, url?: string) => {
    const body: LockInfo = { pid: process.pid, startedAt: new Date().toISOString(), ...(url ? { url } : {}) };
    writeSync(fd, JSON.stringify(body));
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(dataDir.lockFile, 'wx', 0o600);
      write(fd, info.url);
      closeSync(fd);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          rmSync(dataDir.lockFile, { force: true });
        },
        update(url: string) {
          writeFileSync(dataDir.lockFile, JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString(), url } satisfies LockInfo));
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new PorticoError('startup_failed', `cannot create ${dataDir.lockFile} (${explain(err)})`, { cause: err });
      }
      let holder: LockInfo | undefined;
      try {
        holder = JSON.parse(readFileSync(dataDir.lockFile, 'utf8')) as LockInfo;
      } catch {
        holder = undefined; // torn or empty: treat as stale
      }
      if (holder && processAlive(holder.pid)) {
        throw new PorticoError(
          'startup_failed',
          `data directory ${dataDir.root} is in use by another Portico server (pid ${holder.pid}${holder.url ? `, ${holder.url}` : ''}); stop it or start this one with another --data`,
        );
      }
      rmSync(dataDir.lockFile, { force: true });
    }
  }
  throw new PorticoError('startup_failed', `could not lock ${dataDir.root}; another server is starting at the same time`);
}
