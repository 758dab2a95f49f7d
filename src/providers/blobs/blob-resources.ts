/**
 * Blob resources: `portico://blobs` (the newest blobs, as JSON) and the template
 * `portico://blobs/{sha256}` (the content: text types as text, others as base64 `blob`). A blob
 * above `blobs.maxInlineBytes` is not inlined: the read fails with `payload_too_large` and names
 * the REST download URL, instead of building a message of hundreds of megabytes.
 */
import type { ResourceEntry, ResourceTemplateEntry } from '../../core/catalog/entries.js';
import { PorticoError } from '../../core/errors.js';
import type { BlobService } from './blob-service.js';
import { BLOBS_READ } from './blob-tools.js';
import { blobView } from './blob-views.js';
import { isTextMimeType } from './mime-policy.js';

const LISTED = 100;

/** Where the REST API serves a blob: absolute when `server.publicUrl` is set, else a path on this server. */
export function downloadUrl(publicUrl: string | undefined, sha256: string): string {
  return `${publicUrl ? publicUrl.replace(/\/+$/, '') : ''}/api/v1/blobs/${sha256}`;
}

async function readAll(stream: AsyncIterable<Uint8Array>, limit: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += chunk.byteLength;
    // The record said it fits; content that grew underneath is not inlined either.
    if (total > limit) throw new PorticoError('internal_error', 'A stored blob is larger than its record says.');
    parts.push(Buffer.from(chunk));
  }
  return Buffer.concat(parts);
}

function utf8(bytes: Buffer): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

export function blobResources(blobs: BlobService, options: { scheme: string; publicUrl?: string | undefined; source: string }): [ResourceEntry, ResourceTemplateEntry] {
  const listUri = `${options.scheme}://blobs`;
  return [
    {
      kind: 'resource',
      source: options.source,
      uri: listUri,
      name: 'blobs',
      title: 'Blob storage',
      description: `The ${LISTED} newest blobs (uri, filename, MIME type, size). Use the list_blobs tool to filter and page.`,
      mimeType: 'application/json',
      permission: BLOBS_READ,
      async read(uri) {
        const page = await blobs.list({ limit: LISTED });
        const body = { blobs: page.items.map((r) => blobView(blobs, r)), more: page.nextCursor !== undefined };
        return { contents: [{ uri, mimeType: 'application/json', text: JSON.stringify(body) }] };
      },
    },
    {
      kind: 'resourceTemplate',
      source: options.source,
      uriTemplate: `${options.scheme}://blobs/{sha256}`,
      name: 'blob',
      title: 'Blob content',
      description: `A stored blob by SHA-256: text types as text, others base64. Blobs above ${blobs.limits.maxInlineBytes} bytes are downloaded from GET /api/v1/blobs/{sha256} instead.`,
      permission: BLOBS_READ,
      complete: {
        // The newest blobs whose hash starts with what was typed.
        async sha256(value) {
          const prefix = value.toLowerCase();
          if (!/^[0-9a-f]{0,64}$/.test(prefix)) return { values: [] };
          const page = await blobs.list({ sha256Prefix: prefix, limit: 100 });
          return { values: page.items.map((r) => r.sha256), hasMore: page.nextCursor !== undefined };
        },
      },
      async read(uri, variables) {
        const raw = variables.sha256;
        const sha256 = Array.isArray(raw) ? raw.join(',') : (raw ?? '');
        const record = await blobs.get(sha256);
        if (!record) throw new PorticoError('not_found', `Resource not found: ${uri}`, { details: { uri } });
        const limit = blobs.limits.maxInlineBytes;
        if (record.size > limit) {
          const url = downloadUrl(options.publicUrl, sha256);
          throw new PorticoError('payload_too_large', `This blob is ${record.size} bytes, more than blobs.maxInlineBytes (${limit}); download it from ${url}`, {
            details: { size: record.size, maxInlineBytes: limit, downloadUrl: url },
          });
        }
        const { stream } = await blobs.open(sha256);
        const bytes = await readAll(stream, limit);
        const text = isTextMimeType(record.mimeType) ? utf8(bytes) : undefined;
        const meta = { filename: record.filename, size: record.size };
        return {
          contents: [text !== undefined ? { uri, mimeType: record.mimeType, text, _meta: meta } : { uri, mimeType: record.mimeType, blob: bytes.toString('base64'), _meta: meta }],
        };
      },
    },
  ];
}
