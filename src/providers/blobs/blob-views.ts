/**
 * How blobs look to MCP clients: the JSON shape of a record (snake_case like the REST API), and
 * tool results that carry a stable error code instead of a bare message.
 */
import type { CallToolResult, JsonObject } from '../../core/catalog/mcp-shapes.js';
import { PorticoError } from '../../core/errors.js';
import type { BlobRecord, BlobService } from './blob-service.js';

/** A blob record as MCP and REST show it. */
export interface BlobView {
  uri: string;
  sha256: string;
  filename: string;
  mime_type: string;
  size: number;
  owner_id: string | null;
  created_at: string;
  metadata: Record<string, unknown>;
}

export function blobView(blobs: BlobService, record: BlobRecord): BlobView {
  return {
    uri: blobs.uriFor(record.sha256),
    sha256: record.sha256,
    filename: record.filename,
    mime_type: record.mimeType,
    size: record.size,
    owner_id: record.ownerId,
    created_at: record.createdAt,
    metadata: record.metadata,
  };
}

export const blobViewSchema: JsonObject = {
  type: 'object',
  properties: {
    uri: { type: 'string' },
    sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    filename: { type: 'string' },
    mime_type: { type: 'string' },
    size: { type: 'integer', minimum: 0 },
    owner_id: { type: ['string', 'null'] },
    created_at: { type: 'string' },
    metadata: { type: 'object' },
  },
  required: ['uri', 'sha256', 'filename', 'mime_type', 'size', 'owner_id', 'created_at', 'metadata'],
};

export function jsonResult(value: JsonObject): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value) }], structuredContent: value };
}

/**
 * Run a tool body; a caller-fault PorticoError becomes an error result whose text is
 * `{"error":{"code","message","details"}}`, so agents can branch on the code. Internal errors and
 * cancellation go to the pipeline, which hides or propagates them.
 */
export async function withErrorCodes(run: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await run();
  } catch (err) {
    if (!(err instanceof PorticoError) || err.code === 'internal_error' || err.code === 'cancelled') throw err;
    const error: JsonObject = { code: err.code, message: err.message };
    if (err.details !== undefined) error.details = err.details;
    return { content: [{ type: 'text', text: JSON.stringify({ error }) }], isError: true };
  }
}
