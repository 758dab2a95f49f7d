/**
 * The one road. Every use of a catalog entry — MCP in either era, legacy SSE, stdio, REST, CLI,
 * the admin UI — goes through here: authenticate → identity → rate limit → resolve → authorize →
 * validate → execute (timeout, cancellation, progress, logs, input rounds) → audit + metrics.
 * Surfaces only shape what comes back. An entry the caller may not use is invisible: absent from
 * lists and "not found" on use.
 */
import { PorticoError, toPorticoError } from '../errors.js';
import type { Authenticator } from '../identity/authenticator.js';
import type { Credentials, Principal } from '../identity/principal.js';
import { formatIssues } from '../catalog/argument-validator.js';
import type { Catalog, CompiledResource, CompiledTemplate, CompiledTool, ListKind } from '../catalog/catalog.js';
import type {
  CallToolResult,
  CompletionResult,
  GetPromptResult,
  JsonObject,
  PromptDescriptor,
  ReadResourceResult,
  ResourceDescriptor,
  ResourceTemplateDescriptor,
  ToolDescriptor,
} from '../catalog/mcp-shapes.js';
import type { AuditAction, AuditEvent, AuditOutcome, AuditSink, CallMetrics } from './audit-sink.js';
import type { ClientInfo, ExecutionContext, LogLevel, ProgressUpdate, SurfaceName } from './execution-context.js';
import { cancelSourceOf, type CancelSource } from './cancellation.js';
import { HandlerContext } from './handler-context.js';
import { isNeedsInput, type NeedsInput } from './input-requests.js';
import type { RateDecision, RateLimiter } from './rate-limiter.js';
import { permissionFor } from '../identity/permissions.js';

/** Who is calling and through which surface. */
export interface CallScope {
  readonly principal: Principal;
  readonly surface: SurfaceName;
  readonly requestId: string;
  /** Legacy MCP session, when there is one (audit). */
  readonly sessionId?: string;
  readonly client?: ClientInfo;
}

export interface CallOptions {
  /** Cancellation by the caller: an AbortSignal, or a cheaper CancelSource on hot paths. */
  signal?: AbortSignal | CancelSource | undefined;
  /** Present only when the caller asked for progress. */
  onProgress?: ((update: ProgressUpdate) => void) | undefined;
  /** Present only when the caller listens for log messages. */
  onLog?: ((level: LogLevel, data: unknown, logger?: string) => void) | undefined;
  /** With `onLog`: the lowest level the caller listens at, when the surface knows it (default `debug`). */
  logLevel?: LogLevel | undefined;
  /** Answers and verified state of a previous input round. */
  input?: { responses?: Record<string, unknown> | undefined; state?: unknown } | undefined;
}

export interface PipelineOptions {
  catalog: Catalog;
  authenticator: Authenticator;
  rateLimiter: RateLimiter;
  audit: AuditSink;
  metrics: CallMetrics;
  /** Default per-call deadline for tools, resources and prompts. */
  defaultTimeoutMs: number;
  /** Called with internal failures (the caller only sees a generic message). */
  onInternalError?: (err: unknown, where: { action: AuditAction; target: string; requestId: string }) => void;
}

export interface Pipeline {
  readonly catalog: Catalog;
  /** Resolve credentials to a principal; throws `unauthenticated` when absent or invalid. */
  authenticate(credentials: Credentials): Promise<Principal>;
  listTools(scope: CallScope): readonly ToolDescriptor[];
  listResources(scope: CallScope): readonly ResourceDescriptor[];
  listResourceTemplates(scope: CallScope): readonly ResourceTemplateDescriptor[];
  listPrompts(scope: CallScope): readonly PromptDescriptor[];
  /**
   * Run a tool. Unknown/invisible tools and rate limiting throw; everything that goes wrong inside
   * the tool (bad arguments, handler errors, timeouts) is an `isError` result, as MCP prescribes.
   */
  callTool(scope: CallScope, name: string, args: unknown, options?: CallOptions): Promise<CallToolResult | NeedsInput>;
  readResource(scope: CallScope, uri: string, options?: CallOptions): Promise<ReadResourceResult | NeedsInput>;
  /**
   * Take one unit of the caller's rate limit for a use that does not run through a catalog entry
   * (the REST relay to one upstream, blob transfers). Throws `rate_limited` (audited) when spent;
   * a promise only when the limiter is remote.
   */
  admit(scope: CallScope, action: AuditAction, target: string): Promise<void> | undefined;
  getPrompt(scope: CallScope, name: string, args: Record<string, string> | undefined, options?: CallOptions): Promise<GetPromptResult | NeedsInput>;
  complete(
    scope: CallScope,
    ref: { type: 'ref/prompt'; name: string } | { type: 'ref/resource'; uri: string },
    argument: { name: string; value: string },
    context?: { arguments?: Record<string, string> },
  ): Promise<CompletionResult>;
}

/** Whether a principal holds what an entry needs: its permission and, when it has one, the extra `requires`. */
function mayUse(principal: Principal, entry: { permission: string; requires: string | undefined }): boolean {
  return principal.permissions.allows(entry.permission) && (entry.requires === undefined || principal.permissions.allows(entry.requires));
}

/** Whether a principal may see and call a tool. */
export function mayUseTool(principal: Principal, tool: CompiledTool): boolean {
  const permissions = principal.permissions;
  if (tool.requires !== undefined && !permissions.allows(tool.requires)) return false;
  return permissions.allows(tool.permission) || (tool.readPermission !== undefined && permissions.allows(tool.readPermission));
}

/** A resource URI looked up once: a fixed resource, or the first template that matches. */
interface ResolvedResource {
  fixed?: CompiledResource | undefined;
  matched?: { compiled: CompiledTemplate; variables: Record<string, string | string[]> } | undefined;
}

function resolveResource(catalog: Catalog, uri: string): ResolvedResource {
  const fixed = catalog.resource(uri);
  return fixed ? { fixed } : { matched: catalog.matchTemplate(uri) };
}

/** A fixed resource needs its permission; a template match needs the template's and the concrete URI's. */
function mayReadResolved(principal: Principal, { fixed, matched }: ResolvedResource, uri: string): boolean {
  const permissions = principal.permissions;
  if (fixed) return mayUse(principal, fixed);
  return matched !== undefined && mayUse(principal, matched.compiled) && permissions.allows(permissionFor.resource(uri));
}

/** Whether a principal may read a resource URI (the same rule `readResource` applies). */
export function mayReadResource(catalog: Catalog, principal: Principal, uri: string): boolean {
  return mayReadResolved(principal, resolveResource(catalog, uri), uri);
}

const MAX_LIST_CACHE = 256;

class TimeoutSignal extends Error {
  constructor() {
    super('timeout');
  }
}

export function createPipeline(options: PipelineOptions): Pipeline {
  const { catalog, rateLimiter, audit, metrics } = options;

  // List results depend only on the catalog version and the caller's permission set.
  const listCache = new Map<string, readonly unknown[]>();
  let cachedVersion = catalog.version;
  function cachedList<T>(kind: ListKind, scope: CallScope, build: () => T[]): readonly T[] {
    if (catalog.version !== cachedVersion) {
      listCache.clear();
      cachedVersion = catalog.version;
    }
    const key = `${kind}\u0000${scope.principal.permissions.key}`;
    let hit = listCache.get(key) as readonly T[] | undefined;
    if (!hit) {
      hit = Object.freeze(build());
      if (listCache.size >= MAX_LIST_CACHE) listCache.clear();
      listCache.set(key, hit);
    }
    return hit;
  }

  // Arguments go to the audit trail only if the sink stores them (it redacts them off the hot path).
  const auditArguments = audit.withArguments === true;
  function finish(scope: CallScope, action: AuditAction, target: string, outcome: AuditOutcome, started: number, errorCode?: string, args?: unknown): void {
    const durationMs = performance.now() - started;
    metrics.observe(action, outcome, durationMs / 1000);
    const event: { -readonly [K in keyof AuditEvent]: AuditEvent[K] } = {
      atMs: Date.now(),
      principalId: scope.principal.id,
      principalName: scope.principal.name,
      surface: scope.surface,
      action,
      target,
      outcome,
      durationMs: Math.round(durationMs * 1000) / 1000,
      requestId: scope.requestId,
    };
    if (errorCode) event.errorCode = errorCode;
    if (scope.sessionId) event.sessionId = scope.sessionId;
    if (scope.client?.name !== undefined) event.client = scope.client;
    if (auditArguments && args !== undefined) event.details = { arguments: args };
    audit.record(event);
  }

  /** Undefined when allowed at once (the usual, synchronous case); a promise when the limiter is remote. */
  function limit(scope: CallScope, action: AuditAction, target: string, started: number): Promise<void> | undefined {
    const decision = rateLimiter.consume(scope.principal.id, 1, { kind: scope.principal.kind, roles: scope.principal.roles, action, target });
    if (decision instanceof Promise) return decision.then((d) => refuseIfLimited(d, scope, action, target, started));
    refuseIfLimited(decision, scope, action, target, started);
    return undefined;
  }

  function refuseIfLimited(decision: RateDecision, scope: CallScope, action: AuditAction, target: string, started: number): void {
    if (!decision.allowed) {
      finish(scope, action, target, 'rate_limited', started, 'rate_limited');
      const seconds = Math.max(1, Math.ceil((decision.retryAfterMs ?? 1000) / 1000));
      throw new PorticoError('rate_limited', `Rate limit exceeded; retry in ${seconds} s.`, { details: { retryAfterMs: decision.retryAfterMs ?? 1000 } });
    }
  }

  /** Run a handler under a deadline and the caller's cancellation; rejects with TimeoutSignal on timeout. */
  function execute<T>(scope: CallScope, timeoutMs: number, opts: CallOptions, run: (ctx: ExecutionContext) => Promise<T> | T): Promise<T> | T {
    const outer = opts.signal ? cancelSourceOf(opts.signal) : undefined;
    if (outer?.aborted) throw new PorticoError('cancelled');
    const ctx = new HandlerContext(scope, opts);
    const result = run(ctx);
    // Synchronous until the handler proves asynchronous: a quick answer needs no deadline, promise or
    // listener, and cannot be cancelled.
    if (!(result instanceof Promise)) return result;
    // One promise settled by whichever comes first — the handler, its deadline or the caller's
    // cancellation (`ctx.stop` rejects through `rejectStop`); cheaper per call than Promise.race.
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => ctx.stop(new TimeoutSignal(), new TimeoutSignal()), timeoutMs);
      const offAbort = outer?.onAbort((reason) => ctx.stop(reason, new PorticoError('cancelled')));
      const settle = () => {
        clearTimeout(timer);
        offAbort?.();
      };
      ctx.rejectStop = (err) => {
        settle();
        reject(err);
      };
      result.then(
        (value) => {
          settle();
          resolve(value);
        },
        (err: unknown) => {
          settle();
          reject(err);
        },
      );
    });
  }

  function internal(err: unknown, action: AuditAction, target: string, scope: CallScope): PorticoError {
    const safe = toPorticoError(err);
    if (safe.code === 'internal_error') options.onInternalError?.(err, { action, target, requestId: scope.requestId });
    return safe;
  }

  const toolError = (text: string): CallToolResult => ({ content: [{ type: 'text', text }], isError: true });

  /** Resources and prompts report failures as protocol errors (tools turn them into results). */
  async function runOrThrow<T extends object>(
    scope: CallScope,
    action: AuditAction,
    target: string,
    started: number,
    opts: CallOptions,
    timeoutMessage: string,
    run: (ctx: ExecutionContext) => Promise<T | NeedsInput> | T | NeedsInput,
    args?: unknown,
  ): Promise<T | NeedsInput> {
    try {
      const result = await execute(scope, options.defaultTimeoutMs, opts, run);
      finish(scope, action, target, isNeedsInput(result) ? 'input_required' : 'ok', started, undefined, args);
      return result;
    } catch (err) {
      if (err instanceof TimeoutSignal) {
        finish(scope, action, target, 'timeout', started, 'timeout', args);
        throw new PorticoError('timeout', timeoutMessage);
      }
      const safe = internal(err, action, target, scope);
      finish(scope, action, target, safe.code === 'not_found' ? 'not_found' : safe.code === 'cancelled' ? 'cancelled' : 'error', started, safe.code, args);
      throw safe;
    }
  }

  return {
    catalog,

    admit: (scope, action, target) => limit(scope, action, target, performance.now()),

    async authenticate(credentials) {
      const principal = await options.authenticator.authenticate(credentials);
      if (!principal) throw new PorticoError('unauthenticated');
      return principal;
    },

    listTools: (scope) => cachedList('tools', scope, () => catalog.tools().filter((t) => mayUseTool(scope.principal, t)).map((t) => t.descriptor)),
    listResources: (scope) => cachedList('resources', scope, () => catalog.resources().filter((r) => mayUse(scope.principal, r)).map((r) => r.descriptor)),
    listResourceTemplates: (scope) =>
      cachedList('resourceTemplates', scope, () => catalog.templates().filter((t) => mayUse(scope.principal, t)).map((t) => t.descriptor)),
    listPrompts: (scope) => cachedList('prompts', scope, () => catalog.prompts().filter((p) => mayUse(scope.principal, p)).map((p) => p.descriptor)),

    async callTool(scope, name, args, opts = {}) {
      const started = performance.now();
      const action = 'tools/call';
      const tool = catalog.tool(name);
      if (!tool || !mayUseTool(scope.principal, tool)) {
        finish(scope, action, name, tool ? 'denied' : 'not_found', started, 'not_found', args);
        throw new PorticoError('not_found', `Unknown tool: ${name}`);
      }
      const limited = limit(scope, action, name, started);
      if (limited) await limited;
      const input = (args ?? {}) as JsonObject;
      const issues = tool.validate(input);
      if (issues) {
        finish(scope, action, name, 'invalid', started, 'validation_failed', args);
        return toolError(`Invalid arguments for tool ${name}: ${formatIssues(issues)}`);
      }
      try {
        const pending = execute(scope, tool.entry.timeoutMs ?? options.defaultTimeoutMs, opts, (ctx) => tool.entry.handler(input, ctx));
        const result = pending instanceof Promise ? await pending : pending;
        finish(scope, action, name, isNeedsInput(result) ? 'input_required' : result.isError ? 'error' : 'ok', started, undefined, args);
        return result;
      } catch (err) {
        if (err instanceof TimeoutSignal) {
          finish(scope, action, name, 'timeout', started, 'timeout', args);
          return toolError(`Tool ${name} did not finish within ${tool.entry.timeoutMs ?? options.defaultTimeoutMs} ms.`);
        }
        const safe = internal(err, action, name, scope);
        finish(scope, action, name, safe.code === 'cancelled' ? 'cancelled' : 'error', started, safe.code, args);
        if (safe.code === 'cancelled' || safe.code === 'missing_client_capability') throw safe;
        return toolError(safe.code === 'internal_error' ? `Tool ${name} failed with an internal error (request ${scope.requestId}).` : safe.message);
      }
    },

    async readResource(scope, uri, opts = {}) {
      const started = performance.now();
      const action = 'resources/read';
      const resolved = resolveResource(catalog, uri);
      const { fixed, matched } = resolved;
      if (!mayReadResolved(scope.principal, resolved, uri)) {
        finish(scope, action, uri, fixed || matched ? 'denied' : 'not_found', started, 'not_found');
        throw new PorticoError('not_found', `Resource not found: ${uri}`, { details: { uri } });
      }
      const limited = limit(scope, action, uri, started);
      if (limited) await limited;
      return runOrThrow(scope, action, uri, started, opts, `Reading ${uri} did not finish in time.`, (ctx) =>
        fixed ? fixed.entry.read(uri, ctx) : matched!.compiled.entry.read(uri, matched!.variables, ctx),
      );
    },

    async getPrompt(scope, name, args, opts = {}) {
      const started = performance.now();
      const action = 'prompts/get';
      const prompt = catalog.prompt(name);
      if (!prompt || !mayUse(scope.principal, prompt)) {
        finish(scope, action, name, prompt ? 'denied' : 'not_found', started, 'not_found', args);
        throw new PorticoError('not_found', `Unknown prompt: ${name}`);
      }
      const limited = limit(scope, action, name, started);
      if (limited) await limited;
      const given = args ?? {};
      const missing = prompt.required.filter((a) => given[a] === undefined || given[a] === '');
      if (missing.length) {
        finish(scope, action, name, 'invalid', started, 'validation_failed', args);
        throw new PorticoError('validation_failed', `Prompt ${name} is missing required argument${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`, {
          details: { missing },
        });
      }
      return runOrThrow(scope, action, name, started, opts, `Prompt ${name} did not render in time.`, (ctx) => prompt.entry.get(given, ctx), args);
    },

    async complete(scope, ref, argument, ctxArgs) {
      const started = performance.now();
      const action = 'completion/complete';
      const target = ref.type === 'ref/prompt' ? ref.name : ref.uri;
      let completer;
      if (ref.type === 'ref/prompt') {
        const prompt = catalog.prompt(ref.name);
        if (!prompt || !mayUse(scope.principal, prompt)) {
          finish(scope, action, target, 'not_found', started, 'not_found');
          throw new PorticoError('not_found', `Unknown prompt: ${ref.name}`);
        }
        completer = prompt.entry.complete?.[argument.name];
      } else {
        const template = catalog.template(ref.uri);
        if (!template || !mayUse(scope.principal, template)) {
          finish(scope, action, target, 'not_found', started, 'not_found');
          throw new PorticoError('not_found', `Unknown resource template: ${ref.uri}`);
        }
        completer = template.entry.complete?.[argument.name];
      }
      if (!completer) {
        finish(scope, action, target, 'ok', started);
        return { values: [], total: 0, hasMore: false };
      }
      const limited = limit(scope, action, target, started);
      if (limited) await limited;
      try {
        const result = await execute(scope, options.defaultTimeoutMs, {}, (ctx) => completer(argument.value, { arguments: ctxArgs?.arguments ?? {} }, ctx));
        finish(scope, action, target, 'ok', started);
        // MCP caps completion values at 100.
        return result.values.length > 100 ? { values: result.values.slice(0, 100), total: result.total ?? result.values.length, hasMore: true } : result;
      } catch (err) {
        const safe = err instanceof TimeoutSignal ? new PorticoError('timeout') : internal(err, action, target, scope);
        finish(scope, action, target, 'error', started, safe.code);
        throw safe;
      }
    },
  };
}
