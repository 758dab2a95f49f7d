/**
 * MIME types of served files: by extension first for text formats (content sniffing cannot tell
 * CSS from plain text), by content for everything else (a `.png` holding a JPEG is a JPEG), and for
 * files neither names: UTF-8 text without NULs is `text/plain`, the rest `application/octet-stream`.
 */
import { extname } from 'node:path';
import { fileTypeFromBuffer } from 'file-type';

const BY_EXTENSION: Readonly<Record<string, string>> = Object.freeze({
  '.html': 'text/html',
  '.htm': 'text/html',
  '.jinja': 'text/html',
  '.jinja2': 'text/html',
  '.j2': 'text/html',
  '.liquid': 'text/html',
  '.css': 'text/css',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.json': 'application/json',
  '.map': 'application/json',
  '.xml': 'application/xml',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.csv': 'text/csv',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.webmanifest': 'application/manifest+json',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.pdf': 'application/pdf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
});

/** Types returned as `text` in resource reads (the rest as base64 `blob`). */
export function isTextMime(mime: string): boolean {
  return (
    mime.startsWith('text/') ||
    mime === 'application/json' ||
    mime === 'application/manifest+json' ||
    mime === 'application/xml' ||
    mime === 'application/yaml' ||
    mime === 'image/svg+xml'
  );
}

/** The MIME type an extension names, if it names one. */
export function mimeFromExtension(name: string): string | undefined {
  return BY_EXTENSION[extname(name).toLowerCase()];
}

function looksLikeText(head: Uint8Array): boolean {
  if (head.includes(0)) return false;
  try {
    // `stream` tolerates a multi-byte character cut at the end of the head; a fresh decoder per
    // call, because a streaming decoder keeps the cut bytes.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return true;
  } catch {
    return false;
  }
}

/**
 * The MIME type of a file from its name and its first bytes (4 KiB is plenty for every signature
 * `file-type` knows).
 */
export async function detectMime(name: string, head: Uint8Array): Promise<string> {
  const byName = mimeFromExtension(name);
  if (byName && isTextMime(byName)) return byName;
  const sniffed = head.length ? await fileTypeFromBuffer(head) : undefined;
  if (sniffed) return sniffed.mime;
  if (byName) return byName;
  return looksLikeText(head) ? 'text/plain' : 'application/octet-stream';
}
