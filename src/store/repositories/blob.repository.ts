/**
 * Blob metadata. One row per distinct content: `insertIfAbsent` keeps the first record when the
 * same bytes are stored again (deduplication). Listing is newest first with a keyset cursor over
 * (created_at, sha256), so pages stay stable while blobs are added.
 */
import { sql, type Kysely } from 'kysely';
import { PorticoError } from '../../core/errors.js';
import type { BlobsTable, DatabaseSchema } from '../schema.js';

export interface BlobRow {
  sha256: string;
  filename: string;
  mimeType: string;
  size: number;
  ownerId: string | null;
  createdAt: string;
  metadata: Record<string, unknown>;
}

export interface BlobListFilter {
  /** MIME type prefix, e.g. `image/`. */
  mimePrefix?: string | undefined;
  /** Case-insensitive substring of the filename. */
  filename?: string | undefined;
  ownerId?: string | undefined;
  /** Lower-case hex prefix of the SHA-256 (completion). */
  sha256Prefix?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

export interface BlobRepository {
  /** Insert unless a row for this content exists; returns the stored row and whether it is new. */
  insertIfAbsent(row: BlobRow): Promise<{ row: BlobRow; created: boolean }>;
  get(sha256: string): Promise<BlobRow | undefined>;
  list(filter: BlobListFilter): Promise<{ items: BlobRow[]; nextCursor?: string }>;
  delete(sha256: string): Promise<boolean>;
}

function fromRow(r: BlobsTable): BlobRow {
  return {
    sha256: r.sha256,
    filename: r.filename,
    mimeType: r.mime_type,
    size: Number(r.size),
    ownerId: r.owner_id,
    createdAt: r.created_at,
    metadata: JSON.parse(r.metadata) as Record<string, unknown>,
  };
}

/** LIKE pattern matching `text` literally (ESCAPE '\'). */
function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function encodeCursor(row: BlobRow): string {
  return Buffer.from(JSON.stringify([row.createdAt, row.sha256])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') return [value[0], value[1]];
  } catch {
    /* fall through */
  }
  throw new PorticoError('validation_failed', 'The cursor is not one this server handed out.');
}

export function createBlobRepository(db: Kysely<DatabaseSchema>): BlobRepository {
  const get = async (sha256: string) => {
    const row = await db.selectFrom('blobs').selectAll().where('sha256', '=', sha256).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  };
  return {
    get,
    async insertIfAbsent(row) {
      const result = await db
        .insertInto('blobs')
        .values({
          sha256: row.sha256,
          filename: row.filename,
          mime_type: row.mimeType,
          size: row.size,
          owner_id: row.ownerId,
          created_at: row.createdAt,
          metadata: JSON.stringify(row.metadata),
        })
        .onConflict((oc) => oc.column('sha256').doNothing())
        .executeTakeFirst();
      const created = Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
      const stored = created ? row : await get(row.sha256);
      if (!stored) throw new PorticoError('conflict', 'The blob was deleted while it was being stored; try again.');
      return { row: stored, created };
    },
    async list(filter) {
      let query = db.selectFrom('blobs').selectAll();
      if (filter.mimePrefix) query = query.where(sql<boolean>`lower(mime_type) like ${`${likeLiteral(filter.mimePrefix.toLowerCase())}%`} escape '\\'`);
      if (filter.filename) query = query.where(sql<boolean>`lower(filename) like ${`%${likeLiteral(filter.filename.toLowerCase())}%`} escape '\\'`);
      if (filter.ownerId) query = query.where('owner_id', '=', filter.ownerId);
      if (filter.sha256Prefix) query = query.where('sha256', 'like', `${filter.sha256Prefix.replace(/[^0-9a-f]/g, '')}%`);
      if (filter.cursor) {
        const [createdAt, sha256] = decodeCursor(filter.cursor);
        query = query.where((eb) => eb.or([eb('created_at', '<', createdAt), eb.and([eb('created_at', '=', createdAt), eb('sha256', '<', sha256)])]));
      }
      const rows = await query.orderBy('created_at', 'desc').orderBy('sha256', 'desc').limit(filter.limit + 1).execute();
      const items = rows.slice(0, filter.limit).map(fromRow);
      const last = items.at(-1);
      return rows.length > filter.limit && last ? { items, nextCursor: encodeCursor(last) } : { items };
    },
    async delete(sha256) {
      const result = await db.deleteFrom('blobs').where('sha256', '=', sha256).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}
