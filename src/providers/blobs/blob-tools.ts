/**
 * Blob tools: `upload_blob` (base64 content; for large files use `POST /api/v1/blobs`),
 * `list_blobs` and `delete_blob`. Their permissions are `blobs:write` / `blobs:read`, so a
 * principal without `blobs:write` never sees the writing tools.
 */
import type { ToolEntry } from '../../core/catalog/entries.js';
import { PorticoError } from '../../core/errors.js';
import type { BlobService } from './blob-service.js';
import { blobView, blobViewSchema, jsonResult, withErrorCodes } from './blob-views.js';
import { MAX_PAGE } from './create-blob-service.js';

export const BLOBS_READ = 'blobs:read';
export const BLOBS_WRITE = 'blobs:write';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decode strict base64 (whitespace ignored), refusing before allocating when over the limit. */
export function decodeBase64(text: string, maxBytes: number): Buffer {
  const compact = text.replace(/\s+/g, '');
  const decodedLength = (compact.length / 4) * 3 - (compact.endsWith('==') ? 2 : compact.endsWith('=') ? 1 : 0);
  if (decodedLength > maxBytes) {
    throw new PorticoError('payload_too_large', `The blob is larger than the limit of ${maxBytes} bytes.`, { details: { maxBytes } });
  }
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) throw new PorticoError('validation_failed', '`content` is not valid base64.');
  return Buffer.from(compact, 'base64');
}

export function blobTools(blobs: BlobService, source: string): ToolEntry[] {
  return [
    {
      kind: 'tool',
      source,
      name: 'upload_blob',
      title: 'Upload blob',
      description:
        'Store a file in content-addressed blob storage. Returns its URI (portico://blobs/{sha256}), SHA-256 and size. Storing identical bytes again returns the existing blob. The MIME type is sniffed from the content and must agree with `mime_type` when given. For files larger than a request body allows, use POST /api/v1/blobs.',
      permission: BLOBS_WRITE,
      annotations: { title: 'Upload blob', readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
      inputSchema: {
        type: 'object',
        properties: {
          filename: { type: 'string', minLength: 1, maxLength: 255, description: 'Name to show and download the file as (no slashes).' },
          content: { type: 'string', description: 'The file content, base64-encoded.' },
          mime_type: { type: 'string', maxLength: 255, description: 'Declared MIME type; omit to use the sniffed one.' },
          metadata: { type: 'object', description: 'Free-form JSON object stored with the blob (at most 16 KiB).' },
        },
        required: ['filename', 'content'],
        additionalProperties: false,
      },
      outputSchema: {
        type: 'object',
        properties: { ...(blobViewSchema.properties as object), deduplicated: { type: 'boolean' } },
        required: [...(blobViewSchema.required as string[]), 'deduplicated'],
      },
      handler: (args, ctx) =>
        withErrorCodes(async () => {
          const bytes = decodeBase64(args.content as string, blobs.limits.maxBytes);
          const stored = await blobs.put(bytes, {
            filename: args.filename as string,
            mimeType: args.mime_type as string | undefined,
            owner: ctx.principal.id,
            metadata: args.metadata as Record<string, unknown> | undefined,
            signal: ctx.signal,
          });
          const view = { ...blobView(blobs, stored), deduplicated: stored.deduplicated };
          const result = jsonResult(view);
          result.content.push({ type: 'resource_link', uri: blobs.uriFor(stored.sha256), name: stored.filename, mimeType: stored.mimeType, size: stored.size });
          return result;
        }),
    },
    {
      kind: 'tool',
      source,
      name: 'list_blobs',
      title: 'List blobs',
      description: 'List stored blobs, newest first. Filter by MIME type prefix (e.g. "image/") and by a filename substring; page with `cursor`.',
      permission: BLOBS_READ,
      annotations: { title: 'List blobs', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
      inputSchema: {
        type: 'object',
        properties: {
          mime_type: { type: 'string', maxLength: 255, description: 'MIME type prefix, e.g. "image/" or "application/pdf".' },
          filename: { type: 'string', maxLength: 255, description: 'Case-insensitive substring of the filename.' },
          cursor: { type: 'string', maxLength: 500, description: 'From `next_cursor` of the previous page.' },
          limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE, default: 50 },
        },
        additionalProperties: false,
      },
      outputSchema: {
        type: 'object',
        properties: { blobs: { type: 'array', items: blobViewSchema }, next_cursor: { type: ['string', 'null'] } },
        required: ['blobs', 'next_cursor'],
      },
      handler: (args) =>
        withErrorCodes(async () => {
          const page = await blobs.list({
            mimePrefix: args.mime_type as string | undefined,
            filename: args.filename as string | undefined,
            cursor: args.cursor as string | undefined,
            limit: (args.limit as number | undefined) ?? 50,
          });
          return jsonResult({ blobs: page.items.map((r) => blobView(blobs, r)), next_cursor: page.nextCursor ?? null });
        }),
    },
    {
      kind: 'tool',
      source,
      name: 'delete_blob',
      title: 'Delete blob',
      description: 'Delete a blob you uploaded (any blob with blobs:manage). Deleting one that is not there reports deleted: false.',
      permission: BLOBS_WRITE,
      annotations: { title: 'Delete blob', readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
      inputSchema: {
        type: 'object',
        properties: { sha256: { type: 'string', description: 'The blob id: 64 lower-case hex digits.' } },
        required: ['sha256'],
        additionalProperties: false,
      },
      outputSchema: { type: 'object', properties: { sha256: { type: 'string' }, deleted: { type: 'boolean' } }, required: ['sha256', 'deleted'] },
      handler: (args, ctx) =>
        withErrorCodes(async () => {
          const sha256 = args.sha256 as string;
          return jsonResult({ sha256, deleted: await blobs.delete(sha256, ctx.principal) });
        }),
    },
  ];
}
