/**
 * The FilesService over real directories. Confinement has two gates: `parseRelativePath` refuses
 * every path that is not plainly relative, then every path that exists is resolved with `realpath`
 * and must still lie inside the root's real directory — so a symlink pointing outside (the file
 * itself, or any directory on the way, including the parent of a file about to be written) is
 * refused rather than followed. Files are then opened by their real path with O_NOFOLLOW.
 *
 * Messages name paths as `root/relative`, never the server's absolute paths.
 */
import { randomBytes } from 'node:crypto';
import { constants, type Dirent, type Stats } from 'node:fs';
import { lstat, mkdir, open, readdir, readlink, realpath, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { PorticoError } from '../../core/errors.js';
import type { DirectoryListing, FileContent, FileEntry, FileRootInfo, FilesService } from './files-service.js';
import { detectMime, mimeFromExtension } from './mime.js';
import { INTERNAL_PREFIX, parseRelativePath } from './safe-path.js';

/** A root whose directory exists; `real` is its realpath, the reference every check compares to. */
export interface ResolvedRoot {
  readonly name: string;
  readonly real: string;
  readonly writable: boolean;
  readonly description?: string | undefined;
}

export interface FilesLimits {
  readonly maxReadBytes: number;
  readonly maxWriteBytes: number;
  readonly maxListEntries: number;
}

const SNIFF_BYTES = 4100;
const DEFAULT_WALK_MAX = 10_000;

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

export function createFilesService(roots: readonly ResolvedRoot[], limits: FilesLimits, scheme: string): FilesService {
  const byName = new Map(roots.map((r) => [r.name, r]));
  const infos: FileRootInfo[] = roots.map((r) =>
    Object.freeze({ name: r.name, writable: r.writable, uri: `${scheme}://${r.name}`, ...(r.description ? { description: r.description } : {}) }),
  );
  const infoByName = new Map(infos.map((i) => [i.name, i]));

  const uriFor = (root: string, path: string) => (path === '' ? `${scheme}://${root}` : `${scheme}://${root}/${path}`);
  const shown = (root: ResolvedRoot, segments: readonly string[]) => [root.name, ...segments].join('/');

  function rootNamed(name: string): ResolvedRoot {
    const root = byName.get(name);
    if (!root) throw new PorticoError('not_found', `Unknown file root "${name}"; roots: ${[...byName.keys()].join(', ') || 'none'}.`, { details: { root: name } });
    return root;
  }

  function writableRoot(name: string): ResolvedRoot {
    const root = rootNamed(name);
    if (!root.writable) throw new PorticoError('read_only_root', `File root "${root.name}" is read-only.`, { details: { root: root.name } });
    return root;
  }

  const inside = (root: ResolvedRoot, real: string) => real === root.real || real.startsWith(root.real + sep);

  function outside(root: ResolvedRoot, segments: readonly string[]): never {
    throw new PorticoError('path_not_allowed', `Path not allowed: ${shown(root, segments)} leads outside the root (through a symbolic link).`, {
      details: { path: shown(root, segments), reason: 'symlink leads outside the root' },
    });
  }

  function missing(root: ResolvedRoot, segments: readonly string[]): never {
    throw new PorticoError('not_found', `No such file or directory: ${shown(root, segments)}`, { details: { path: shown(root, segments) } });
  }

  /** Errors from the filesystem in the caller's terms; anything unexpected stays internal. */
  function translate(err: unknown, root: ResolvedRoot, segments: readonly string[]): never {
    if (err instanceof PorticoError) throw err;
    switch (errno(err)) {
      case 'ENOENT':
      case 'ENOTDIR':
        return missing(root, segments);
      // O_NOFOLLOW met a symlink swapped in after the check: refuse rather than follow it.
      case 'ELOOP':
        return outside(root, segments);
      case 'EACCES':
      case 'EPERM':
        throw new PorticoError('forbidden', `The server may not access ${shown(root, segments)}.`);
      case 'ENAMETOOLONG':
        throw new PorticoError('path_not_allowed', `Path not allowed: ${shown(root, segments)} is too long for the filesystem.`);
      default:
        throw err;
    }
  }

  /** The real path of something that exists, confined to the root. */
  async function realInside(root: ResolvedRoot, segments: readonly string[]): Promise<string> {
    let real: string;
    try {
      real = await realpath(join(root.real, ...segments));
    } catch (err) {
      if (errno(err) === 'ENOENT') await refuseDanglingLinkOutside(root, segments);
      translate(err, root, segments);
    }
    if (!inside(root, real)) outside(root, segments);
    return real;
  }

  /**
   * A dangling symlink is "not found" — unless it points outside, which is refused like any link
   * out (its target may appear later, and the answer should not depend on that).
   */
  async function refuseDanglingLinkOutside(root: ResolvedRoot, segments: readonly string[]): Promise<void> {
    const path = join(root.real, ...segments);
    const link = await readlink(path).catch(() => undefined);
    if (link === undefined) return;
    const parent = await realpath(dirname(path)).catch(() => undefined);
    if (parent === undefined) return;
    if (!inside(root, resolve(parent, link))) outside(root, segments);
  }

  function entryOf(root: ResolvedRoot, segments: readonly string[], stats: Stats): FileEntry {
    const path = segments.join('/');
    const name = segments[segments.length - 1] ?? '';
    const kind = stats.isDirectory() ? 'directory' : 'file';
    const mimeType = kind === 'file' ? mimeFromExtension(name) : undefined;
    return {
      root: root.name,
      path,
      name,
      kind,
      ...(kind === 'file' ? { size: stats.size } : {}),
      modified: stats.mtime.toISOString(),
      ...(mimeType ? { mimeType } : {}),
      uri: uriFor(root.name, path),
    };
  }

  /**
   * The entries of a real directory that stay inside the root: symlinks are followed only when
   * their target is inside (others, and broken ones, are left out), Portico's temporary files too.
   */
  async function children(root: ResolvedRoot, realDir: string): Promise<{ name: string; real: string; stats: Stats }[]> {
    const dirents: Dirent[] = await readdir(realDir, { withFileTypes: true });
    const out: { name: string; real: string; stats: Stats }[] = [];
    for (const d of dirents) {
      if (d.name.startsWith(INTERNAL_PREFIX)) continue;
      const path = join(realDir, d.name);
      let real = path;
      if (d.isSymbolicLink()) {
        try {
          real = await realpath(path);
        } catch {
          continue;
        }
        if (!inside(root, real)) continue;
      } else if (!d.isFile() && !d.isDirectory()) {
        continue; // sockets, FIFOs, devices: not content
      }
      try {
        const stats = await stat(real);
        if (stats.isFile() || stats.isDirectory()) out.push({ name: d.name, real, stats });
      } catch {
        // Vanished between readdir and stat.
      }
    }
    return out.sort((a, b) => Number(b.stats.isDirectory()) - Number(a.stats.isDirectory()) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async function directory(root: ResolvedRoot, segments: readonly string[]): Promise<string> {
    const real = await realInside(root, segments);
    const stats = await stat(real).catch((err: unknown) => translate(err, root, segments));
    if (!stats.isDirectory()) throw new PorticoError('bad_request', `${shown(root, segments)} is a file, not a directory.`, { details: { path: shown(root, segments) } });
    return real;
  }

  return {
    roots: () => infos,
    root: (name) => infoByName.get(name),
    uriFor,

    async stat(rootName, path) {
      const root = rootNamed(rootName);
      const segments = parseRelativePath(path);
      const real = await realInside(root, segments);
      const stats = await stat(real).catch((err: unknown) => translate(err, root, segments));
      return entryOf(root, segments, stats);
    },

    async read(rootName, path, options = {}) {
      const root = rootNamed(rootName);
      const segments = parseRelativePath(path);
      const real = await realInside(root, segments);
      let handle;
      try {
        handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW);
      } catch (err) {
        if (errno(err) === 'EISDIR') throw new PorticoError('bad_request', `${shown(root, segments)} is a directory; list it instead.`);
        translate(err, root, segments);
      }
      try {
        const stats = await handle.stat();
        if (stats.isDirectory()) throw new PorticoError('bad_request', `${shown(root, segments)} is a directory; list it instead.`, { details: { path: shown(root, segments) } });
        if (!stats.isFile()) throw new PorticoError('bad_request', `${shown(root, segments)} is not a regular file.`);
        const limit = options.limit;
        if (limit === undefined && stats.size > limits.maxReadBytes) {
          throw new PorticoError('payload_too_large', `${shown(root, segments)} has ${stats.size} bytes; reads are limited to ${limits.maxReadBytes} bytes (files.maxReadBytes).`, {
            details: { path: shown(root, segments), size: stats.size, limit: limits.maxReadBytes },
          });
        }
        const want = Math.min(stats.size, limit ?? limits.maxReadBytes);
        const bytes = Buffer.alloc(want);
        let filled = 0;
        while (filled < want) {
          options.signal?.throwIfAborted();
          const { bytesRead } = await handle.read(bytes, filled, want - filled, filled);
          if (bytesRead === 0) break; // shrank while reading
          filled += bytesRead;
        }
        const content = filled === want ? bytes : bytes.subarray(0, filled);
        const entry = entryOf(root, segments, stats);
        return { entry, mimeType: await detectMime(entry.name, content.subarray(0, SNIFF_BYTES)), bytes: content, truncated: filled < stats.size } satisfies FileContent;
      } finally {
        await handle.close();
      }
    },

    async list(rootName, path) {
      const root = rootNamed(rootName);
      const segments = parseRelativePath(path);
      const real = await directory(root, segments);
      const all = await children(root, real).catch((err: unknown) => translate(err, root, segments));
      const kept = all.slice(0, limits.maxListEntries);
      return {
        root: root.name,
        path: segments.join('/'),
        uri: uriFor(root.name, segments.join('/')),
        writable: root.writable,
        entries: kept.map((c) => entryOf(root, [...segments, c.name], c.stats)),
        truncated: all.length > kept.length,
      } satisfies DirectoryListing;
    },

    async walk(rootName, path = '', options = {}) {
      const root = rootNamed(rootName);
      const start = parseRelativePath(path);
      const max = options.max ?? DEFAULT_WALK_MAX;
      const files: FileEntry[] = [];
      // Real directories already visited: a symlink back up the tree must not loop.
      const seen = new Set<string>();
      const visit = async (segments: string[], realDir: string): Promise<void> => {
        if (seen.has(realDir) || files.length >= max) return;
        seen.add(realDir);
        options.signal?.throwIfAborted();
        let entries: Awaited<ReturnType<typeof children>>;
        try {
          entries = await children(root, realDir);
        } catch (err) {
          // The starting directory must be readable; an unreadable one below it is skipped.
          if (segments.length > start.length) return;
          translate(err, root, segments);
        }
        for (const c of entries) {
          if (files.length >= max) return;
          if (c.stats.isDirectory()) await visit([...segments, c.name], c.real);
          else files.push(entryOf(root, [...segments, c.name], c.stats));
        }
      };
      await visit(start, await directory(root, start));
      return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    },

    async write(rootName, path, bytes) {
      const root = writableRoot(rootName);
      const segments = parseRelativePath(path);
      if (segments.length === 0 || path.endsWith('/')) throw new PorticoError('path_not_allowed', 'Path not allowed: a file name is needed to write.', { details: { path } });
      if (bytes.byteLength > limits.maxWriteBytes) {
        throw new PorticoError('payload_too_large', `The content has ${bytes.byteLength} bytes; writes are limited to ${limits.maxWriteBytes} bytes (files.maxWriteBytes).`, {
          details: { size: bytes.byteLength, limit: limits.maxWriteBytes },
        });
      }
      const parentSegments = segments.slice(0, -1);
      const name = segments[segments.length - 1]!;
      const parent = await directory(root, parentSegments).catch((err: unknown) => {
        if (err instanceof PorticoError && err.code === 'not_found') {
          throw new PorticoError('not_found', `The directory ${shown(root, parentSegments)} does not exist; create it first (create_dir).`, { details: { path: shown(root, parentSegments) } });
        }
        throw err;
      });
      const target = join(parent, name);
      // What is there now: a symlink must point inside, a directory cannot be overwritten.
      const existing = await lstat(target).catch((err: unknown) => (errno(err) === 'ENOENT' ? undefined : translate(err, root, segments)));
      if (existing?.isSymbolicLink()) await realInside(root, segments);
      if (existing?.isDirectory()) throw new PorticoError('conflict', `${shown(root, segments)} is a directory.`, { details: { path: shown(root, segments) } });
      const temp = join(parent, `${INTERNAL_PREFIX}${randomBytes(8).toString('hex')}.tmp`);
      try {
        const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, existing ? existing.mode & 0o777 : 0o644);
        try {
          await handle.writeFile(bytes);
          await handle.sync();
        } finally {
          await handle.close();
        }
        // rename replaces a symlink itself, never the file it points to.
        await rename(temp, target);
      } catch (err) {
        await rm(temp, { force: true }).catch(() => undefined);
        translate(err, root, segments);
      }
      return entryOf(root, segments, await stat(target));
    },

    async delete(rootName, path, options = {}) {
      const root = writableRoot(rootName);
      const segments = parseRelativePath(path);
      if (segments.length === 0) throw new PorticoError('path_not_allowed', `Path not allowed: the root "${root.name}" itself cannot be deleted.`, { details: { path } });
      const parent = await directory(root, segments.slice(0, -1));
      const target = join(parent, segments[segments.length - 1]!);
      const existing = await lstat(target).catch((err: unknown) => translate(err, root, segments));
      try {
        if (existing.isSymbolicLink()) {
          // Removing a link never touches its target, but one pointing outside is not ours to manage.
          await realInside(root, segments);
          await unlink(target);
        } else if (existing.isDirectory()) {
          if (options.recursive) await rm(target, { recursive: true });
          else await rmdir(target);
        } else {
          await unlink(target);
        }
      } catch (err) {
        if (errno(err) === 'ENOTEMPTY' || errno(err) === 'EEXIST') {
          throw new PorticoError('conflict', `The directory ${shown(root, segments)} is not empty; pass recursive: true to delete it with its content.`, { details: { path: shown(root, segments) } });
        }
        translate(err, root, segments);
      }
    },

    async createDir(rootName, path) {
      const root = writableRoot(rootName);
      const segments = parseRelativePath(path);
      if (segments.length === 0) throw new PorticoError('conflict', `The root "${root.name}" already exists.`);
      let current = root.real;
      for (let i = 0; i < segments.length; i++) {
        const sofar = segments.slice(0, i + 1);
        const next = join(current, segments[i]!);
        const existing = await lstat(next).catch((err: unknown) => (errno(err) === 'ENOENT' ? undefined : translate(err, root, sofar)));
        if (!existing) {
          await mkdir(next).catch((err: unknown) => (errno(err) === 'EEXIST' ? undefined : translate(err, root, sofar)));
          // Re-check what is there now (another writer may have raced us with a link).
          current = await realInside(root, sofar);
        } else if (existing.isSymbolicLink()) {
          current = await realInside(root, sofar);
        } else {
          current = next;
        }
        const now = await stat(current).catch((err: unknown) => translate(err, root, sofar));
        if (!now.isDirectory()) throw new PorticoError('conflict', `${shown(root, sofar)} is a file, not a directory.`, { details: { path: shown(root, sofar) } });
      }
      return entryOf(root, segments, await stat(current));
    },
  };
}
