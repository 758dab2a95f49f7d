/**
 * The BlobService over the real filesystem store and database (SQLite and PostgreSQL): what a
 * provider such as the site tools gets from `services.blobs`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { expect, it } from 'vitest';
import { createPermissionSet } from '../../../src/core/identity/permissions.js';
import type { Principal } from '../../../src/core/identity/principal.js';
import { createBlobService } from '../../../src/providers/blobs/create-blob-service.js';
import { createFsBlobStore } from '../../../src/store/blobs/fs-blob-store.js';
import { migrateToLatest } from '../../../src/store/migrate.js';
import { createBlobRepository } from '../../../src/store/repositories/blob.repository.js';
import { describeEachDialect } from '../../helpers/dialects.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { PNG_1X1 } from './blob-server.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function principal(id: string, grants: string[]): Principal {
  return { id, kind: 'api-key', name: id, roles: [], permissions: createPermissionSet(grants) };
}

async function bytesOf(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

const files = (dir: string) => readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));

describeEachDialect('blob service', (ctx) => {
  const open = async (maxBytes = 1024 * 1024) => {
    const database = await ctx.open();
    await migrateToLatest(database);
    const root = tempDir();
    const blobs = createBlobService({ store: await createFsBlobStore({ root }), repository: createBlobRepository(database.db), uriScheme: 'portico', maxBytes, maxInlineBytes: 1024 });
    return { blobs, root };
  };

  it('stores from a Readable or a Buffer and opens whole or ranged', async () => {
    const { blobs } = await open();
    const xml = Buffer.from('<?xml version="1.0"?><urlset/>');
    const stored = await blobs.put(Readable.from([xml.subarray(0, 5), xml.subarray(5)]), { filename: 'sitemap.xml', mimeType: 'application/xml', owner: null, metadata: { generator: 'test' } });
    expect(stored).toMatchObject({ sha256: sha(xml), size: xml.length, mimeType: 'application/xml', ownerId: null, metadata: { generator: 'test' }, deduplicated: false });
    expect(blobs.uriFor(stored.sha256)).toBe(`portico://blobs/${sha(xml)}`);
    expect(await bytesOf((await blobs.open(stored.sha256)).stream)).toEqual(xml);
    expect(await bytesOf((await blobs.open(stored.sha256, { start: 2, end: 4 })).stream)).toEqual(xml.subarray(2, 5));
    await expect(blobs.open(stored.sha256, { start: 0, end: xml.length })).rejects.toMatchObject({ code: 'range_not_satisfiable' });
    await expect(blobs.open('f'.repeat(64))).rejects.toMatchObject({ code: 'not_found' });
    await expect(blobs.get('../../x')).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it('stores the same bytes uploaded concurrently once', async () => {
    const { blobs, root } = await open();
    const data = randomBytes(50_000);
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => blobs.put(data, { filename: `copy-${i}.bin`, owner: `key:${i}` })));
    expect(results.filter((r) => !r.deduplicated)).toHaveLength(1);
    expect(new Set(results.map((r) => r.filename)).size).toBe(1);
    expect(files(root)).toHaveLength(1);
  });

  it('refuses a mismatch or an oversized upload without leaving anything', async () => {
    const { blobs, root } = await open(1000);
    await expect(blobs.put(Buffer.from('plain text'), { filename: 'a.png', mimeType: 'image/png', owner: 'key:1' })).rejects.toMatchObject({ code: 'blob_mime_mismatch' });
    await expect(blobs.put(Buffer.alloc(1001), { filename: 'big', owner: 'key:1' })).rejects.toMatchObject({ code: 'payload_too_large' });
    await expect(blobs.put(PNG_1X1, { filename: 'a/b.png', owner: 'key:1' })).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(blobs.put(PNG_1X1, { filename: 'b.png', owner: 'key:1', metadata: { big: 'x'.repeat(20_000) } })).rejects.toMatchObject({ code: 'validation_failed' });
    expect(files(root)).toEqual([]);
    expect((await blobs.list()).items).toEqual([]);
  });

  it('restores content that went missing under its record when the bytes are uploaded again', async () => {
    const { blobs, root } = await open();
    const data = Buffer.from('precious');
    const stored = await blobs.put(data, { filename: 'p.txt', owner: 'key:1' });
    rmSync(join(root, stored.sha256.slice(0, 2), stored.sha256.slice(2, 4), stored.sha256));
    const again = await blobs.put(data, { filename: 'p.txt', owner: 'key:1' });
    expect(again.deduplicated).toBe(true);
    expect(await bytesOf((await blobs.open(stored.sha256)).stream)).toEqual(data);
  });

  it('lets the uploader or a holder of blobs:manage delete', async () => {
    const { blobs } = await open();
    const owner = principal('key:owner', ['blobs:write']);
    const other = principal('key:other', ['blobs:write']);
    const manager = principal('key:manager', ['blobs:manage']);
    const a = await blobs.put(Buffer.from('a'), { filename: 'a', owner: owner.id });
    const b = await blobs.put(Buffer.from('b'), { filename: 'b', owner: owner.id });
    await expect(blobs.delete(a.sha256, other)).rejects.toMatchObject({ code: 'forbidden' });
    expect(await blobs.delete(a.sha256, owner)).toBe(true);
    expect(await blobs.delete(b.sha256, manager)).toBe(true);
    expect(await blobs.delete(b.sha256, manager)).toBe(false);
    expect(await blobs.get(a.sha256)).toBeUndefined();
  });
});
