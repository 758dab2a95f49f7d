/** Blob metadata on SQLite and PostgreSQL: first record wins, filters, keyset pages, deletes. */
import { expect, it } from 'vitest';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createBlobRepository, type BlobRow } from '../../src/store/repositories/blob.repository.js';
import { describeEachDialect } from '../helpers/dialects.js';

const hex = (n: number) => n.toString(16).padStart(64, '0');

function row(n: number, over: Partial<BlobRow> = {}): BlobRow {
  return {
    sha256: hex(n),
    filename: `file-${n}.bin`,
    mimeType: 'application/octet-stream',
    size: n * 10,
    ownerId: 'user:1',
    createdAt: `2026-01-01T00:00:${String(n % 60).padStart(2, '0')}.000Z`,
    metadata: { n },
    ...over,
  };
}

describeEachDialect('blob repository', (ctx) => {
  const open = async () => {
    const database = await ctx.open();
    await migrateToLatest(database);
    return createBlobRepository(database.db);
  };

  it('keeps the first record for the same content and reads it back exactly', async () => {
    const repo = await open();
    const big = row(1, { size: 5 * 1024 ** 3, metadata: { nested: { a: [1, 'two'] } }, ownerId: null });
    expect(await repo.insertIfAbsent(big)).toEqual({ row: big, created: true });
    const again = await repo.insertIfAbsent({ ...big, filename: 'other.bin', ownerId: 'user:2' });
    expect(again).toEqual({ row: big, created: false });
    expect(await repo.get(big.sha256)).toEqual(big);
    expect(await repo.get(hex(999))).toBeUndefined();
  });

  it('filters by MIME prefix, filename substring (case-insensitive, wildcards literal) and owner', async () => {
    const repo = await open();
    await repo.insertIfAbsent(row(1, { mimeType: 'image/png', filename: 'Logo.PNG' }));
    await repo.insertIfAbsent(row(2, { mimeType: 'image/jpeg', filename: 'photo.jpg', ownerId: 'user:2' }));
    await repo.insertIfAbsent(row(3, { mimeType: 'text/plain', filename: '100%_done.txt' }));
    await repo.insertIfAbsent(row(4, { mimeType: 'text/plain', filename: '100xydone.txt' }));
    const names = async (f: Parameters<typeof repo.list>[0]) => (await repo.list(f)).items.map((r) => r.filename);
    expect(await names({ limit: 10, mimePrefix: 'image/' })).toEqual(['photo.jpg', 'Logo.PNG']);
    expect(await names({ limit: 10, mimePrefix: 'IMAGE/J' })).toEqual(['photo.jpg']);
    expect(await names({ limit: 10, filename: 'logo' })).toEqual(['Logo.PNG']);
    expect(await names({ limit: 10, filename: '%_' })).toEqual(['100%_done.txt']);
    expect(await names({ limit: 10, mimePrefix: '%' })).toEqual([]);
    expect(await names({ limit: 10, ownerId: 'user:2' })).toEqual(['photo.jpg']);
    expect(await names({ limit: 10, sha256Prefix: hex(3) })).toEqual(['100%_done.txt']);
    expect(await names({ limit: 10, sha256Prefix: hex(3).slice(0, 63) })).toHaveLength(4);
    expect(await names({ limit: 10, sha256Prefix: '%' })).toHaveLength(4);
  });

  it('pages newest first with a stable cursor, including ties on created_at', async () => {
    const repo = await open();
    const rows = Array.from({ length: 7 }, (_, i) => row(i + 1, { createdAt: i < 4 ? '2026-01-01T00:00:00.000Z' : `2026-01-02T00:00:0${i}.000Z` }));
    for (const r of rows) await repo.insertIfAbsent(r);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await repo.list({ limit: 3, cursor });
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((r) => r.sha256));
      cursor = page.nextCursor;
    } while (cursor);
    const expected = [...rows].sort((a, b) => (a.createdAt === b.createdAt ? b.sha256.localeCompare(a.sha256) : b.createdAt.localeCompare(a.createdAt))).map((r) => r.sha256);
    expect(seen).toEqual(expected);
  });

  it('refuses a cursor it did not hand out', async () => {
    const repo = await open();
    await expect(repo.list({ limit: 3, cursor: 'not-a-cursor' })).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it('deletes', async () => {
    const repo = await open();
    await repo.insertIfAbsent(row(5));
    expect(await repo.delete(hex(5))).toBe(true);
    expect(await repo.delete(hex(5))).toBe(false);
    expect(await repo.get(hex(5))).toBeUndefined();
  });
});
