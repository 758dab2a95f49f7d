/**
 * BlobService: the one way surfaces (MCP, REST) and other providers store and fetch blobs.
 * Published by the blobs provider as `services.blobs`.
 */
import type { Readable } from 'node:stream';
import type { Principal } from '../../core/identity/principal.js';
import type { BlobSource, ByteRange } from '../../store/blobs/blob-store.js';

export interface BlobRecord {
  readonly sha256: string;
  readonly filename: string;
  /** The MIME type Portico stands behind (declared, checked against the sniffed one). */
  readonly mimeType: string;
  readonly size: number;
  /** Principal id of the first uploader; null for blobs stored by the system. */
  readonly ownerId: string | null;
  /** ISO 8601. */
  readonly createdAt: string;
  readonly metadata: Record<string, unknown>;
}

export interface PutBlobOptions {
  readonly filename: string;
  /** Declared MIME type; omitted means "sniff it". */
  readonly mimeType?: string | undefined;
  /** Principal id of the uploader (null: the system). */
  readonly owner: string | null;
  readonly metadata?: Record<string, unknown> | undefined;
  readonly signal?: AbortSignal | undefined;
}

export interface PutBlobResult extends BlobRecord {
  /** True when identical content was already stored: the existing record is returned. */
  readonly deduplicated: boolean;
}

export interface ListBlobsQuery {
  /** e.g. `image/` or `text/plain`. */
  readonly mimePrefix?: string | undefined;
  /** Case-insensitive substring of the filename. */
  readonly filename?: string | undefined;
  readonly ownerId?: string | undefined;
  /** Hex prefix of the SHA-256 (argument completion). */
  readonly sha256Prefix?: string | undefined;
  readonly limit?: number | undefined;
  /** Opaque cursor from a previous page. */
  readonly cursor?: string | undefined;
}

export interface BlobPage {
  readonly items: BlobRecord[];
  readonly nextCursor?: string;
}

export interface OpenedBlob {
  readonly record: BlobRecord;
  readonly stream: Readable;
}

export interface BlobService {
  /** Stream a blob in (limit `blobs.maxBytes`), sniff and check its type, record it. */
  put(source: BlobSource | Buffer, options: PutBlobOptions): Promise<PutBlobResult>;
  /** Metadata, or undefined. Throws `validation_failed` for a malformed id. */
  get(sha256: string): Promise<BlobRecord | undefined>;
  /** Metadata and a content stream (optionally a byte range); `not_found` if absent. */
  open(sha256: string, range?: ByteRange): Promise<OpenedBlob>;
  list(query?: ListBlobsQuery): Promise<BlobPage>;
  /**
   * Remove metadata and content; false if it was not there. With `as`, only the uploader or a
   * holder of `blobs:manage` may (`forbidden` otherwise); without it the caller has decided.
   */
  delete(sha256: string, as?: Principal): Promise<boolean>;
  /** `portico://blobs/{sha256}` with the configured scheme. */
  uriFor(sha256: string): string;
  /** The limits in force, for surfaces that must enforce them early. */
  readonly limits: { readonly maxBytes: number; readonly maxInlineBytes: number };
}
