/**
 * Which MIME type a blob is stored with. The content is sniffed (file-type, on its first bytes)
 * and checked against the declared type:
 *
 * - nothing declared (or `application/octet-stream`): the sniffed type; failing that, a type
 *   from the filename extension for text formats file-type cannot sniff; failing that,
 *   `text/plain` for content that looks like UTF-8 text, else `application/octet-stream`;
 * - declared and sniffed agree (aliases such as image/jpg = image/jpeg count, and so does any
 *   text type over sniffed text such as XML): the declared type;
 * - declared and sniffed differ: refused with `blob_mime_mismatch`, nothing stored;
 * - declared a binary format with a signature file-type knows (PNG, PDF, ZIP…) but no signature
 *   found, or declared a text type for content with NUL bytes: refused the same way;
 * - otherwise (e.g. text/markdown for text): the declared type.
 *
 * Refusing instead of silently storing the sniffed type keeps a client from believing it stored
 * "an image" that is really something else, and keeps `Content-Type` on download honest.
 */
import { extname } from 'node:path';
import { fileTypeFromBuffer, supportedMimeTypes } from 'file-type';
import { PorticoError } from '../../core/errors.js';

const MIME = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;
const GENERIC = 'application/octet-stream';

/** Names clients use for the same thing file-type reports. */
const ALIASES: Readonly<Record<string, string>> = {
  'image/jpg': 'image/jpeg',
  'image/pjpeg': 'image/jpeg',
  'image/x-png': 'image/png',
  'image/x-icon': 'image/vnd.microsoft.icon',
  'audio/x-wav': 'audio/wav',
  'audio/wave': 'audio/wav',
  'audio/mp3': 'audio/mpeg',
  'application/x-zip-compressed': 'application/zip',
  'application/x-gzip': 'application/gzip',
  'application/x-pdf': 'application/pdf',
};

/** Text formats file-type does not sniff, by extension. */
const TEXT_BY_EXTENSION: Readonly<Record<string, string>> = {
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.css': 'text/css',
  '.csv': 'text/csv',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.json': 'application/json',
  '.xml': 'application/xml',
  '.svg': 'image/svg+xml',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
};

/** Canonical form of a declared type: lower case, parameters dropped, aliases resolved. */
export function normalizeMimeType(declared: string): string {
  const bare = declared.split(';')[0]!.trim().toLowerCase();
  if (!MIME.test(bare)) throw new PorticoError('validation_failed', `"${declared.slice(0, 100)}" is not a MIME type (type/subtype).`);
  return ALIASES[bare] ?? bare;
}

const isXml = (type: string) => type === 'application/xml' || type === 'text/xml' || type.endsWith('+xml');

/** Types whose content is text: served as text over MCP, refused when the bytes hold NULs. */
export function isTextMimeType(type: string): boolean {
  return type.startsWith('text/') || isXml(type) || type.endsWith('+json') || ['application/json', 'application/javascript', 'application/yaml', 'application/x-ndjson', 'application/sql'].includes(type);
}

function looksLikeText(head: Buffer): boolean {
  if (head.includes(0)) return false;
  // A multi-byte character may be cut at the end of the sample: ignore up to 3 trailing bytes.
  for (let cut = 0; cut <= Math.min(3, head.length); cut += 1) {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, head.length - cut));
      return true;
    } catch {
      /* try a shorter sample */
    }
  }
  return false;
}

// A type file-type recognises by a binary signature: claiming it for content without one is a lie.
const SIGNED_TYPES = new Set([...supportedMimeTypes].filter((t) => !isTextMimeType(t) && t !== GENERIC));

export interface MimeDecision {
  readonly mimeType: string;
  /** What sniffing found, if anything. */
  readonly detected?: string;
}

export async function decideMimeType(head: Buffer, filename: string, declaredRaw: string | undefined): Promise<MimeDecision> {
  const declared = declaredRaw === undefined || declaredRaw.trim() === '' ? undefined : normalizeMimeType(declaredRaw);
  const sniffed = await fileTypeFromBuffer(head).catch(() => undefined);
  const detected = sniffed ? (ALIASES[sniffed.mime] ?? sniffed.mime) : undefined;
  const withDetected = (mimeType: string): MimeDecision => (detected ? { mimeType, detected } : { mimeType });
  const mismatch = (why: string) =>
    new PorticoError('blob_mime_mismatch', `The content ${why}, but it was declared as ${declared}.`, { details: { declared, detected: detected ?? null } });

  if (declared === undefined || declared === GENERIC) {
    if (detected) return withDetected(detected);
    const byExtension = TEXT_BY_EXTENSION[extname(filename).toLowerCase()];
    if (byExtension && looksLikeText(head)) return { mimeType: byExtension };
    return { mimeType: looksLikeText(head) ? 'text/plain' : GENERIC };
  }
  if (detected) {
    // Text formats overlap (an XML file is also text/plain): any text type may be declared for sniffed text.
    if (detected === declared || (isTextMimeType(detected) && isTextMimeType(declared))) return withDetected(declared);
    throw mismatch(`is ${detected}`);
  }
  if (SIGNED_TYPES.has(declared)) throw mismatch(`has no ${declared} signature`);
  if (isTextMimeType(declared) && head.includes(0)) throw mismatch('is binary (it contains NUL bytes)');
  return { mimeType: declared };
}
