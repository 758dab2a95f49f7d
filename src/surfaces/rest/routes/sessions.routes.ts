/**
 * /api/v1/sessions: the live legacy MCP sessions (Streamable HTTP with Mcp-Session-Id, and the old
 * HTTP+SSE transport). Everyone sees and closes their own; `sessions:manage` (and admin) see and
 * close all. Someone else's session is "not found", never "forbidden": its id is not disclosed.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PorticoError } from '../../../core/errors.js';
import type { Principal } from '../../../core/identity/principal.js';
import type { AuditSink } from '../../../core/pipeline/audit-sink.js';
import type { Pipeline } from '../../../core/pipeline/pipeline.js';
import { auditAdmin } from '../../../auth/audit/audit-events.js';
import { authenticateRequest } from '../../http/request-principal.js';
import { errorResponses } from '../error-schema.js';

/** What the view needs of a live session (the MCP surface's LegacySession satisfies it). */
export interface SessionEntry {
  readonly id: string;
  readonly kind: 'streamable' | 'sse';
  readonly principalId: string;
  readonly principal: Pick<Principal, 'name'>;
  readonly createdAt: number;
  readonly lastSeen: number;
  readonly client?: { name?: string; version?: string; protocolVersion?: string } | undefined;
  readonly calls: number;
  readonly openStreams: number;
  /** The SDK server, which learns the client and the revision at initialize (what SSE sessions do not record). */
  readonly server?: { getClientVersion(): { name?: string; version?: string } | undefined; getNegotiatedProtocolVersion?(): string | undefined };
  close(): Promise<void>;
}

/** The live sessions (the MCP surface's SessionRegistry satisfies it). */
export interface SessionDirectory {
  list(): readonly SessionEntry[];
  /** Forget a session (it is then closed by the caller). */
  remove(id: string): void;
}

export interface SessionRouteDeps {
  pipeline: Pipeline;
  sessions: SessionDirectory;
  /** Closing a session is an administrative change. */
  audit?: AuditSink | undefined;
}

const MANAGE = 'sessions:manage';
const OWN = 'sessions:own';

const sessionSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['streamable', 'sse']).describe('Streamable HTTP (Mcp-Session-Id) or the legacy HTTP+SSE transport'),
    principal_id: z.string(),
    principal_name: z.string(),
    created_at: z.string().describe('ISO-8601 UTC'),
    last_activity_at: z.string().describe('ISO-8601 UTC'),
    client: z.object({ name: z.string().nullable(), version: z.string().nullable() }),
    protocol_version: z.string().nullable().describe('MCP revision negotiated at initialize'),
    calls: z.number().int().describe('Tool calls, reads and prompt gets in this session'),
    open_streams: z.number().int(),
  })
  .meta({ id: 'McpSession' });

function toBody(s: SessionEntry): z.output<typeof sessionSchema> {
  let client = s.client;
  let revision = s.client?.protocolVersion;
  try {
    if (!client?.name) client = { ...s.server?.getClientVersion(), ...client };
    revision ??= s.server?.getNegotiatedProtocolVersion?.();
  } catch {
    // not initialized yet
  }
  return {
    id: s.id,
    kind: s.kind,
    principal_id: s.principalId,
    principal_name: s.principal.name,
    created_at: new Date(s.createdAt).toISOString(),
    last_activity_at: new Date(s.lastSeen).toISOString(),
    client: { name: client?.name ?? null, version: client?.version ?? null },
    protocol_version: revision ?? null,
    calls: s.calls,
    open_streams: s.openStreams,
  };
}

export async function sessionRoutes(app: FastifyInstance, deps: SessionRouteDeps): Promise<void> {
  app.addHook('onRequest', authenticateRequest(deps.pipeline));
  const api = app.withTypeProvider<ZodTypeProvider>();
  const manages = (p: Principal) => p.permissions.allows(MANAGE);

  api.get(
    '/sessions',
    {
      schema: {
        tags: ['sessions'],
        summary: `List live MCP sessions: your own, or all with ${MANAGE}`,
        querystring: z.object({ principal: z.string().min(1).max(200).optional().describe(`${MANAGE} only: sessions of one principal`) }),
        response: { 200: z.object({ items: z.array(sessionSchema) }).meta({ id: 'McpSessionList' }), ...errorResponses },
      },
    },
    async (request) => {
      const principal = request.principal!;
      const all = manages(principal);
      if (!all && !principal.permissions.allows(OWN)) throw new PorticoError('forbidden', `Listing MCP sessions needs "${OWN}" or "${MANAGE}".`);
      const only = all ? request.query.principal : principal.id;
      const items = deps.sessions
        .list()
        .filter((s) => only === undefined || s.principalId === only)
        .sort((a, b) => b.lastSeen - a.lastSeen)
        .map(toBody);
      return { items };
    },
  );

  api.delete(
    '/sessions/:id',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Close an MCP session (yours, or any with sessions:manage)',
        params: z.object({ id: z.string().min(1).max(200) }),
        response: { 204: z.undefined().describe('Closed'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const principal = request.principal!;
      const session = deps.sessions.list().find((s) => s.id === request.params.id);
      const mayClose = session !== undefined && (session.principalId === principal.id ? principal.permissions.allows(OWN) || manages(principal) : manages(principal));
      if (!session || !mayClose) throw new PorticoError('not_found', 'No such session.');
      deps.sessions.remove(session.id);
      await session.close().catch((err: unknown) => request.log.warn({ err, session: session.id }, 'session did not close cleanly'));
      if (deps.audit) {
        auditAdmin(deps.audit, {
          action: 'admin/sessions',
          target: session.id,
          operation: 'close',
          actor: { principal, surface: 'rest', requestId: request.id },
          details: { owner: session.principalId, kind: session.kind },
        });
      }
      return reply.status(204).send();
    },
  );
}
