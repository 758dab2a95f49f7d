/**
 * BlobStore contract: where blob *content* lives, addressed by the SHA-256 of its plaintext.
 * Metadata (filename, MIME type, owner, …) lives in the database (`blob.repository.ts`); the
 * `BlobService` (providers/blobs/blob-service.ts) ties the two together for every surface.
 *
 * Content goes in and out as streams: an implementation never holds a whole blob in memory.
 * Writes are atomic (a reader sees the whole blob or none of it) and idempotent (the same bytes
 * are stored once).
 */
import type { Readable } from 'node:stream';

/** Lower-case hex SHA-256: the only accepted blob id, so ids can never name a path. */
export const SHA256_HEX = /^[0-9a-f]{64}$/;

export function isSha256(value: string): boolean {
  return SHA256_HEX.test(value);
}

/** Inclusive byte range, as in HTTP `Range: bytes=start-end`. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** Anything a blob can be written from. */
export type BlobSource = Readable | AsyncIterable<Uint8Array> | Uint8Array;

export interface BlobWriteOptions {
  /** Refuse (`payload_too_large`) as soon as more than this many bytes arrive; nothing is kept. */
  readonly maxBytes?: number;
  /** Abort the write (e.g. client disconnected); nothing is kept. */
  readonly signal?: AbortSignal;
}

export interface BlobWriteResult {
  readonly sha256: string;
  readonly size: number;
  /** The first bytes of the content (up to `HEAD_BYTES`), for MIME sniffing without a re-read. */
  readonly head: Buffer;
  /** False when identical content was already stored (deduplicated). */
  readonly created: boolean;
}

/**
 * Content streamed to a private temp file and hashed, not yet visible. The caller inspects it
 * (size, sniffed type) and then publishes or discards it; a staged blob is always one or the other.
 */
export interface StagedBlob {
  readonly sha256: string;
  readonly size: number;
  /** The first bytes of the content (up to `HEAD_BYTES`), for MIME sniffing without a re-read. */
  readonly head: Buffer;
  /** Atomically make it readable under its SHA-256; false if identical content was already there. */
  publish(): Promise<boolean>;
  /** Drop it. Safe to call after a failed publish. */
  discard(): Promise<void>;
}

/** How many leading bytes `write` hands back for sniffing (file-type's sample size). */
export const HEAD_BYTES = 4100;

export interface BlobStore {
  /** Stream content into a temp file, hashing it (limits as in `write`); see StagedBlob. */
  stage(source: BlobSource, options?: BlobWriteOptions): Promise<StagedBlob>;
  /** Stream content in, hashing as it goes; atomically publish it under its SHA-256. */
  write(source: BlobSource, options?: BlobWriteOptions): Promise<BlobWriteResult>;
  /** Stream content out, whole or an inclusive byte range; `not_found` if absent. */
  read(sha256: string, range?: ByteRange): Promise<Readable>;
  /** Plaintext size, or undefined if absent. */
  size(sha256: string): Promise<number | undefined>;
  /** Remove content; true if something was removed. */
  delete(sha256: string): Promise<boolean>;
}
