/**
 * GET /api/v1/audit: the audit trail, newest first, filtered and paged with an opaque cursor.
 * `audit:read` (and admin) see everyone's events; `audit:own` only the caller's own; anyone else
 * gets a 403. Details were redacted and truncated when stored.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PorticoError } from '../../../core/errors.js';
import type { Pipeline } from '../../../core/pipeline/pipeline.js';
import type { AuditPage, AuditQuery, AuditRow } from '../../../store/repositories/audit.repository.js';
import { AUDIT_ID } from '../../../store/repositories/audit.repository.js';
import { authenticateRequest } from '../../http/request-principal.js';
import { errorResponses } from '../error-schema.js';

/** What the routes need of the audit trail (the runtime's DbAuditSink). */
export interface AuditReader {
  read(query: AuditQuery): Promise<AuditPage>;
}

export interface AuditRouteDeps {
  pipeline: Pipeline;
  audit: AuditReader;
}

const READ_ALL = 'audit:read';
const READ_OWN = 'audit:own';

const isoTime = z
  .string()
  .refine((v) => Number.isFinite(Date.parse(v)), 'an ISO-8601 date-time')
  .transform((v) => new Date(v).toISOString());

const auditEventSchema = z
  .object({
    id: z.string(),
    at: z.string().describe('ISO-8601 UTC'),
    principal_id: z.string(),
    principal_name: z.string(),
    surface: z.string().describe('mcp, mcp-legacy, mcp-sse, stdio, rest, cli, ui, internal'),
    action: z.string().describe('tools/call, resources/read, prompts/get, completion/complete, auth/…, admin/…'),
    target: z.string().describe('Tool or prompt name, resource URI, account, key id, role…'),
    outcome: z.string(),
    duration_ms: z.number(),
    request_id: z.string(),
    session_id: z.string().nullable(),
    client: z.string().nullable().describe('Client program name/version, when known'),
    error_code: z.string().nullable(),
    details: z.unknown().nullable().describe('Arguments or change details, redacted and truncated'),
  })
  .meta({ id: 'AuditEvent' });

const auditPageSchema = z
  .object({
    items: z.array(auditEventSchema),
    next_cursor: z.string().nullable().describe('Pass as `cursor` for older events; null on the last page'),
  })
  .meta({ id: 'AuditEventPage' });

function parseDetails(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

const toBody = (r: AuditRow): z.output<typeof auditEventSchema> => ({
  id: r.id,
  at: r.at,
  principal_id: r.principal_id,
  principal_name: r.principal_name,
  surface: r.surface,
  action: r.action,
  target: r.target,
  outcome: r.outcome,
  duration_ms: r.duration_ms,
  request_id: r.request_id,
  session_id: r.session_id,
  client: r.client,
  error_code: r.error_code,
  details: parseDetails(r.details),
});

export async function auditRoutes(app: FastifyInstance, deps: AuditRouteDeps): Promise<void> {
  app.addHook('onRequest', authenticateRequest(deps.pipeline));
  app.withTypeProvider<ZodTypeProvider>().get(
    '/audit',
    {
      schema: {
        tags: ['audit'],
        summary: 'Read the audit trail (newest first)',
        description: `Everyone's events with "${READ_ALL}" (or admin); only your own with "${READ_OWN}".`,
        querystring: z.object({
          principal: z.string().min(1).max(200).optional().describe('Principal id, e.g. user:…, key:…, oidc:…'),
          action: z.string().min(1).max(40).optional(),
          outcome: z.string().min(1).max(20).optional(),
          target: z.string().min(1).max(2000).optional().describe('Targets starting with this'),
          since: isoTime.optional().describe('ISO-8601, inclusive'),
          until: isoTime.optional().describe('ISO-8601, inclusive'),
          cursor: z.string().regex(AUDIT_ID, 'a cursor from a previous page').optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
        response: { 200: auditPageSchema, ...errorResponses },
      },
    },
    async (request) => {
      const principal = request.principal!;
      const q = request.query;
      let principalId = q.principal;
      if (!principal.permissions.allows(READ_ALL)) {
        if (!principal.permissions.allows(READ_OWN)) throw new PorticoError('forbidden', `Reading the audit trail needs "${READ_ALL}" or "${READ_OWN}".`);
        if (principalId !== undefined && principalId !== principal.id) throw new PorticoError('forbidden', `Reading others' events needs "${READ_ALL}".`);
        principalId = principal.id;
      }
      const page = await deps.audit.read({
        principalId,
        action: q.action,
        outcome: q.outcome,
        targetPrefix: q.target,
        since: q.since,
        until: q.until,
        before: q.cursor,
        limit: q.limit,
      });
      return { items: page.events.map(toBody), next_cursor: page.nextCursor ?? null };
    },
  );
}
