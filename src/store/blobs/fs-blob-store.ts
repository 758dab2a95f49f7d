/**
 * The filesystem BlobStore. Content lives at `<root>/<aa>/<bb>/<sha256>` (plain) or
 * `<sha256>.enc` (encrypted at rest, see chunked-cipher.ts), where aa and bb are the first two
 * byte pairs of the hash, so no directory grows past 256 entries per level.
 *
 * Writes stream into `<root>/.tmp/<random>` (same filesystem, so the final rename is atomic),
 * hashing as they go; the file is fsynced, then renamed into place and its directory fsynced. A
 * failed, aborted or over-limit write removes its temp file, so nothing half-written is ever
 * visible. Both layouts are read whatever `encrypt` is now, so turning encryption on or off keeps
 * old blobs readable.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { PorticoError } from '../../core/errors.js';
import { HEAD_BYTES, isSha256, type BlobSource, type BlobStore, type BlobWriteOptions, type BlobWriteResult, type ByteRange, type StagedBlob } from './blob-store.js';
import { createChunkDecryptor, createChunkEncryptor, ENCRYPTED_HEADER_BYTES, encryptedSpan, parseEncryptedLayout, type ChunkEncryptor } from './chunked-cipher.js';

export interface FsBlobStoreOptions {
  /** Directory holding the blobs (usually `<dataDir>/blobs`). */
  readonly root: string;
  /** 32-byte key for content encrypted at rest (reading needs it even when `encrypt` is off). */
  readonly key?: Buffer | undefined;
  /** Encrypt new content with `key`. */
  readonly encrypt?: boolean | undefined;
  /** Plaintext bytes per encrypted chunk (tests use small ones). */
  readonly chunkBytes?: number | undefined;
  /** Temp files older than this are leftovers of a crash and are removed at start. */
  readonly staleTempMs?: number | undefined;
}

const TEMP_DIR = '.tmp';

function assertId(sha256: string): void {
  // The id becomes a path: only 64 lower-case hex digits may ever reach the filesystem.
  if (!isSha256(sha256)) throw new PorticoError('validation_failed', 'A blob id is a SHA-256: 64 lower-case hex digits.');
}

function chunksOf(source: BlobSource): AsyncIterable<Uint8Array> | Iterable<Uint8Array> {
  return source instanceof Uint8Array ? [source] : (source as AsyncIterable<Uint8Array>);
}

async function fsyncDirectory(dir: string): Promise<void> {
  // Makes the rename durable; not every platform lets a directory be opened for this.
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    /* best effort */
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

async function exists(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export async function createFsBlobStore(options: FsBlobStoreOptions): Promise<BlobStore> {
  const { root, key } = options;
  if (options.encrypt && key?.length !== 32) throw new PorticoError('config_invalid', 'Encrypting blobs at rest needs a 32-byte key.');
  const tempDir = join(root, TEMP_DIR);
  await mkdir(tempDir, { recursive: true, mode: 0o700 });
  await removeStaleTemps(tempDir, options.staleTempMs ?? 24 * 3600_000);

  const dirOf = (sha256: string) => join(root, sha256.slice(0, 2), sha256.slice(2, 4));
  const plainPath = (sha256: string) => join(dirOf(sha256), sha256);
  const encPath = (sha256: string) => `${plainPath(sha256)}.enc`;

  /** Where the content is and in which layout, if anywhere. */
  async function locate(sha256: string): Promise<{ path: string; encrypted: boolean; fileSize: number } | undefined> {
    const enc = encPath(sha256);
    const encSize = await exists(enc);
    if (encSize !== undefined) return { path: enc, encrypted: true, fileSize: encSize };
    const plain = plainPath(sha256);
    const plainSize = await exists(plain);
    return plainSize === undefined ? undefined : { path: plain, encrypted: false, fileSize: plainSize };
  }

  async function readHeader(path: string): Promise<Buffer> {
    const handle = await open(path, 'r');
    try {
      const header = Buffer.alloc(ENCRYPTED_HEADER_BYTES);
      await handle.read(header, 0, header.length, 0);
      return header;
    } finally {
      await handle.close();
    }
  }

  async function plainSizeOf(found: { path: string; encrypted: boolean; fileSize: number }): Promise<number> {
    return found.encrypted ? parseEncryptedLayout(await readHeader(found.path), found.fileSize).plainSize : found.fileSize;
  }

  const store: BlobStore = {
    async stage(source: BlobSource, writeOptions: BlobWriteOptions = {}): Promise<StagedBlob> {
      const { maxBytes, signal } = writeOptions;
      const temp = join(tempDir, `${randomBytes(12).toString('hex')}.part`);
      const handle = await open(temp, 'wx', 0o600);
      const hash = createHash('sha256');
      const encryptor: ChunkEncryptor | undefined = options.encrypt && key ? createChunkEncryptor(key, options.chunkBytes) : undefined;
      const head: Buffer[] = [];
      let headBytes = 0;
      let size = 0;
      let closed = false;
      const aborted = () => new PorticoError('cancelled', 'The upload was aborted.');
      try {
        if (encryptor) await handle.write(encryptor.header);
        for await (const raw of chunksOf(source)) {
          if (signal?.aborted) throw aborted();
          // A Readable in string mode would hand out strings; hash their UTF-8 bytes.
          const chunk: Uint8Array = typeof raw === 'string' ? Buffer.from(raw) : raw;
          size += chunk.byteLength;
          if (maxBytes !== undefined && size > maxBytes) {
            throw new PorticoError('payload_too_large', `The blob is larger than the limit of ${maxBytes} bytes.`, { details: { maxBytes } });
          }
          hash.update(chunk);
          if (headBytes < HEAD_BYTES) {
            const part = Buffer.from(chunk.subarray(0, HEAD_BYTES - headBytes));
            head.push(part);
            headBytes += part.length;
          }
          if (encryptor) {
            for (const sealed of encryptor.update(chunk)) await handle.write(sealed);
          } else if (chunk.byteLength) {
            await handle.write(chunk);
          }
        }
        if (signal?.aborted) throw aborted();
        if (encryptor) await handle.write(encryptor.final());
        await handle.sync();
        await handle.close();
        closed = true;
      } catch (err) {
        if (!closed) await handle.close().catch(() => undefined);
        await rm(temp, { force: true }).catch(() => undefined);
        throw err;
      }
      const sha256 = hash.digest('hex');
      let settled = false;
      return {
        sha256,
        size,
        head: Buffer.concat(head),
        async publish() {
          if (settled) throw new Error('a staged blob is published or discarded once');
          settled = true;
          try {
            if (await locate(sha256)) {
              await rm(temp, { force: true });
              return false;
            }
            const dir = dirOf(sha256);
            await mkdir(dir, { recursive: true, mode: 0o700 });
            await rename(temp, encryptor ? encPath(sha256) : plainPath(sha256));
            await fsyncDirectory(dir);
            return true;
          } catch (err) {
            await rm(temp, { force: true }).catch(() => undefined);
            throw err;
          }
        },
        async discard() {
          settled = true;
          await rm(temp, { force: true });
        },
      };
    },

    async write(source: BlobSource, writeOptions?: BlobWriteOptions): Promise<BlobWriteResult> {
      const staged = await store.stage(source, writeOptions);
      const created = await staged.publish();
      return { sha256: staged.sha256, size: staged.size, head: staged.head, created };
    },

    async read(sha256: string, range?: ByteRange): Promise<Readable> {
      assertId(sha256);
      const found = await locate(sha256);
      if (!found) throw new PorticoError('not_found', 'No blob has this SHA-256.');
      const layout = found.encrypted ? parseEncryptedLayout(await readHeader(found.path), found.fileSize) : undefined;
      const size = layout ? layout.plainSize : found.fileSize;
      const start = range?.start ?? 0;
      const end = range?.end ?? size - 1;
      if (range && (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start || end >= size)) {
        throw new PorticoError('range_not_satisfiable', undefined, { details: { size } });
      }
      if (size === 0) return Readable.from([]);
      if (!layout) return createReadStream(found.path, { start, end, highWaterMark: 64 * 1024 });
      const span = encryptedSpan(layout, start, end);
      const decryptor = createChunkDecryptor(encryptionKeyOrFail(), layout, span);
      const raw = createReadStream(found.path, { start: span.fileStart, end: span.fileEnd, highWaterMark: 64 * 1024 });
      raw.on('error', (err) => decryptor.destroy(err));
      decryptor.on('close', () => raw.destroy());
      return raw.pipe(decryptor);
    },

    async size(sha256: string): Promise<number | undefined> {
      assertId(sha256);
      const found = await locate(sha256);
      return found ? plainSizeOf(found) : undefined;
    },

    async delete(sha256: string): Promise<boolean> {
      assertId(sha256);
      const removed = await Promise.all([plainPath(sha256), encPath(sha256)].map((p) => unlink(p).then(
        () => true,
        (err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return false;
          throw err;
        },
      )));
      return removed.some(Boolean);
    },
  };
  return store;

  function encryptionKeyOrFail(): Buffer {
    if (!key) throw new PorticoError('internal_error', 'A blob is encrypted at rest but no key is configured.');
    return key;
  }
}

async function removeStaleTemps(tempDir: string, olderThanMs: number): Promise<void> {
  const cutoff = Date.now() - olderThanMs;
  for (const name of await readdir(tempDir)) {
    const path = join(tempDir, name);
    const info = await stat(path).catch(() => undefined);
    if (info && info.mtimeMs < cutoff) await rm(path, { force: true }).catch(() => undefined);
  }
}
