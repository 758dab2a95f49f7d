/**
 * Streaming AES-256-GCM for blobs at rest, in fixed-size chunks so that a byte range can be read
 * by decrypting only the chunks it touches (HTTP `Range` keeps working on encrypted blobs).
 *
 * File layout: header | chunk 0 | chunk 1 | … | chunk n-1
 *   header  = "PBLOBENC" (8) | version 0x01 (1) | chunk size, uint32 BE (4) | nonce prefix (8)
 *   chunk i = ciphertext of plaintext bytes [i·C, (i+1)·C) | GCM tag (16)
 * Every chunk but the last holds exactly C plaintext bytes; the last holds 1…C (0 only for an
 * empty blob, which is one empty chunk). IV of chunk i = nonce prefix | i (uint32 BE): unique per
 * file (random prefix) and per chunk. The additional data binds each chunk to the header, its
 * index and whether it is the last one, so chunks cannot be reordered, swapped between files or
 * cut off at a chunk boundary without the tag failing.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { PorticoError } from '../../core/errors.js';

const MAGIC = Buffer.from('PBLOBENC', 'ascii');
const VERSION = 1;
export const ENCRYPTED_HEADER_BYTES = MAGIC.length + 1 + 4 + 8;
const TAG_BYTES = 16;
export const DEFAULT_CHUNK_BYTES = 64 * 1024;

function aad(header: Buffer, index: number, last: boolean): Buffer {
  const tail = Buffer.alloc(5);
  tail.writeUInt32BE(index, 0);
  tail[4] = last ? 1 : 0;
  return Buffer.concat([header, tail]);
}

function iv(noncePrefix: Buffer, index: number): Buffer {
  const out = Buffer.alloc(12);
  noncePrefix.copy(out, 0, 0, 8);
  out.writeUInt32BE(index, 8);
  return out;
}

/** Encrypts a plaintext stream pushed through `update`/`final`, returning bytes to write. */
export interface ChunkEncryptor {
  readonly header: Buffer;
  /** Sealed chunks that became complete; may be empty. */
  update(plaintext: Uint8Array): Buffer[];
  /** The last chunk (flagged as last). */
  final(): Buffer;
}

export function createChunkEncryptor(key: Buffer, chunkBytes = DEFAULT_CHUNK_BYTES): ChunkEncryptor {
  const noncePrefix = randomBytes(8);
  const header = Buffer.alloc(ENCRYPTED_HEADER_BYTES);
  MAGIC.copy(header, 0);
  header[MAGIC.length] = VERSION;
  header.writeUInt32BE(chunkBytes, MAGIC.length + 1);
  noncePrefix.copy(header, MAGIC.length + 5);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let index = 0;
  const seal = (plain: Buffer, last: boolean): Buffer => {
    const cipher = createCipheriv('aes-256-gcm', key, iv(noncePrefix, index));
    cipher.setAAD(aad(header, index, last));
    index += 1;
    return Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  };
  return {
    header,
    update(plaintext) {
      pending.push(Buffer.from(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength));
      pendingBytes += plaintext.byteLength;
      const out: Buffer[] = [];
      // Keep at least one byte back: the chunk that ends the stream must be sealed as the last.
      if (pendingBytes > chunkBytes) {
        let all = Buffer.concat(pending);
        while (all.length > chunkBytes) {
          out.push(seal(all.subarray(0, chunkBytes), false));
          all = all.subarray(chunkBytes);
        }
        pending = [Buffer.from(all)];
        pendingBytes = all.length;
      }
      return out;
    },
    final() {
      const out = seal(Buffer.concat(pending), true);
      pending = [];
      pendingBytes = 0;
      return out;
    },
  };
}

export interface EncryptedLayout {
  readonly chunkBytes: number;
  readonly noncePrefix: Buffer;
  readonly header: Buffer;
  readonly plainSize: number;
  readonly chunkCount: number;
}

const corrupt = () => new PorticoError('internal_error', 'A stored blob cannot be decrypted with this installation key, or it is damaged.');

/** Read the layout from the header and the file size. */
export function parseEncryptedLayout(header: Buffer, fileSize: number): EncryptedLayout {
  if (header.length < ENCRYPTED_HEADER_BYTES || !header.subarray(0, MAGIC.length).equals(MAGIC) || header[MAGIC.length] !== VERSION) throw corrupt();
  const chunkBytes = header.readUInt32BE(MAGIC.length + 1);
  const body = fileSize - ENCRYPTED_HEADER_BYTES;
  const sealedChunk = chunkBytes + TAG_BYTES;
  if (chunkBytes === 0 || body < TAG_BYTES) throw corrupt();
  const full = Math.floor(body / sealedChunk);
  const rest = body - full * sealedChunk;
  if (rest !== 0 && rest < TAG_BYTES) throw corrupt();
  const chunkCount = rest === 0 ? full : full + 1;
  const plainSize = rest === 0 ? full * chunkBytes : full * chunkBytes + rest - TAG_BYTES;
  return { chunkBytes, noncePrefix: header.subarray(MAGIC.length + 5, ENCRYPTED_HEADER_BYTES), header: header.subarray(0, ENCRYPTED_HEADER_BYTES), plainSize, chunkCount };
}

/** File byte offsets to read for plaintext range [start, end], and what to trim from the result. */
export function encryptedSpan(layout: EncryptedLayout, start: number, end: number): { fileStart: number; fileEnd: number; firstChunk: number; skip: number; take: number } {
  const sealed = layout.chunkBytes + TAG_BYTES;
  const firstChunk = Math.floor(start / layout.chunkBytes);
  const lastChunk = Math.floor(end / layout.chunkBytes);
  const fileStart = ENCRYPTED_HEADER_BYTES + firstChunk * sealed;
  const fileEnd = Math.min(ENCRYPTED_HEADER_BYTES + (lastChunk + 1) * sealed, ENCRYPTED_HEADER_BYTES + layout.plainSize + layout.chunkCount * TAG_BYTES) - 1;
  return { fileStart, fileEnd, firstChunk, skip: start - firstChunk * layout.chunkBytes, take: end - start + 1 };
}

/**
 * Decrypts sealed chunks starting at `firstChunk`, emitting only verified plaintext, trimmed to
 * `skip` leading bytes dropped and `take` bytes in total.
 */
export function createChunkDecryptor(key: Buffer, layout: EncryptedLayout, span: { firstChunk: number; skip: number; take: number }): Transform {
  const sealed = layout.chunkBytes + TAG_BYTES;
  let buffered: Buffer[] = [];
  let bufferedBytes = 0;
  let index = span.firstChunk;
  let skip = span.skip;
  let remaining = span.take;
  const open = (chunk: Buffer): Buffer => {
    const last = index === layout.chunkCount - 1;
    const decipher = createDecipheriv('aes-256-gcm', key, iv(layout.noncePrefix, index));
    decipher.setAAD(aad(layout.header, index, last));
    decipher.setAuthTag(chunk.subarray(chunk.length - TAG_BYTES));
    index += 1;
    try {
      return Buffer.concat([decipher.update(chunk.subarray(0, chunk.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw corrupt();
    }
  };
  const emit = (stream: Transform, plain: Buffer) => {
    let part = plain;
    if (skip > 0) {
      const drop = Math.min(skip, part.length);
      part = part.subarray(drop);
      skip -= drop;
    }
    if (part.length > remaining) part = part.subarray(0, remaining);
    remaining -= part.length;
    if (part.length) stream.push(part);
  };
  return new Transform({
    transform(data: Buffer, _enc, done: TransformCallback) {
      try {
        buffered.push(data);
        bufferedBytes += data.length;
        if (bufferedBytes >= sealed) {
          let all = Buffer.concat(buffered);
          while (all.length >= sealed) {
            emit(this, open(all.subarray(0, sealed)));
            all = all.subarray(sealed);
          }
          buffered = all.length ? [all] : [];
          bufferedBytes = all.length;
        }
        done();
      } catch (err) {
        done(err as Error);
      }
    },
    flush(done: TransformCallback) {
      try {
        if (bufferedBytes > 0) emit(this, open(Buffer.concat(buffered)));
        if (remaining !== 0) throw corrupt();
        done();
      } catch (err) {
        done(err as Error);
      }
    },
  });
}
