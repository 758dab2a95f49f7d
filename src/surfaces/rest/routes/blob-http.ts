/**
 * HTTP details of blob downloads, kept apart from the routes so they can be tested alone:
 * `Range` (one range of bytes), `If-None-Match` against the content's ETag, and a
 * `Content-Disposition` that survives any filename.
 */
import type { ByteRange } from '../../../store/blobs/blob-store.js';

/** Strong ETag: the content is addressed by its SHA-256, so the hash is its version. */
export const etagOf = (sha256: string) => `"${sha256}"`;

/** True if an `If-None-Match` value matches the ETag (weak comparison, as RFC 9110 asks for it). */
export function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

export type RangeRequest = { kind: 'none' } | { kind: 'range'; range: ByteRange } | { kind: 'unsatisfiable' };

/**
 * Parse `Range` for a representation of `size` bytes. Malformed headers, other units and
 * multi-range requests are ignored (the whole content is sent), as RFC 9110 allows; a
 * well-formed range wholly outside the content is unsatisfiable (416).
 */
export function parseRange(header: string | undefined, size: number): RangeRequest {
  if (!header) return { kind: 'none' };
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!match) return { kind: 'none' };
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return { kind: 'none' };
  if (first.length > 15 || last.length > 15) return { kind: 'unsatisfiable' };
  if (first === '') {
    // Suffix range: the last N bytes.
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'range', range: { start: Math.max(0, size - suffix), end: size - 1 } };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== '' && Number(last) < start) return { kind: 'none' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'range', range: { start, end } };
}

/**
 * `attachment` with an ASCII fallback and the exact name in RFC 8187 `filename*`, so quotes,
 * semicolons, newlines or non-ASCII in a filename can never break out of the header.
 */
export function contentDisposition(filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\%]/g, '_') || 'blob';
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
