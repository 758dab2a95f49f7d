/**
 * /api/v1/upstreams/{id}/tools|resources|prompts: seed 003's direct use of one upstream, by the
 * upstream's own names (not the federated ones). Mounted by `upstreams.routes.ts`, behind its
 * authentication and `upstreams:manage` check (plus the upstream's own permission, if it has one).
 *
 * These calls go to the gateway's relay rather than through the pipeline's catalog entry, so an
 * upstream timeout is told apart from a tool error (408 vs a 200 with `status: "error"`) and an
 * unreachable upstream is a 502, as seed 003 specifies; tools hidden by the upstream's allow/deny
 * lists stay unreachable. Each call is recorded in the same audit trail as pipeline calls (target
 * `upstream:<name>/<tool|uri|prompt>`; arguments only to a sink that redacts them).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PorticoError, toPorticoError } from '../../../core/errors.js';
import type { AuditOutcome, AuditSink, CallAction } from '../../../core/pipeline/audit-sink.js';
import type { Pipeline } from '../../../core/pipeline/pipeline.js';
import type { Gateway, RelayOptions } from '../../../gateway/gateway.js';
import { upstreamToolAllowed } from '../../../gateway/upstream-definition.js';
import type { UpstreamRegistry, UpstreamView } from '../../../gateway/upstream-registry.js';
import { principalOf } from './identity-route-support.js';
import { disconnectSignal } from './mcp-route-support.js';
import { upstreamErrorResponses, upstreamFor } from './upstream-route-support.js';

export interface UpstreamRelayDeps {
  /** Its rate limits apply to every relayed use, as to calls through the catalog. */
  pipeline: Pipeline;
  registry: UpstreamRegistry;
  gateway: Gateway;
  audit?: AuditSink | undefined;
}

const idParams = z.object({ id: z.string().min(1).max(128) });
const looseList = z.array(z.record(z.string(), z.unknown()));
const jsonObject = z.record(z.string(), z.unknown());
const timeoutField = z.number().min(0.1).max(3600).optional().describe('Seconds; default the upstream’s timeout');

const outcomeOf = (code: string): AuditOutcome => (code === 'upstream_timeout' ? 'timeout' : code === 'not_found' ? 'not_found' : code === 'cancelled' ? 'cancelled' : 'error');

export function registerUpstreamRelayRoutes(app: FastifyInstance, deps: UpstreamRelayDeps): void {
  const { registry, gateway, audit } = deps;
  const api = app.withTypeProvider<ZodTypeProvider>();

  /** Run one relayed request with the caller's cancellation and deadline, and audit it. */
  async function relay<T>(
    request: FastifyRequest,
    signal: AbortSignal,
    view: UpstreamView,
    call: { action?: CallAction; target: string; args?: unknown; timeout?: number | undefined },
    run: (options: RelayOptions) => Promise<T>,
    isError?: (result: T) => boolean,
  ): Promise<T> {
    const started = performance.now();
    const principal = principalOf(request);
    // Lists are neither limited nor audited (as in the pipeline); uses are. A refusal is audited by the limiter.
    const action = call.action;
    const target = `upstream:${view.name}/${call.target}`;
    if (action) await deps.pipeline.admit({ principal, surface: 'rest', requestId: request.id }, action, target);
    const record = (outcome: AuditOutcome, errorCode?: string) =>
      action &&
      audit?.record({
        atMs: Date.now(),
        principalId: principal.id,
        principalName: principal.name,
        surface: 'rest',
        action,
        target,
        outcome,
        durationMs: Math.round((performance.now() - started) * 1000) / 1000,
        requestId: request.id,
        ...(errorCode ? { errorCode } : {}),
        ...(audit.withArguments && call.args !== undefined ? { details: { arguments: call.args } } : {}),
      });
    try {
      const result = await run({ signal, ...(call.timeout !== undefined ? { timeoutMs: Math.round(call.timeout * 1000) } : {}) });
      record(isError?.(result) ? 'error' : 'ok');
      return result;
    } catch (err) {
      const safe = toPorticoError(err);
      record(outcomeOf(safe.code), safe.code);
      throw safe;
    }
  }

  const loose = <T>(list: T[]) => list as unknown as Array<Record<string, unknown>>;

  api.get(
    '/upstreams/:id/tools',
    {
      schema: {
        tags: ['upstreams'],
        summary: 'List the tools of an upstream (its own names, after its allow/deny lists)',
        params: idParams,
        response: { 200: z.object({ status: z.literal('success'), client_id: z.string(), tools: looseList, count: z.number() }), ...upstreamErrorResponses },
      },
    },
    async (request, reply) => {
      const view = upstreamFor(registry, request, request.params.id);
      const tools = await relay(request, disconnectSignal(reply), view, { target: 'tools/list' }, (o) => gateway.listTools(principalOf(request), view.id, o));
      const visible = tools.filter((t) => upstreamToolAllowed({ tools: view.definition.tools }, t.name));
      return { status: 'success' as const, client_id: view.id, tools: loose(visible), count: visible.length };
    },
  );

  api.post(
    '/upstreams/:id/tools/call',
    {
      schema: {
        tags: ['upstreams'],
        summary: 'Call a tool of an upstream',
        description: 'A tool that reports an error is a 200 with `status: "error"`; an upstream that does not answer in time is a 408, one that fails is a 502.',
        params: idParams,
        body: z.strictObject({ tool_name: z.string().min(1).max(256), arguments: jsonObject.optional(), timeout: timeoutField }),
        response: {
          200: z
            .object({ status: z.enum(['success', 'error']), result: jsonObject, error: z.string().nullable(), execution_time: z.number().describe('seconds') })
            .meta({ id: 'UpstreamToolResult' }),
          ...upstreamErrorResponses,
        },
      },
    },
    async (request, reply) => {
      const view = upstreamFor(registry, request, request.params.id);
      const { tool_name: name, arguments: args, timeout } = request.body;
      // A filtered-out tool does not exist for callers, exactly as in the catalog.
      if (!upstreamToolAllowed({ tools: view.definition.tools }, name)) throw new PorticoError('not_found', `Unknown tool: ${name}`);
      const started = performance.now();
      const result = await relay(
        request,
        disconnectSignal(reply),
        view,
        { action: 'tools/call', target: name, args, timeout },
        (o) => gateway.callTool(principalOf(request), view.id, name, args as never, o),
        (r) => r.isError === true,
      );
      const error = result.isError
        ? result.content
            .filter((c): c is { type: 'text'; text: string } => c.type === 'text')
            .map((c) => c.text)
            .join('\n') || 'The tool reported an error.'
        : null;
      return { status: result.isError ? ('error' as const) : ('success' as const), result: result as unknown as Record<string, unknown>, error, execution_time: Math.round(performance.now() - started) / 1000 };
    },
  );

  api.get(
    '/upstreams/:id/resources',
    {
      schema: {
        tags: ['upstreams'],
        summary: 'List the resources and resource templates of an upstream',
        params: idParams,
        response: {
          200: z.object({ status: z.literal('success'), client_id: z.string(), resources: looseList, resource_templates: looseList, count: z.number() }),
          ...upstreamErrorResponses,
        },
      },
    },
    async (request, reply) => {
      const view = upstreamFor(registry, request, request.params.id);
      const signal = disconnectSignal(reply);
      const principal = principalOf(request);
      const [resources, templates] = await relay(request, signal, view, { target: 'resources/list' }, (o) =>
        Promise.all([gateway.listResources(principal, view.id, o), gateway.listResourceTemplates(principal, view.id, o)]),
      );
      return { status: 'success' as const, client_id: view.id, resources: loose(resources), resource_templates: loose(templates), count: resources.length };
    },
  );

  api.post(
    '/upstreams/:id/resources/read',
    {
      schema: {
        tags: ['upstreams'],
        summary: 'Read a resource of an upstream',
        params: idParams,
        body: z.strictObject({ uri: z.string().min(1).max(4096), timeout: timeoutField }),
        response: { 200: z.object({ status: z.literal('success'), client_id: z.string(), uri: z.string(), content: jsonObject.describe('The MCP ReadResourceResult: `{contents: [...]}`') }), ...upstreamErrorResponses },
      },
    },
    async (request, reply) => {
      const view = upstreamFor(registry, request, request.params.id);
      const { uri, timeout } = request.body;
      const result = await relay(request, disconnectSignal(reply), view, { action: 'resources/read', target: uri, timeout }, (o) => gateway.readResource(principalOf(request), view.id, uri, o));
      return { status: 'success' as const, client_id: view.id, uri, content: result as unknown as Record<string, unknown> };
    },
  );

  api.get(
    '/upstreams/:id/prompts',
    {
      schema: {
        tags: ['upstreams'],
        summary: 'List the prompts of an upstream',
        params: idParams,
        response: { 200: z.object({ status: z.literal('success'), client_id: z.string(), prompts: looseList, count: z.number() }), ...upstreamErrorResponses },
      },
    },
    async (request, reply) => {
      const view = upstreamFor(registry, request, request.params.id);
      const prompts = await relay(request, disconnectSignal(reply), view, { target: 'prompts/list' }, (o) => gateway.listPrompts(principalOf(request), view.id, o));
      return { status: 'success' as const, client_id: view.id, prompts: loose(prompts), count: prompts.length };
    },
  );

  api.post(
    '/upstreams/:id/prompts/get',
    {
      schema: {
        tags: ['upstreams'],
        summary: 'Render a prompt of an upstream',
        params: idParams,
        body: z.strictObject({ prompt_name: z.string().min(1).max(256), arguments: z.record(z.string(), z.string().max(65_536)).optional(), timeout: timeoutField }),
        response: {
          200: z.object({ status: z.literal('success'), client_id: z.string(), prompt_name: z.string(), content: jsonObject.describe('The MCP GetPromptResult: `{description?, messages}`') }),
          ...upstreamErrorResponses,
        },
      },
    },
    async (request, reply) => {
      const view = upstreamFor(registry, request, request.params.id);
      const { prompt_name: name, arguments: args, timeout } = request.body;
      const result = await relay(request, disconnectSignal(reply), view, { action: 'prompts/get', target: name, args, timeout }, (o) => gateway.getPrompt(principalOf(request), view.id, name, args, o));
      return { status: 'success' as const, client_id: view.id, prompt_name: name, content: result as unknown as Record<string, unknown> };
    },
  );
}
