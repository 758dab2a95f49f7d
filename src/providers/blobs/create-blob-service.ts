/**
 * The BlobService over a BlobStore (content) and the blob repository (metadata).
 *
 * An upload is staged (streamed to a temp file, hashed, size-limited), its type decided
 * (mime-policy.ts), and only then published and recorded, so a refused upload leaves nothing.
 * Publishing, recording and deleting one SHA-256 are serialised in this process, so a delete
 * racing a re-upload of the same bytes cannot leave a record without content. (Several nodes
 * sharing one blob directory do not share this lock; see the README.)
 */
import { Readable } from 'node:stream';
import { PorticoError } from '../../core/errors.js';
import type { Principal } from '../../core/identity/principal.js';
import type { BlobSource, BlobStore, ByteRange } from '../../store/blobs/blob-store.js';
import { isSha256 } from '../../store/blobs/blob-store.js';
import type { BlobRepository, BlobRow } from '../../store/repositories/blob.repository.js';
import type { BlobPage, BlobRecord, BlobService, ListBlobsQuery, OpenedBlob, PutBlobOptions, PutBlobResult } from './blob-service.js';
import { decideMimeType } from './mime-policy.js';

/** Deleting blobs someone else uploaded (admins hold it through `admin`). */
export const BLOBS_MANAGE = 'blobs:manage';

const MAX_FILENAME = 255;
const MAX_METADATA_BYTES = 16 * 1024;
export const MAX_PAGE = 100;
const DEFAULT_PAGE = 50;

export interface BlobServiceOptions {
  readonly store: BlobStore;
  readonly repository: BlobRepository;
  readonly uriScheme: string;
  readonly maxBytes: number;
  readonly maxInlineBytes: number;
}

/** A filename is a label (never a path here), but it ends up in headers and listings. */
export function checkFilename(filename: string): string {
  const name = filename.trim();
  // eslint-disable-next-line no-control-regex
  if (!name || name.length > MAX_FILENAME || /[\u0000-\u001f\u007f/\\]/.test(name) || name === '.' || name === '..') {
    throw new PorticoError('validation_failed', `A filename is 1-${MAX_FILENAME} characters with no slashes, backslashes or control characters.`);
  }
  return name;
}

function checkMetadata(metadata: Record<string, unknown> | undefined): Record<string, unknown> {
  if (metadata === undefined) return {};
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) throw new PorticoError('validation_failed', 'Blob metadata is a JSON object.');
  if (Buffer.byteLength(JSON.stringify(metadata)) > MAX_METADATA_BYTES) throw new PorticoError('validation_failed', `Blob metadata is at most ${MAX_METADATA_BYTES} bytes of JSON.`);
  return metadata;
}

export function checkSha256(sha256: string): string {
  if (!isSha256(sha256)) throw new PorticoError('validation_failed', 'A blob id is a SHA-256: 64 lower-case hex digits.', { details: { sha256: sha256.slice(0, 100) } });
  return sha256;
}

/** Runs one task at a time per key; other keys are not held up. */
function keyedSerializer() {
  const tails = new Map<string, Promise<unknown>>();
  return async <T>(key: string, task: () => Promise<T>): Promise<T> => {
    const previous = tails.get(key) ?? Promise.resolve();
    const run = previous.then(task, task);
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    try {
      return await run;
    } finally {
      if (tails.get(key) === tail) tails.delete(key);
    }
  };
}

const toRecord = (row: BlobRow): BlobRecord => ({ ...row });

export function createBlobService(options: BlobServiceOptions): BlobService {
  const { store, repository } = options;
  const serialized = keyedSerializer();

  return {
    limits: { maxBytes: options.maxBytes, maxInlineBytes: options.maxInlineBytes },

    uriFor: (sha256) => `${options.uriScheme}://blobs/${sha256}`,

    async put(source: BlobSource | Buffer, put: PutBlobOptions): Promise<PutBlobResult> {
      const filename = checkFilename(put.filename);
      const metadata = checkMetadata(put.metadata);
      const staged = await store.stage(source, { maxBytes: options.maxBytes, signal: put.signal });
      let mimeType: string;
      try {
        ({ mimeType } = await decideMimeType(staged.head, filename, put.mimeType));
      } catch (err) {
        await staged.discard();
        throw err;
      }
      return serialized(staged.sha256, async () => {
        const existing = await repository.get(staged.sha256);
        // Publishing even when a record exists restores content that went missing underneath it.
        const created = await staged.publish();
        if (existing) return { ...toRecord(existing), deduplicated: true };
        try {
          const { row, created: recorded } = await repository.insertIfAbsent({
            sha256: staged.sha256,
            filename,
            mimeType,
            size: staged.size,
            ownerId: put.owner,
            createdAt: new Date().toISOString(),
            metadata,
          });
          return { ...toRecord(row), deduplicated: !recorded };
        } catch (err) {
          // No record, so no one may see the content: take back what this call published.
          if (created) await store.delete(staged.sha256).catch(() => undefined);
          throw err;
        }
      });
    },

    async get(sha256) {
      const row = await repository.get(checkSha256(sha256));
      return row ? toRecord(row) : undefined;
    },

    async open(sha256: string, range?: ByteRange): Promise<OpenedBlob> {
      const row = await repository.get(checkSha256(sha256));
      if (!row) throw new PorticoError('not_found', 'No blob has this SHA-256.', { details: { sha256 } });
      if (range && (range.start < 0 || range.end < range.start || range.end >= row.size)) {
        throw new PorticoError('range_not_satisfiable', undefined, { details: { size: row.size } });
      }
      if (row.size === 0) return { record: toRecord(row), stream: Readable.from([]) };
      return { record: toRecord(row), stream: await store.read(row.sha256, range) };
    },

    async list(query: ListBlobsQuery = {}): Promise<BlobPage> {
      const limit = query.limit ?? DEFAULT_PAGE;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) throw new PorticoError('validation_failed', `limit is 1-${MAX_PAGE}.`);
      const page = await repository.list({ mimePrefix: query.mimePrefix, filename: query.filename, ownerId: query.ownerId, sha256Prefix: query.sha256Prefix, limit, cursor: query.cursor });
      return page.nextCursor ? { items: page.items.map(toRecord), nextCursor: page.nextCursor } : { items: page.items.map(toRecord) };
    },

    async delete(sha256: string, as?: Principal): Promise<boolean> {
      checkSha256(sha256);
      return serialized(sha256, async () => {
        const row = await repository.get(sha256);
        if (!row) return false;
        if (as && row.ownerId !== as.id && !as.permissions.allows(BLOBS_MANAGE)) {
          throw new PorticoError('forbidden', `Only the uploader, or a holder of "${BLOBS_MANAGE}", deletes this blob.`);
        }
        await repository.delete(sha256);
        await store.delete(sha256);
        return true;
      });
    },
  };
}
