/**
 * An SDK protocol server whose every handler delegates to the one call pipeline. All MCP surfaces
 * (Streamable HTTP in both eras, legacy SSE, stdio) build their servers here, so protocol behaviour
 * — error codes, input rounds, progress, logs, subscriptions — is defined once.
 *
 * The low-level `Server` is used on purpose: Portico owns its catalog and JSON Schemas, and the SDK's
 * high-level registration would duplicate them per instance.
 */
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  LOG_LEVEL_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  ProtocolError,
   
  Server,
  inputRequired,
  type RequestStateCodec,
  type ServerContext,
  type CacheHint,
} from '@modelcontextprotocol/server';
import { PorticoError, toPorticoError } from '../../core/errors.js';
import type { Principal } from '../../core/identity/principal.js';
import type { JsonObject } from '../../core/catalog/mcp-shapes.js';
import { isLogLevel, type ClientInfo, type LogLevel, type ProgressUpdate, type SurfaceName } from '../../core/pipeline/execution-context.js';
import { isNeedsInput, type NeedsInput } from '../../core/pipeline/input-requests.js';
import { mayReadResource, type CallOptions, type CallScope, type Pipeline } from '../../core/pipeline/pipeline.js';

/** What Portico seals into `requestState`: the handler's state and who it was minted for. */
export interface SealedState {
  s: unknown;
  /** The principal it was minted for. */
  p: string;
  /** The request it belongs to (`tools/call:name`, `prompts/get:name`, `resources/read:uri`). */
  t: string;
}

export function stateTarget(method: string, nameOrUri: string): string {
  return `${method}:${nameOrUri}`;
}

export interface ProtocolServerDeps {
  readonly pipeline: Pipeline;
  /** Signs `requestState` for input rounds, so a client cannot forge a handler's state. */
  readonly stateCodec: RequestStateCodec<SealedState>;
  readonly serverInfo: { name: string; version: string; title?: string };
  readonly instructions?: string;
}

/** Per-connection facts: who is calling, through which surface, and session hooks (legacy). */
export interface ProtocolBinding {
  readonly principal: Principal;
  readonly surface: SurfaceName;
  /** Legacy sessions track `resources/subscribe`; absent where subscriptions make no sense. */
  readonly subscriptions?: { add(uri: string): void; delete(uri: string): void };
  /** Called once per tools/call, resources/read and prompts/get (session statistics). */
  readonly onCall?: () => void;
}

export const SERVER_CAPABILITIES = Object.freeze({
  tools: { listChanged: true },
  resources: { subscribe: true, listChanged: true },
  prompts: { listChanged: true },
  completions: {},
  logging: {},
});

/** Lists may be cached briefly per principal (they change with `list_changed`); reads are not cached. */
export const CACHE_HINTS: Record<string, Required<CacheHint>> = {
  'tools/list': { ttlMs: 30_000, cacheScope: 'private' },
  'prompts/list': { ttlMs: 30_000, cacheScope: 'private' },
  'resources/list': { ttlMs: 30_000, cacheScope: 'private' },
  'resources/templates/list': { ttlMs: 30_000, cacheScope: 'private' },
  'resources/read': { ttlMs: 0, cacheScope: 'private' },
  'server/discover': { ttlMs: 300_000, cacheScope: 'public' },
};

/** Turn a pipeline error into the JSON-RPC error the SDK sends. */
export function toProtocolError(err: unknown): ProtocolError {
  if (err instanceof ProtocolError) return err;
  const safe = toPorticoError(err);
  return new ProtocolError(safe.jsonRpcCode, safe.message, safe.details);
}

function clientOf(server: Server, ctx: ServerContext): ClientInfo {
  // The envelope is keyed by the full `_meta` names; the SDK's type for it is empty.
  const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
  const modernCaps = envelope?.[CLIENT_CAPABILITIES_META_KEY];
  if (modernCaps && typeof modernCaps === 'object') {
    const info = envelope?.[CLIENT_INFO_META_KEY] as { name?: string; version?: string } | undefined;
    return { name: info?.name, version: info?.version, capabilities: modernCaps as JsonObject };
  }
   
  const caps = server.getClientCapabilities();
   
  const version = server.getClientVersion();
  return { name: version?.name, version: version?.version, capabilities: (caps ?? {}) as JsonObject };
}

function logListening(ctx: ServerContext): Pick<CallOptions, 'onLog' | 'logLevel'> {
  const meta = ctx.mcpReq._meta as Record<string, unknown> | undefined;
  const modern = meta?.[PROTOCOL_VERSION_META_KEY] !== undefined;
  const named = meta?.[LOG_LEVEL_META_KEY];
  if (modern && !isLogLevel(named)) return {};
  return {
    onLog: (level: LogLevel, data: unknown, logger?: string) => void ctx.mcpReq.log(level, data, logger).catch(() => undefined),
    logLevel: modern && isLogLevel(named) ? named : 'debug',
  };
}

export function createProtocolServer(deps: ProtocolServerDeps, binding: ProtocolBinding): Server {
  const { pipeline, stateCodec } = deps;
   
  const server = new Server(deps.serverInfo, {
    capabilities: SERVER_CAPABILITIES,
    ...(deps.instructions ? { instructions: deps.instructions } : {}),
    cacheHints: CACHE_HINTS,
    requestState: { verify: (state, ctx) => stateCodec.verify(state, ctx) },
  });

  const scope = (ctx: ServerContext): CallScope => ({
    ...(ctx.sessionId ? { sessionId: ctx.sessionId } : {}),
    principal: binding.principal,
    surface: binding.surface,
    requestId: String(ctx.mcpReq.id),
    client: clientOf(server, ctx),
  });

  const callOptions = (ctx: ServerContext, target: string): CallOptions => {
    const token = ctx.mcpReq._meta?.progressToken;
    const verified = ctx.mcpReq.requestState<SealedState>();
    // State minted for another principal, or for another tool, is as good as forged.
    if (verified !== undefined && (verified.p !== binding.principal.id || verified.t !== target)) throw new ProtocolError(-32602, 'Invalid or expired requestState');
    return {
      signal: ctx.mcpReq.signal,
      onProgress:
        token === undefined
          ? undefined
          : (u: ProgressUpdate) => void ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken: token, ...u } }).catch(() => undefined),
       
      // A modern request listens for logs only when it names a level; a legacy session always
      // does (its `logging/setLevel` filter is applied by the SDK when sending).
      ...logListening(ctx),
      input:
        ctx.mcpReq.inputResponses !== undefined || verified !== undefined
          ? { responses: ctx.mcpReq.inputResponses, state: verified?.s }
          : undefined,
    };
  };

  const askFor = async (needs: NeedsInput, ctx: ServerContext, target: string) =>
    inputRequired({
      inputRequests: needs.requests as never,
      ...(needs.state !== undefined ? { requestState: await stateCodec.mint({ s: needs.state, p: binding.principal.id, t: target }, ctx) } : {}),
    });

  const guard = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      throw toProtocolError(err);
    }
  };

  server.setRequestHandler('tools/list', (_req, ctx) => ({ tools: pipeline.listTools(scope(ctx)) as never }));
  server.setRequestHandler('resources/list', (_req, ctx) => ({ resources: pipeline.listResources(scope(ctx)) as never }));
  server.setRequestHandler('resources/templates/list', (_req, ctx) => ({ resourceTemplates: pipeline.listResourceTemplates(scope(ctx)) as never }));
  server.setRequestHandler('prompts/list', (_req, ctx) => ({ prompts: pipeline.listPrompts(scope(ctx)) as never }));

  server.setRequestHandler('tools/call', (req, ctx) =>
    guard(async () => {
      binding.onCall?.();
      const target = stateTarget('tools/call', req.params.name);
      const result = await pipeline.callTool(scope(ctx), req.params.name, req.params.arguments ?? {}, callOptions(ctx, target));
      return isNeedsInput(result) ? askFor(result, ctx, target) : (result as never);
    }),
  );
  server.setRequestHandler('resources/read', (req, ctx) =>
    guard(async () => {
      binding.onCall?.();
      const target = stateTarget('resources/read', req.params.uri);
      const result = await pipeline.readResource(scope(ctx), req.params.uri, callOptions(ctx, target));
      return isNeedsInput(result) ? askFor(result, ctx, target) : (result as never);
    }),
  );
  server.setRequestHandler('prompts/get', (req, ctx) =>
    guard(async () => {
      binding.onCall?.();
      const target = stateTarget('prompts/get', req.params.name);
      const result = await pipeline.getPrompt(scope(ctx), req.params.name, req.params.arguments, callOptions(ctx, target));
      return isNeedsInput(result) ? askFor(result, ctx, target) : (result as never);
    }),
  );
  server.setRequestHandler('completion/complete', (req, ctx) =>
    guard(async () => {
      const ref = req.params.ref.type === 'ref/prompt' ? { type: 'ref/prompt' as const, name: req.params.ref.name } : { type: 'ref/resource' as const, uri: req.params.ref.uri };
      const completion = await pipeline.complete(scope(ctx), ref, req.params.argument, req.params.context);
      return { completion: { ...completion } };
    }),
  );

  if (binding.subscriptions) {
    const subs = binding.subscriptions;
    server.setRequestHandler('resources/subscribe', (req, ctx) =>
      guard(async () => {
        assertVisible(pipeline, scope(ctx), req.params.uri);
        subs.add(req.params.uri);
        return {};
      }),
    );
    server.setRequestHandler('resources/unsubscribe', (req) => {
      subs.delete(req.params.uri);
      return {};
    });
  }
  return server;
}

/** Subscribing to a resource one may not read must look like subscribing to nothing. */
function assertVisible(pipeline: Pipeline, scope: CallScope, uri: string): void {
  if (!mayReadResource(pipeline.catalog, scope.principal, uri)) throw new PorticoError('not_found', `Resource not found: ${uri}`, { details: { uri } });
}
