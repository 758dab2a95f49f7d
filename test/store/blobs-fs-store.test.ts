/**
 * The filesystem BlobStore: content addressing, sharding, dedup, streaming with a limit that
 * leaves nothing behind, ranges, hostile ids, and encryption at rest (chunked AES-256-GCM) that
 * keeps ranges working and notices tampering.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { PorticoError } from '../../src/core/errors.js';
import { createFsBlobStore } from '../../src/store/blobs/fs-blob-store.js';
import { tempDir } from '../helpers/temp-dir.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function bytesOf(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(parts);
}

async function* chunks(data: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

/** Every file under `dir`, relative, skipping nothing. */
function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]));
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return err instanceof PorticoError ? err.code : `not a PorticoError: ${String(err)}`;
  }
  return 'resolved';
}

describe('filesystem blob store (plain)', () => {
  it('stores content under its SHA-256 in sharded directories and streams it back', async () => {
    const root = tempDir();
    const store = await createFsBlobStore({ root });
    const data = randomBytes(300_000);
    const result = await store.write(chunks(data, 7_777));
    expect(result).toMatchObject({ sha256: sha(data), size: data.length, created: true });
    expect(result.head).toEqual(data.subarray(0, 4100));
    const h = result.sha256;
    expect(readFileSync(join(root, h.slice(0, 2), h.slice(2, 4), h))).toEqual(data);
    expect(await bytesOf(await store.read(h))).toEqual(data);
    expect(await store.size(h)).toBe(data.length);
  });

  it('deduplicates identical content and keeps one file', async () => {
    const root = tempDir();
    const store = await createFsBlobStore({ root });
    const data = Buffer.from('same bytes twice');
    const first = await store.write(data);
    const second = await store.write(chunks(data, 3));
    expect(first.created).toBe(true);
    expect(second).toMatchObject({ sha256: first.sha256, created: false });
    expect(filesUnder(root).filter((f) => !f.startsWith('.tmp/'))).toEqual([`${first.sha256.slice(0, 2)}/${first.sha256.slice(2, 4)}/${first.sha256}`]);
    expect(filesUnder(join(root, '.tmp'))).toEqual([]);
  });

  it('refuses content over the limit while streaming and leaves no file behind', async () => {
    const root = tempDir();
    const store = await createFsBlobStore({ root });
    let produced = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      for (;;) {
        produced += 1024;
        yield Buffer.alloc(1024, 7);
      }
    }
    expect(await codeOf(store.write(endless(), { maxBytes: 10_000 }))).toBe('payload_too_large');
    // It stopped reading right after the limit instead of consuming the whole source.
    expect(produced).toBeLessThanOrEqual(11 * 1024);
    expect(filesUnder(root)).toEqual([]);
    // Exactly at the limit is fine.
    expect((await store.write(Buffer.alloc(10_000), { maxBytes: 10_000 })).size).toBe(10_000);
  });

  it('drops an aborted or failed write', async () => {
    const root = tempDir();
    const store = await createFsBlobStore({ root });
    const controller = new AbortController();
    async function* abortMidway(): AsyncGenerator<Uint8Array> {
      yield Buffer.alloc(100);
      controller.abort();
      yield Buffer.alloc(100);
    }
    expect(await codeOf(store.write(abortMidway(), { signal: controller.signal }))).toBe('cancelled');
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield Buffer.alloc(100);
      throw new Error('source broke');
    }
    await expect(store.write(failing())).rejects.toThrow('source broke');
    expect(filesUnder(root)).toEqual([]);
  });

  it('stages content invisibly until published, and discards without a trace', async () => {
    const root = tempDir();
    const store = await createFsBlobStore({ root });
    const staged = await store.stage(Buffer.from('staged'));
    expect(await store.size(staged.sha256)).toBeUndefined();
    await staged.discard();
    expect(filesUnder(root)).toEqual([]);
    const again = await store.stage(Buffer.from('staged'));
    expect(await again.publish()).toBe(true);
    expect(await store.size(again.sha256)).toBe(6);
  });

  it('reads byte ranges and refuses ranges outside the content', async () => {
    const store = await createFsBlobStore({ root: tempDir() });
    const data = randomBytes(1000);
    const { sha256 } = await store.write(data);
    expect(await bytesOf(await store.read(sha256, { start: 10, end: 19 }))).toEqual(data.subarray(10, 20));
    expect(await bytesOf(await store.read(sha256, { start: 999, end: 999 }))).toEqual(data.subarray(999));
    expect(await codeOf(store.read(sha256, { start: 500, end: 1000 }))).toBe('range_not_satisfiable');
    expect(await codeOf(store.read(sha256, { start: 5, end: 4 }))).toBe('range_not_satisfiable');
  });

  it('stores and reads an empty blob', async () => {
    const store = await createFsBlobStore({ root: tempDir() });
    const { sha256, size } = await store.write(Buffer.alloc(0));
    expect(sha256).toBe(sha(Buffer.alloc(0)));
    expect(size).toBe(0);
    expect(await bytesOf(await store.read(sha256))).toEqual(Buffer.alloc(0));
  });

  it('refuses ids that are not a lower-case SHA-256 before touching the filesystem', async () => {
    const root = tempDir();
    const store = await createFsBlobStore({ root });
    writeFileSync(join(root, 'secret'), 'not a blob');
    for (const id of ['../secret', '..%2Fsecret', '/etc/passwd', 'secret', `${'A'.repeat(64)}`, `${'a'.repeat(63)}`, `${'a'.repeat(64)}\0`, `${'a'.repeat(62)}/.`]) {
      expect(await codeOf(store.read(id)), id).toBe('validation_failed');
      expect(await codeOf(store.size(id)), id).toBe('validation_failed');
      expect(await codeOf(store.delete(id)), id).toBe('validation_failed');
    }
    expect(existsSync(join(root, 'secret'))).toBe(true);
    expect(await codeOf(store.read('a'.repeat(64)))).toBe('not_found');
  });

  it('deletes content', async () => {
    const store = await createFsBlobStore({ root: tempDir() });
    const { sha256 } = await store.write(Buffer.from('bye'));
    expect(await store.delete(sha256)).toBe(true);
    expect(await store.delete(sha256)).toBe(false);
    expect(await store.size(sha256)).toBeUndefined();
  });

  it('removes temp files left by a crash, but not recent ones', async () => {
    const root = tempDir();
    await createFsBlobStore({ root });
    const old = join(root, '.tmp', 'old.part');
    const recent = join(root, '.tmp', 'recent.part');
    writeFileSync(old, 'x');
    writeFileSync(recent, 'y');
    const past = new Date(Date.now() - 2 * 24 * 3600_000);
    utimesSync(old, past, past);
    await createFsBlobStore({ root });
    expect(existsSync(old)).toBe(false);
    expect(existsSync(recent)).toBe(true);
  });
});

describe('filesystem blob store (encrypted at rest)', () => {
  const key = randomBytes(32);

  it('keeps no plaintext on disk and round-trips through the key', async () => {
    const root = tempDir();
    const store = await createFsBlobStore({ root, key, encrypt: true });
    const data = Buffer.from('top secret quarterly numbers '.repeat(5000));
    const { sha256, size } = await store.write(chunks(data, 1000));
    expect(sha256).toBe(sha(data));
    const onDisk = join(root, sha256.slice(0, 2), sha256.slice(2, 4), `${sha256}.enc`);
    const raw = readFileSync(onDisk);
    expect(raw.includes(Buffer.from('top secret'))).toBe(false);
    expect(await store.size(sha256)).toBe(size);
    expect(await bytesOf(await store.read(sha256))).toEqual(data);
  });

  it('answers every range by decrypting only the chunks it needs', async () => {
    const store = await createFsBlobStore({ root: tempDir(), key, encrypt: true, chunkBytes: 16 });
    for (const length of [1, 15, 16, 17, 32, 50]) {
      const data = randomBytes(length);
      const { sha256 } = await store.write(chunks(data, 5));
      expect(await store.size(sha256)).toBe(length);
      for (let start = 0; start < length; start += 1) {
        for (let end = start; end < length; end += 3) {
          expect(await bytesOf(await store.read(sha256, { start, end })), `${length}: ${start}-${end}`).toEqual(data.subarray(start, end + 1));
        }
      }
    }
  });

  it('stores an empty blob encrypted', async () => {
    const store = await createFsBlobStore({ root: tempDir(), key, encrypt: true });
    const { sha256 } = await store.write(Buffer.alloc(0));
    expect(await store.size(sha256)).toBe(0);
    expect(await bytesOf(await store.read(sha256))).toEqual(Buffer.alloc(0));
  });

  it('notices a flipped bit, a cut at a chunk boundary and the wrong key', async () => {
    const root = tempDir();
    const store = await createFsBlobStore({ root, key, encrypt: true, chunkBytes: 16 });
    const data = randomBytes(64);
    const { sha256 } = await store.write(data);
    const file = join(root, sha256.slice(0, 2), sha256.slice(2, 4), `${sha256}.enc`);
    const original = readFileSync(file);

    const flipped = Buffer.from(original);
    flipped[flipped.length - 20]! ^= 1;
    writeFileSync(file, flipped);
    await expect(bytesOf(await store.read(sha256))).rejects.toMatchObject({ code: 'internal_error' });

    // Drop the last whole chunk: the new last chunk was not sealed as the last one.
    writeFileSync(file, original.subarray(0, original.length - 32));
    await expect(bytesOf(await store.read(sha256))).rejects.toMatchObject({ code: 'internal_error' });

    writeFileSync(file, original);
    const otherKey = await createFsBlobStore({ root, key: randomBytes(32) });
    await expect(bytesOf(await otherKey.read(sha256))).rejects.toMatchObject({ code: 'internal_error' });
    expect(await bytesOf(await store.read(sha256))).toEqual(data);
  });

  it('keeps reading both layouts when encryption is switched on or off', async () => {
    const root = tempDir();
    const plainData = Buffer.from('written before encryption');
    const encData = Buffer.from('written with encryption');
    const plain = await (await createFsBlobStore({ root, key })).write(plainData);
    const enc = await (await createFsBlobStore({ root, key, encrypt: true })).write(encData);
    // The same bytes again under encryption: deduplicated against the plain copy.
    expect((await (await createFsBlobStore({ root, key, encrypt: true })).write(plainData)).created).toBe(false);
    const later = await createFsBlobStore({ root, key });
    expect(await bytesOf(await later.read(plain.sha256))).toEqual(plainData);
    expect(await bytesOf(await later.read(enc.sha256))).toEqual(encData);
    expect(statSync(join(root, enc.sha256.slice(0, 2), enc.sha256.slice(2, 4), `${enc.sha256}.enc`)).isFile()).toBe(true);
  });

  it('refuses to encrypt without a proper key', async () => {
    await expect(createFsBlobStore({ root: tempDir(), encrypt: true })).rejects.toMatchObject({ code: 'config_invalid' });
  });
});
