/**
 * /api/v1/blobs: blob storage over REST, through the same BlobService as the MCP tools.
 *
 * - POST /blobs: the body is the file (`?filename=` or `X-Filename`, type from `Content-Type`),
 *   or `multipart/form-data` with one file part. Streamed to disk, never buffered; the limit
 *   (`blobs.maxBytes`) is enforced while streaming and a refused upload stores nothing (413
 *   `payload_too_large`). 201 when stored, 200 when identical content already was.
 * - GET /blobs: list (filters, cursor pagination). GET/HEAD /blobs/{sha256}: the content,
 *   streamed, with Range, ETag / If-None-Match and a safe Content-Disposition. DELETE.
 *
 * Permissions: `blobs:read` to list and download, `blobs:write` to upload and delete (your own;
 * `blobs:manage` for anyone's). This plugin swaps the JSON body parser for a pass-through, so the
 * global body limit applies to every other route but not to uploads.
 */
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PorticoError } from '../../../core/errors.js';
import type { AuditSink } from '../../../core/pipeline/audit-sink.js';
import type { Pipeline } from '../../../core/pipeline/pipeline.js';
import type { BlobService, PutBlobResult } from '../../../providers/blobs/blob-service.js';
import type { BlobSource } from '../../../store/blobs/blob-store.js';
import { blobView } from '../../../providers/blobs/blob-views.js';
import { authenticateRequest } from '../../http/request-principal.js';
import { errorResponses, errorSchema } from '../error-schema.js';
import { auditDetails, registerBlobAudit, registerBlobRateLimit } from './blob-audit.js';
import { contentDisposition, etagOf, matchesIfNoneMatch, parseRange } from './blob-http.js';
import { principalOf, requirePermission } from './identity-route-support.js';

export interface BlobRouteDeps {
  pipeline: Pipeline;
  blobs: BlobService;
  /** Records uploads, downloads, lists and deletes (as the matching tool or resource events). */
  audit?: AuditSink | undefined;
}

const READ = 'blobs:read';
const WRITE = 'blobs:write';
const SHA256 = /^[0-9a-f]{64}$/;

const blobSchema = z
  .object({
    uri: z.string(),
    sha256: z.string(),
    filename: z.string(),
    mime_type: z.string(),
    size: z.number().int(),
    owner_id: z.string().nullable(),
    created_at: z.string(),
    metadata: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'Blob' });

const storedBlobSchema = blobSchema.extend({ deduplicated: z.boolean().describe('True when identical content was already stored') }).meta({ id: 'StoredBlob' });

const metadataParam = z
  .string()
  .max(16 * 1024)
  .transform((text, ctx) => {
    try {
      const value = JSON.parse(text) as unknown;
      if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    } catch {
      /* reported below */
    }
    ctx.addIssue({ code: 'custom', message: 'a JSON object' });
    return z.NEVER;
  });

const shaParams = z.object({ sha256: z.string().max(200).describe('64 lower-case hex digits') });

function checkedSha(sha256: string): string {
  if (!SHA256.test(sha256)) throw new PorticoError('validation_failed', 'A blob id is a SHA-256: 64 lower-case hex digits.');
  return sha256;
}

/** Aborted when the client goes away before the body is complete: the staged upload is dropped. */
function abortOnDisconnect(request: FastifyRequest): AbortSignal {
  const controller = new AbortController();
  request.raw.once('close', () => {
    if (!request.raw.complete) controller.abort();
  });
  return controller.signal;
}

export async function blobRoutes(app: FastifyInstance, deps: BlobRouteDeps): Promise<void> {
  const { blobs } = deps;
  const maxBytes = blobs.limits.maxBytes;
  app.addHook('onRequest', authenticateRequest(deps.pipeline));
  registerBlobRateLimit(app, deps.pipeline, blobs);
  if (deps.audit) registerBlobAudit(app, deps.audit, blobs);
  // Only this plugin: uploads stream through untouched instead of being read (and limited) as JSON.
  app.removeAllContentTypeParsers();
  // One file part; its size is counted by the blob store (the same limit and error as raw bodies).
  await app.register(multipart, { limits: { fileSize: maxBytes + 1, files: 1, fields: 8, fieldSize: 16 * 1024, parts: 10 }, throwFileSizeLimit: false });
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
  // A refused upload leaves the rest of its body unread: don't keep the connection for it.
  app.addHook('onError', async (request, reply) => {
    if (request.method === 'POST' && !request.raw.complete) void reply.header('connection', 'close');
  });
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post(
    '/blobs',
    {
      schema: {
        tags: ['blobs'],
        summary: 'Upload a blob: the raw body (with ?filename= or X-Filename) or multipart/form-data with one file part',
        querystring: z.object({
          filename: z.string().min(1).max(255).optional().describe('Raw uploads: the filename (or the X-Filename header). Multipart: overrides the part’s filename'),
          mime_type: z.string().min(1).max(255).optional().describe('Declared MIME type, overriding Content-Type (or the part’s type)'),
          metadata: metadataParam.optional().describe('JSON object stored with the blob (multipart: also a `metadata` field before the file)'),
        }),
        response: { 200: storedBlobSchema, 201: storedBlobSchema, 413: errorSchema, 415: errorSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      requirePermission(request, WRITE);
      const principal = principalOf(request);
      const declaredLength = Number(request.headers['content-length']);
      if (Number.isFinite(declaredLength) && declaredLength > maxBytes && !request.isMultipart()) {
        throw new PorticoError('payload_too_large', `The blob is larger than the limit of ${maxBytes} bytes.`, { details: { maxBytes } });
      }
      const signal = abortOnDisconnect(request);
      let source: BlobSource;
      let filename = request.query.filename;
      let mimeType = request.query.mime_type;
      let metadata = request.query.metadata;
      if (request.isMultipart()) {
        const part = await request.file();
        if (!part) throw new PorticoError('validation_failed', 'The multipart body has no file part.');
        filename ??= part.filename;
        mimeType ??= part.mimetype;
        const field = part.fields.metadata;
        if (metadata === undefined && field && !Array.isArray(field) && field.type === 'field') {
          const parsed = metadataParam.safeParse(String(field.value));
          if (!parsed.success) throw new PorticoError('validation_failed', 'The `metadata` field is not a JSON object.');
          metadata = parsed.data;
        }
        source = part.file;
      } else {
        const header = request.headers['x-filename'];
        if (filename === undefined && typeof header === 'string') {
          try {
            filename = decodeURIComponent(header);
          } catch {
            throw new PorticoError('validation_failed', 'X-Filename is not valid percent-encoding.');
          }
        }
        mimeType ??= request.headers['content-type'];
        source = request.raw;
      }
      if (!filename) throw new PorticoError('validation_failed', 'A filename is required: ?filename=, X-Filename, or the multipart part’s filename.');
      auditDetails(request, { arguments: { filename, mime_type: mimeType ?? null } });
      const stored: PutBlobResult = await blobs.put(source, { filename, mimeType, owner: principal.id, metadata, signal });
      auditDetails(request, { sha256: stored.sha256, size: stored.size, deduplicated: stored.deduplicated });
      void reply.header('location', `/api/v1/blobs/${stored.sha256}`);
      return reply.status(stored.deduplicated ? 200 : 201).send({ ...blobView(blobs, stored), deduplicated: stored.deduplicated });
    },
  );

  api.get(
    '/blobs',
    {
      schema: {
        tags: ['blobs'],
        summary: 'List blobs, newest first',
        querystring: z.object({
          mime_type: z.string().min(1).max(255).optional().describe('MIME type prefix, e.g. image/'),
          filename: z.string().min(1).max(255).optional().describe('Case-insensitive filename substring'),
          owner_id: z.string().min(1).max(200).optional().describe('Only blobs uploaded by this principal id'),
          cursor: z.string().min(1).max(500).optional(),
          limit: z.coerce.number().int().min(1).max(100).default(50),
        }),
        response: { 200: z.object({ items: z.array(blobSchema), next_cursor: z.string().nullable() }).meta({ id: 'BlobList' }), ...errorResponses },
      },
    },
    async (request) => {
      requirePermission(request, READ);
      const q = request.query;
      const page = await blobs.list({ mimePrefix: q.mime_type, filename: q.filename, ownerId: q.owner_id, cursor: q.cursor, limit: q.limit });
      return { items: page.items.map((r) => blobView(blobs, r)), next_cursor: page.nextCursor ?? null };
    },
  );

  api.route({
    method: ['GET', 'HEAD'],
    url: '/blobs/:sha256',
    schema: {
      tags: ['blobs'],
      summary: 'Download a blob (streamed; Range, ETag/If-None-Match supported)',
      params: shaParams,
      response: { 416: errorSchema, ...errorResponses },
    },
    handler: async (request, reply) => download(request, reply, checkedSha(request.params.sha256)),
  });

  async function download(request: FastifyRequest, reply: FastifyReply, sha256: string): Promise<FastifyReply> {
    requirePermission(request, READ);
    const record = await blobs.get(sha256);
    if (!record) throw new PorticoError('not_found', 'No blob has this SHA-256.');
    const etag = etagOf(sha256);
    void reply
      .header('etag', etag)
      .header('accept-ranges', 'bytes')
      // The bytes behind a hash never change; the credential makes it private.
      .header('cache-control', 'private, max-age=31536000, immutable')
      .header('content-disposition', contentDisposition(record.filename));
    if (matchesIfNoneMatch(request.headers['if-none-match'], etag)) return reply.status(304).send();
    const ifRange = request.headers['if-range'];
    const wanted = ifRange === undefined || ifRange === etag ? parseRange(request.headers.range, record.size) : ({ kind: 'none' } as const);
    if (wanted.kind === 'unsatisfiable') {
      void reply.header('content-range', `bytes */${record.size}`);
      throw new PorticoError('range_not_satisfiable', undefined, { details: { size: record.size } });
    }
    const range = wanted.kind === 'range' ? wanted.range : undefined;
    const length = range ? range.end - range.start + 1 : record.size;
    void reply.type(record.mimeType).header('content-length', String(length));
    if (range) void reply.status(206).header('content-range', `bytes ${range.start}-${range.end}/${record.size}`);
    if (request.method === 'HEAD') return reply.send();
    const { stream } = await blobs.open(sha256, range);
    return reply.send(stream);
  }

  api.delete(
    '/blobs/:sha256',
    {
      schema: { tags: ['blobs'], summary: 'Delete a blob (yours, or any with blobs:manage)', params: shaParams, response: { 204: z.undefined(), ...errorResponses } },
    },
    async (request, reply) => {
      requirePermission(request, WRITE);
      const sha256 = checkedSha(request.params.sha256);
      auditDetails(request, { arguments: { sha256 } });
      if (!(await blobs.delete(sha256, principalOf(request)))) throw new PorticoError('not_found', 'No blob has this SHA-256.');
      return reply.status(204).send();
    },
  );
}
