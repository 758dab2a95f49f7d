/**
 * /api/v1/upstreams: the upstream MCP servers Portico connects to (seed 003's API). Connect, list,
 * inspect and disconnect here; use their tools, resources and prompts directly through
 * `upstream-relay.routes.ts`. Everything needs `upstreams:manage` (admins by default): adding an
 * upstream makes this server open connections or run a command. Bodies that fail validation are
 * 422 (`unprocessable_content`), as in seed 003. Credentials are write-only: no response, log
 * line or audit event carries one.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { GatewayConfig } from '../../../config/sections/gateway.js';
import { PorticoError } from '../../../core/errors.js';
import type { AuditSink } from '../../../core/pipeline/audit-sink.js';
import type { Pipeline } from '../../../core/pipeline/pipeline.js';
import type { Gateway } from '../../../gateway/gateway.js';
import { upstreamToolAllowed } from '../../../gateway/upstream-definition.js';
import type { UpstreamRegistry, UpstreamView } from '../../../gateway/upstream-registry.js';
import { UPSTREAM_OAUTH_CALLBACK_PATH } from '../../../gateway/upstream-oauth-flow.js';
import { fromFastifyError } from '../../http/error-reply.js';
import { authenticateRequest } from '../../http/request-principal.js';
import { connectBodySchema, definitionFromConnectBody, outboundUrls } from '../upstream-connect-body.js';
import { principalOf, requirePermission } from './identity-route-support.js';
import { upstreamErrorResponses, upstreamFor } from './upstream-route-support.js';
import { registerUpstreamRelayRoutes } from './upstream-relay.routes.js';

export const UPSTREAMS_MANAGE = 'upstreams:manage';

export interface UpstreamRouteDeps {
  pipeline: Pipeline;
  gateway: Gateway;
  registry: UpstreamRegistry;
  /** Whether stdio upstreams may be added here (config `gateway.allowStdioFromApi`); URLs are checked by the gateway. */
  gatewayConfig: Pick<GatewayConfig, 'allowStdioFromApi'>;
  /** Where relayed calls are recorded (the pipeline's audit trail). */
  audit?: AuditSink | undefined;
  /** External base URL (config `server.publicUrl`) for the OAuth redirect; default: the request's origin. */
  publicUrl?: string | undefined;
}


const idParams = z.object({ id: z.string().min(1).max(128).describe('The upstream’s `client_id`') });

const upstreamSummarySchema = z
  .object({
    client_id: z.string(),
    name: z.string(),
    namespace: z.string().describe('Prefix of its tools and prompts in Portico’s catalog (empty: none)'),
    source: z.enum(['config', 'api']).describe('`config`: declared in the config file (not removable here)'),
    created_at: z.string(),
    transport: z.enum(['stdio', 'sse', 'http']),
    auth_type: z.enum(['none', 'bearer', 'headers', 'oauth']),
    mcp_url: z.string().nullable(),
    command: z.array(z.string()).nullable().describe('stdio: the command line'),
    last_activity: z.string().nullable(),
    status: z.enum(['connected', 'connecting', 'degraded', 'disconnected']),
    reason: z.string().nullable().describe('Why it is degraded or disconnected'),
    enabled: z.boolean(),
    isolation: z.enum(['shared', 'per-principal', 'per-session']),
    counts: z.object({ tools: z.number(), resources: z.number(), resourceTemplates: z.number(), prompts: z.number() }),
  })
  .meta({ id: 'UpstreamSummary' });

const looseList = z.array(z.record(z.string(), z.unknown()));

export function toUpstreamSummary(view: UpstreamView): z.output<typeof upstreamSummarySchema> {
  const status = view.status;
  const transport = view.definition.transport;
  return {
    client_id: view.id,
    name: view.name,
    namespace: view.definition.namespace,
    source: view.source,
    created_at: view.createdAt,
    transport: transport.type,
    auth_type: view.definition.auth.type,
    mcp_url: view.url ?? null,
    command: transport.type === 'stdio' ? [transport.command, ...transport.args] : null,
    last_activity: (status?.lastActivityAt ?? status?.connectedAt)?.toISOString() ?? null,
    status: status?.health ?? 'disconnected',
    reason: status?.reason ?? view.lastError ?? (view.definition.enabled ? null : 'disabled'),
    enabled: view.definition.enabled,
    isolation: view.definition.isolation,
    counts: status?.counts ?? { tools: 0, resources: 0, resourceTemplates: 0, prompts: 0 },
  };
}

export async function upstreamRoutes(app: FastifyInstance, deps: UpstreamRouteDeps): Promise<void> {
  const { registry, gateway } = deps;
  const redirectUri = (request: FastifyRequest) => `${(deps.publicUrl ?? `${request.protocol}://${request.host}`).replace(/\/$/, '')}${UPSTREAM_OAUTH_CALLBACK_PATH}`;
  app.addHook('onRequest', authenticateRequest(deps.pipeline));
  app.addHook('preHandler', async (request) => requirePermission(request, UPSTREAMS_MANAGE));
  // Seed 003 answers an invalid body with 422; the rest of the REST API keeps 400.
  app.setErrorHandler((err, _request, _reply) => {
    const error = fromFastifyError(err as Error);
    if (error.code === 'validation_failed') throw new PorticoError('unprocessable_content', error.message, { details: error.details });
    throw error;
  });
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post(
    '/upstreams',
    {
      schema: {
        tags: ['upstreams'],
        summary: 'Connect an upstream MCP server (stdio, SSE or Streamable HTTP) and federate it',
        description:
          'Connects once before answering: an upstream that cannot be reached is a 502 (timeout: 408) and nothing is kept. URLs pointing at private, link-local or metadata addresses are refused (403 `ssrf_refused`) unless allowed by `gateway.allowedHosts`; loopback is allowed unless `gateway.allowLoopback` is off.',
        body: connectBodySchema,
        response: {
          201: z
            .object({
              status: z.enum(['connected', 'disabled', 'authorization_required']),
              client_id: z.string(),
              name: z.string(),
              tools: looseList,
              resources: looseList,
              prompts: looseList,
              message: z.string(),
              authorization_url: z.string().optional().describe('authorization_required: open this in a browser to authorize Portico at the upstream'),
            })
            .meta({ id: 'UpstreamConnected' }),
          ...upstreamErrorResponses,
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (body.transport === 'stdio' && !deps.gatewayConfig.allowStdioFromApi) throw new PorticoError('forbidden', 'Adding stdio upstreams through the API is turned off (gateway.allowStdioFromApi).');
      const input = definitionFromConnectBody(body, `upstream-${randomUUID().slice(0, 8)}`);
      for (const url of outboundUrls(body)) await gateway.checkUrl(url);
      const principal = principalOf(request);
      const view = await registry.add(input, { principal, surface: 'rest', requestId: request.id });
      if (view.authorizationRequired) {
        const authorizationUrl = registry.oauth.begin(registry.definition(view.id)!, redirectUri(request));
        return reply.status(201).send({
          status: 'authorization_required',
          client_id: view.id,
          name: view.name,
          tools: [],
          resources: [],
          prompts: [],
          message: 'Upstream saved; open authorization_url in a browser to authorize it, then it connects.',
          authorization_url: authorizationUrl,
        });
      }
      if (!view.definition.enabled) {
        return reply.status(201).send({ status: 'disabled', client_id: view.id, name: view.name, tools: [], resources: [], prompts: [], message: 'Upstream saved; it is disabled, so it was not connected.' });
      }
      // What it offers, as seed 003 returns it; a list the upstream does not support is empty.
      const [tools, resources, prompts] = await Promise.all([
        gateway.listTools(principal, view.id).then((list) => list.filter((t) => upstreamToolAllowed({ tools: view.definition.tools }, t.name)), () => []),
        gateway.listResources(principal, view.id).catch(() => []),
        gateway.listPrompts(principal, view.id).catch(() => []),
      ]);
      return reply.status(201).send({
        status: 'connected',
        client_id: view.id,
        name: view.name,
        tools: tools as unknown as Array<Record<string, unknown>>,
        resources: resources as unknown as Array<Record<string, unknown>>,
        prompts: prompts as unknown as Array<Record<string, unknown>>,
        message: 'Successfully connected to MCP server',
      });
    },
  );

  api.get(
    '/upstreams/:id/authorize',
    {
      schema: {
        tags: ['upstreams'],
        summary: 'Start (again) the OAuth authorization-code grant of an upstream: a URL to open in a browser',
        params: idParams,
        response: { 200: z.object({ client_id: z.string(), authorization_url: z.string() }), ...upstreamErrorResponses },
      },
    },
    async (request) => {
      const view = upstreamFor(registry, request, request.params.id);
      return { client_id: view.id, authorization_url: registry.oauth.begin(registry.definition(view.id)!, redirectUri(request)) };
    },
  );

  api.get(
    '/upstreams',
    {
      schema: {
        tags: ['upstreams'],
        summary: 'List upstream MCP servers with their live status',
        response: { 200: z.object({ status: z.literal('success'), clients: z.array(upstreamSummarySchema), count: z.number() }).meta({ id: 'UpstreamList' }), ...upstreamErrorResponses },
      },
    },
    async () => {
      const clients = registry.list().map(toUpstreamSummary);
      return { status: 'success' as const, clients, count: clients.length };
    },
  );

  api.get(
    '/upstreams/:id',
    {
      schema: {
        tags: ['upstreams'],
        summary: 'One upstream: its definition (without credentials) and live status',
        params: idParams,
        response: {
          200: z
            .object({
              status: z.literal('success'),
              client_id: z.string(),
              metadata: upstreamSummarySchema,
              definition: z.record(z.string(), z.unknown()).describe('The definition without any credential'),
              server_info: z.object({ name: z.string(), version: z.string() }).nullable(),
              era: z.enum(['modern', 'legacy']).nullable(),
            })
            .meta({ id: 'UpstreamInfo' }),
          ...upstreamErrorResponses,
        },
      },
    },
    async (request) => {
      const view = upstreamFor(registry, request, request.params.id);
      return {
        status: 'success' as const,
        client_id: view.id,
        metadata: toUpstreamSummary(view),
        definition: view.definition as unknown as Record<string, unknown>,
        server_info: view.status?.serverInfo ?? null,
        era: view.status?.era ?? null,
      };
    },
  );

  api.delete(
    '/upstreams/:id',
    {
      schema: {
        tags: ['upstreams'],
        summary: 'Disconnect an upstream, stop its processes, remove its tools, and forget it',
        params: idParams,
        response: { 200: z.object({ status: z.literal('disconnected'), client_id: z.string(), message: z.string() }).meta({ id: 'UpstreamDisconnected' }), ...upstreamErrorResponses },
      },
    },
    async (request) => {
      const { id } = request.params;
      upstreamFor(registry, request, id);
      if (!(await registry.remove(id, { principal: principalOf(request), surface: 'rest', requestId: request.id }))) throw new PorticoError('not_found', `No upstream with client_id ${id}.`);
      return { status: 'disconnected' as const, client_id: id, message: 'Successfully disconnected from MCP server' };
    },
  );

  registerUpstreamRelayRoutes(api, { pipeline: deps.pipeline, registry, gateway, audit: deps.audit });
}
