/**
 * The audit trail and rate limit for the blob REST routes. They stream bodies, so they do not run through the
 * pipeline's tool and resource calls; they record the same events those would (a REST upload is
 * the `upload_blob` tool's event, a download the read of `portico://blobs/{sha256}`), so the
 * trail reads the same whichever surface was used.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuditOutcome, AuditSink, CallAction } from '../../../core/pipeline/audit-sink.js';
import type { Pipeline } from '../../../core/pipeline/pipeline.js';
import type { BlobService } from '../../../providers/blobs/blob-service.js';

const details = new WeakMap<FastifyRequest, Record<string, unknown>>();

/** Attach what the audit event should say about this request (e.g. the stored blob's hash). */
export function auditDetails(request: FastifyRequest, values: Record<string, unknown>): void {
  details.set(request, { ...details.get(request), ...values });
}

function outcomeOf(status: number): AuditOutcome {
  if (status < 400) return 'ok';
  if (status === 403) return 'denied';
  if (status === 404) return 'not_found';
  if (status === 429) return 'rate_limited';
  if (status < 500) return 'invalid';
  return 'error';
}

/** The call a blob route stands for (what the MCP tools and resources would record). */
export function blobEventOf(request: FastifyRequest, blobs: BlobService): { action: CallAction; target: string } | undefined {
  const route = request.routeOptions.url ?? '';
  const sha = String((request.params as { sha256?: unknown } | undefined)?.sha256 ?? '').slice(0, 100);
  if (route.endsWith('/blobs/:sha256')) {
    return request.method === 'DELETE' ? { action: 'tools/call', target: 'delete_blob' } : { action: 'resources/read', target: blobs.uriFor(sha) };
  }
  if (route.endsWith('/blobs')) return { action: 'tools/call', target: request.method === 'POST' ? 'upload_blob' : 'list_blobs' };
  return undefined;
}

/** Blob transfers take from the caller's rate limit like the tools they stand for. */
export function registerBlobRateLimit(app: FastifyInstance, pipeline: Pipeline, blobs: BlobService): void {
  app.addHook('preHandler', async (request) => {
    const event = blobEventOf(request, blobs);
    if (!request.principal || !event) return;
    await pipeline.admit({ principal: request.principal, surface: 'rest', requestId: request.id }, event.action, event.target);
  });
}

export function registerBlobAudit(app: FastifyInstance, audit: AuditSink, blobs: BlobService): void {
  app.addHook('onResponse', async (request, reply) => {
    const principal = request.principal;
    const event = blobEventOf(request, blobs);
    // Refused credentials are recorded by the authenticator; here only authenticated calls.
    if (!principal || !event) return;
    const code = reply.statusCode;
    // The rate limiter records its own refusals (pipeline.admit).
    if (code === 429) return;
    const extra = details.get(request);
    audit.record({
      atMs: Date.now(),
      principalId: principal.id,
      principalName: principal.name,
      surface: 'rest',
      action: event.action,
      target: event.target,
      outcome: outcomeOf(code),
      durationMs: reply.elapsedTime,
      requestId: request.id,
      ...(code >= 400 ? { errorCode: String(code) } : {}),
      ...(extra ? { details: extra } : {}),
    });
  });
}
