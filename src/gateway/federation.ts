/**
 * Federation of one upstream into the catalog. Tools and prompts appear as
 * `{namespace}{separator}{name}` (or unchanged with an empty namespace); resources and templates
 * keep their URIs through a routing table, and a URI that collides with an existing entry gets the
 * namespace as a scheme prefix (`{namespace}+{uri}`). Every entry's handler relays to the upstream
 * through the link, so calls still go through the one pipeline: RBAC, rate limits and audit apply.
 *
 * Permissions: each federated entry has the default permission of its kind for its federated name
 * (`tools:call:{name}`, `prompts:get:{name}`, `resources:read:{uri}`), exactly like a local entry;
 * an upstream with a `permission` adds it as a second requirement (`requires`). Lists and calls
 * apply the same rule, so what a principal sees is what it can use.
 */
import { CLIENT_CAPABILITIES_META_KEY, LOG_LEVEL_META_KEY, type Client, type McpSubscription } from '@modelcontextprotocol/client';
import type { Catalog } from '../core/catalog/catalog.js';
import type { CatalogEntry, Completer, PromptEntry, ResourceEntry, ResourceTemplateEntry, ToolEntry } from '../core/catalog/entries.js';
import type { CallToolResult, CompletionResult, GetPromptResult, JsonObject, ReadResourceResult } from '../core/catalog/mcp-shapes.js';
import { compileArgumentValidator } from '../core/catalog/argument-validator.js';
import { PorticoError } from '../core/errors.js';
import type { CancelSource } from '../core/pipeline/cancellation.js';
import type { ExecutionContext, Listening, ProgressUpdate } from '../core/pipeline/execution-context.js';
import type { NeedsInput } from '../core/pipeline/input-requests.js';
import type { Logger } from '../logging/logger.js';
import type { CallSink } from './call-routing.js';
import type { ModernHttpRelay, RelayedMethod } from './modern-http-relay.js';
import { logTo, type RelayedCalls, type Resume, type UpstreamOutcome } from './relayed-call.js';
import { upstreamToolAllowed } from './upstream-definition.js';
import type { SessionScope, UpstreamLink } from './upstream-link.js';

const TOOL_NAME = /^[A-Za-z0-9_./-]{1,64}$/;
/** Upstream resources Portico subscribes to on a legacy upstream, to relay `resources/updated`. */
const MAX_SUBSCRIPTIONS = 256;

/** What the lean relay needs to know about a request; `lean: false` keeps it on the SDK client. */
interface LeanRequest {
  method: RelayedMethod;
  name: string;
  lean: boolean;
}

export interface FederationOptions {
  catalog: Catalog;
  separator: string;
  relayed: RelayedCalls;
  logger: Logger;
}

type Upstream = {
  tools: Awaited<ReturnType<Client['listTools']>>['tools'];
  resources: Awaited<ReturnType<Client['listResources']>>['resources'];
  templates: Awaited<ReturnType<Client['listResourceTemplates']>>['resourceTemplates'];
  prompts: Awaited<ReturnType<Client['listPrompts']>>['prompts'];
};

/**
 * The per-request envelope towards a modern upstream speaks for the downstream caller: its client
 * capabilities (so the upstream asks only for input the caller can give, and answers -32021
 * otherwise), and the log level it listens at — modern upstreams log only when a request names one.
 */
function callerMeta(client: Client, ctx: ExecutionContext): { _meta?: JsonObject } {
  if (client.getProtocolEra() !== 'modern') return {};
  const level = ctx.listens.logLevel;
  return { _meta: { [CLIENT_CAPABILITIES_META_KEY]: ctx.client.capabilities, ...(level !== undefined ? { [LOG_LEVEL_META_KEY]: level } : {}) } };
}

function withDefined<T extends object>(base: T, extra: Record<string, unknown>): T {
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) (base as Record<string, unknown>)[k] = v;
  return base;
}

/** The request's params for this input round: a resumed round carries the caller's answers and the upstream's state back. */
function withResume(params: JsonObject, resume: Resume | undefined): JsonObject {
  return resume ? withDefined({ ...params }, { inputResponses: resume.responses, requestState: resume.requestState }) : params;
}

/** Where a relayed request's cancellation comes from and its progress and log messages go. */
interface CallerChannel {
  signal: AbortSignal | CancelSource;
  progress: (update: ProgressUpdate) => void;
  log: (params: JsonObject) => void;
}

function inputRequired(result: unknown): UpstreamOutcome<never> | undefined {
  const r = result as { resultType?: string; inputRequests?: Record<string, unknown>; requestState?: string };
  if (r?.resultType !== 'input_required') return undefined;
  return { kind: 'input_required', inputRequests: r.inputRequests ?? {}, ...(r.requestState !== undefined ? { requestState: r.requestState } : {}) };
}

/** Variable names of an RFC 6570 template (for completion). */
function templateVariables(template: string): string[] {
  const names: string[] = [];
  for (const m of template.matchAll(/\{[+#./;?&]?([^}]+)\}/g)) for (const part of m[1]!.split(',')) names.push(part.replace(/[*]|:\d+$/g, '').trim());
  return names.filter(Boolean);
}

export class Federation {
  readonly source: string;
  /** Federated URI (or template) → the upstream's. */
  private readonly routes = new Map<string, string>();
  /** Upstream URI → federated URI (for `resources/updated`). */
  private readonly reverse = new Map<string, string>();
  private readonly subscribed = new Set<string>();
  /** Modern upstreams: one `subscriptions/listen` stream for the federated resources. */
  private listening: { key: string; subscription: McpSubscription | undefined } | undefined;
  private syncing: Promise<void> = Promise.resolve();
  private stale = false;

  constructor(
    private readonly link: UpstreamLink,
    private readonly options: FederationOptions,
  ) {
    this.source = `gateway:${link.definition.id}`;
  }

  private get definition() {
    return this.link.definition;
  }

  private federatedName(name: string): string {
    return this.link.namespace === '' ? name : `${this.link.namespace}${this.options.separator}${name}`;
  }

  /**
   * Read the upstream's lists and (re)place its entries. `strict` (first connect): a name collision
   * rejects with `conflict`; later (list_changed): colliding entries are skipped with a warning.
   */
  sync(strict = false): Promise<void> {
    // Serialized; a change that arrives during a sync triggers exactly one more.
    if (this.stale) return this.syncing;
    this.stale = true;
    const run = this.syncing.then(async () => {
      this.stale = false;
      await this.syncNow(strict);
    });
    this.syncing = run.catch((err: unknown) => {
      if (!strict) this.options.logger.warn({ err, upstream: this.definition.name }, 'could not refresh the upstream catalog');
    });
    return strict ? run : this.syncing;
  }

  private async read(): Promise<Upstream> {
    const client = this.link.controlClient;
    if (!client) throw new PorticoError('upstream_failed', `upstream ${this.definition.name} is not connected`);
    const caps = client.getServerCapabilities() ?? {};
    const opts = { timeout: this.definition.timeoutMs, cacheMode: 'bypass' as const };
    const [tools, resources, templates, prompts] = await Promise.all([
      caps.tools ? client.listTools(undefined, opts).then((r) => r.tools) : [],
      caps.resources ? client.listResources(undefined, opts).then((r) => r.resources) : [],
      caps.resources ? client.listResourceTemplates(undefined, opts).then((r) => r.resourceTemplates).catch(() => []) : [],
      caps.prompts ? client.listPrompts(undefined, opts).then((r) => r.prompts) : [],
    ]);
    return { tools, resources, templates, prompts };
  }

  private async syncNow(strict: boolean): Promise<void> {
    const upstream = await this.read().catch((err: unknown) => {
      throw this.link.toPortico(err, 'listing its catalog');
    });
    const { catalog } = this.options;
    const conflicts: string[] = [];
    const foreign = (entry: { entry: CatalogEntry } | undefined) => entry !== undefined && entry.entry.source !== this.source;
    const entries: CatalogEntry[] = [];
    const routes = new Map<string, string>();

    for (const tool of upstream.tools) {
      if (!upstreamToolAllowed(this.definition, tool.name)) continue;
      const name = this.federatedName(tool.name);
      if (!TOOL_NAME.test(name)) {
        this.options.logger.warn({ upstream: this.definition.name, tool: tool.name }, 'upstream tool name is not a valid federated tool name; skipped');
        continue;
      }
      if (foreign(catalog.tool(name))) conflicts.push(`tool "${name}"`);
      else entries.push(this.toolEntry(name, tool as unknown as JsonObject & { name: string }));
    }
    for (const prompt of upstream.prompts) {
      const name = this.federatedName(prompt.name);
      if (foreign(catalog.prompt(name))) conflicts.push(`prompt "${name}"`);
      else entries.push(this.promptEntry(name, prompt as unknown as JsonObject & { name: string }));
    }
    const prefix = (uri: string) => `${this.link.namespace || this.definition.name}+${uri}`;
    for (const resource of upstream.resources) {
      const uri = foreign(catalog.resource(resource.uri)) ? prefix(resource.uri) : resource.uri;
      if (foreign(catalog.resource(uri)) || routes.has(uri)) {
        conflicts.push(`resource "${resource.uri}"`);
        continue;
      }
      routes.set(uri, resource.uri);
      entries.push(this.resourceEntry(uri, resource as unknown as JsonObject & { uri: string; name: string }));
    }
    for (const template of upstream.templates) {
      const uriTemplate = foreign(catalog.template(template.uriTemplate)) ? prefix(template.uriTemplate) : template.uriTemplate;
      if (foreign(catalog.template(uriTemplate)) || routes.has(uriTemplate)) {
        conflicts.push(`resource template "${template.uriTemplate}"`);
        continue;
      }
      routes.set(uriTemplate, template.uriTemplate);
      entries.push(this.templateEntry(uriTemplate, template as unknown as JsonObject & { uriTemplate: string; name: string }));
    }

    if (conflicts.length) {
      const message = `upstream ${this.definition.name} (namespace "${this.link.namespace}") collides with existing entries: ${conflicts.slice(0, 10).join(', ')}${conflicts.length > 10 ? ', …' : ''}`;
      if (strict) throw new PorticoError('conflict', message, { details: { conflicts } });
      this.options.logger.warn({ upstream: this.definition.name, conflicts }, 'upstream entries collide with existing ones; skipped');
    }

    // Remove what disappeared, then add/replace the rest: one swap, never an empty window.
    const keep = new Set(entries.map((e) => `${e.kind}:${e.kind === 'tool' || e.kind === 'prompt' ? e.name : e.kind === 'resource' ? e.uri : e.uriTemplate}`));
    const stale: [CatalogEntry['kind'], string][] = [];
    for (const t of catalog.tools()) if (t.entry.source === this.source && !keep.has(`tool:${t.entry.name}`)) stale.push(['tool', t.entry.name]);
    for (const p of catalog.prompts()) if (p.entry.source === this.source && !keep.has(`prompt:${p.entry.name}`)) stale.push(['prompt', p.entry.name]);
    for (const r of catalog.resources()) if (r.entry.source === this.source && !keep.has(`resource:${r.entry.uri}`)) stale.push(['resource', r.entry.uri]);
    for (const t of catalog.templates()) if (t.entry.source === this.source && !keep.has(`resourceTemplate:${t.entry.uriTemplate}`)) stale.push(['resourceTemplate', t.entry.uriTemplate]);
    for (const [kind, key] of stale) catalog.remove(kind, key);
    if (entries.length) catalog.add(entries, { replace: true });

    this.routes.clear();
    this.reverse.clear();
    for (const [federated, original] of routes) {
      this.routes.set(federated, original);
      this.reverse.set(original, federated);
    }
    this.link.counts = {
      tools: entries.filter((e) => e.kind === 'tool').length,
      resources: upstream.resources.length,
      resourceTemplates: upstream.templates.length,
      prompts: upstream.prompts.length,
    };
    void this.subscribe(upstream.resources.map((r) => r.uri));
  }

  /** Upstreams push `resources/updated` only for subscribed URIs (legacy `resources/subscribe`, modern `subscriptions/listen`). */
  private async subscribe(uris: string[]): Promise<void> {
    const client = this.link.controlClient;
    if (!client || !client.getServerCapabilities()?.resources?.subscribe) return;
    if (client.getProtocolEra() === 'modern') {
      const wanted = uris.slice(0, MAX_SUBSCRIPTIONS);
      const key = wanted.join('\n');
      if (this.listening?.key === key) return;
      const previous = this.listening?.subscription;
      this.listening = { key, subscription: undefined };
      await previous?.close().catch(() => undefined);
      if (wanted.length === 0) return;
      const subscription = await client.listen({ resourceSubscriptions: wanted }, { timeout: this.definition.timeoutMs }).catch(() => undefined);
      if (this.listening?.key === key) this.listening.subscription = subscription;
      else await subscription?.close().catch(() => undefined);
      return;
    }
    for (const uri of uris) {
      if (this.subscribed.has(uri) || this.subscribed.size >= MAX_SUBSCRIPTIONS) continue;
      this.subscribed.add(uri);
      await client.subscribeResource({ uri }, { timeout: this.definition.timeoutMs }).catch(() => this.subscribed.delete(uri));
    }
  }

  /** The upstream reconnected: its subscriptions are gone. */
  resetSubscriptions(): void {
    this.subscribed.clear();
    // The stream belonged to the old connection: let the next sync open a new one.
    this.listening = undefined;
  }

  /** The federated URI for an upstream `resources/updated`. */
  federatedUri(upstreamUri: string): string | undefined {
    return this.reverse.get(upstreamUri) ?? (this.routes.has(upstreamUri) ? upstreamUri : undefined);
  }

  /** Upstream URI for a federated one (fixed resources and template matches). */
  private upstreamUri(uri: string): string {
    if (this.routes.has(uri)) return this.routes.get(uri)!;
    const prefix = `${this.link.namespace || this.definition.name}+`;
    return uri.startsWith(prefix) ? uri.slice(prefix.length) : uri;
  }

  remove(): void {
    void this.listening?.subscription?.close().catch(() => undefined);
    this.listening = undefined;
    this.options.catalog.removeSource(this.source);
    this.routes.clear();
    this.reverse.clear();
  }

  // ---- entries ------------------------------------------------------------------------------

  private scope(ctx: ExecutionContext): SessionScope {
    return { principal: ctx.principal, sessionId: ctx.sessionId };
  }

  private relayOptions(signal: AbortSignal, ctx: () => ExecutionContext | undefined, listening: Listening) {
    return {
      signal,
      // The pipeline's deadline (the entry's timeoutMs) fires first and cancels upstream; this is the backstop.
      timeout: this.definition.timeoutMs + 1_000,
      // A progress token goes upstream only when the caller listens for progress.
      ...(listening.progress ? { onprogress: (p: { progress: number; total?: number; message?: string }) => ctx()?.progress(withDefined({ progress: p.progress }, { total: p.total, message: p.message })) } : {}),
      allowInputRequired: true,
    };
  }

  private completer(ref: { type: 'ref/prompt'; name: string } | { type: 'ref/resource'; uri: string }, argument: string): Completer {
    return async (value, context, ctx): Promise<CompletionResult> => {
      const result = await this.link.request(this.scope(ctx), 'completing', (client) =>
        client.complete({ ref, argument: { name: argument, value }, context: { arguments: context.arguments } }, { signal: ctx.signal, timeout: this.definition.timeoutMs }),
      );
      return result.completion as CompletionResult;
    };
  }

  private toolEntry(name: string, tool: JsonObject & { name: string }): ToolEntry {
    const upstreamName = tool.name;
    // Parameters mirrored into `Mcp-Param-*` headers are the SDK client's business.
    const lean = !JSON.stringify(tool.inputSchema ?? {}).includes('"x-mcp-header"');
    let inputSchema = (tool.inputSchema as JsonObject | undefined) ?? { type: 'object' };
    try {
      compileArgumentValidator(inputSchema, `tool ${name}`);
    } catch {
      // An upstream schema Portico cannot compile is left to the upstream to enforce.
      this.options.logger.warn({ upstream: this.definition.name, tool: upstreamName }, 'upstream tool input schema does not compile; arguments are validated upstream only');
      inputSchema = { type: 'object' };
    }
    return withDefined<ToolEntry>(
      {
        kind: 'tool',
        name,
        description: typeof tool.description === 'string' ? tool.description : '',
        inputSchema,
        timeoutMs: this.definition.timeoutMs,
        source: this.source,
        handler: (args, ctx) => this.callTool(ctx, name, upstreamName, args, lean),
      },
      {
        title: tool.title,
        outputSchema: tool.outputSchema,
        annotations: tool.annotations,
        icons: tool.icons,
        meta: tool._meta,
        requires: this.definition.permission,
      },
    );
  }

  private callTool(ctx: ExecutionContext, name: string, upstreamName: string, args: JsonObject, lean: boolean): Promise<CallToolResult | NeedsInput> {
    return this.relay<CallToolResult>(ctx, `tools/call:${name}`, `calling ${upstreamName}`, { method: 'tools/call', name: upstreamName, lean }, { name: upstreamName, arguments: args }, (client, params, options) =>
      client.callTool(params as Parameters<Client['callTool']>[0], options),
    );
  }

  /**
   * One relayed request for the current input round. Modern Streamable HTTP upstreams take the
   * lean path (one pooled POST, see modern-http-relay.ts) — directly under the caller's signal when
   * the upstream is shared, else on the session the isolation mode picks; every other upstream,
   * and requests the lean path does not cover (`lean: false`), go through the session's SDK client.
   */
  private relay<T>(
    ctx: ExecutionContext,
    target: string,
    what: string,
    request: LeanRequest,
    params: JsonObject,
    viaClient: (client: Client, params: JsonObject, options: ReturnType<Federation['relayOptions']>) => Promise<unknown>,
    finish: (value: T) => T = (value) => value,
  ): Promise<T | NeedsInput> {
    const outcome = (result: unknown): UpstreamOutcome<T> => inputRequired(result) ?? { kind: 'result', value: finish(result as T) };
    const shared = request.lean ? this.link.leanRelay() : undefined;
    if (shared) {
      return this.options.relayed.direct<T>(ctx, (resume) =>
        this.viaRelay(shared, request, withResume(params, resume), ctx, { signal: ctx.cancellation, progress: (p) => ctx.progress(p), log: (log) => logTo(ctx, log) }).then(outcome, (err: unknown) => {
          throw this.link.toPortico(err, what);
        }),
      );
    }
    return this.options.relayed.round<T>(ctx, target, (sink: CallSink, signal, current, resume) =>
      this.link.request(
        this.scope(ctx),
        what,
        async (client, session) => {
          const round = withResume(params, resume);
          if (session.relay && request.lean) return outcome(await this.viaRelay(session.relay, request, round, ctx, { signal, progress: (p) => current()?.progress(p), log: (log) => sink.log(log) }));
          return outcome(await viaClient(client, { ...round, ...callerMeta(client, ctx) }, this.relayOptions(signal, current, ctx.listens)));
        },
        sink,
      ),
    );
  }

  /** A request over the lean relay, asking upstream for exactly the progress and logs the caller listens for. */
  private viaRelay(relay: ModernHttpRelay, request: LeanRequest, params: JsonObject, ctx: ExecutionContext, to: CallerChannel): Promise<unknown> {
    return relay.request(request.method, request.name, params, {
      callerCapabilities: ctx.client.capabilities as JsonObject,
      logLevel: ctx.listens.logLevel,
      signal: to.signal,
      timeoutMs: this.definition.timeoutMs + 1_000,
      ...(ctx.listens.progress ? { onProgress: to.progress } : {}),
      ...(ctx.listens.logLevel !== undefined ? { onLog: to.log } : {}),
    });
  }

  private promptEntry(name: string, prompt: JsonObject & { name: string }): PromptEntry {
    const upstreamName = prompt.name;
    const args = Array.isArray(prompt.arguments) ? (prompt.arguments as PromptEntry['arguments']) : undefined;
    const complete: Record<string, Completer> = {};
    for (const a of args ?? []) complete[a.name] = this.completer({ type: 'ref/prompt', name: upstreamName }, a.name);
    return withDefined<PromptEntry>(
      {
        kind: 'prompt',
        name,
        description: typeof prompt.description === 'string' ? prompt.description : '',
        source: this.source,
        complete,
        get: (given, ctx) => {
          return this.relay<GetPromptResult>(ctx, `prompts/get:${name}`, `getting prompt ${upstreamName}`, { method: 'prompts/get', name: upstreamName, lean: true }, withDefined({ name: upstreamName }, { arguments: given }), (client, params, options) =>
            client.getPrompt(params as Parameters<Client['getPrompt']>[0], options),
          );
        },
      },
      { title: prompt.title, arguments: args, icons: prompt.icons, meta: prompt._meta, requires: this.definition.permission },
    );
  }

  private readResource(ctx: ExecutionContext, uri: string): Promise<ReadResourceResult | NeedsInput> {
    const upstreamUri = this.upstreamUri(uri);
    return this.relay<ReadResourceResult>(
      ctx,
      `resources/read:${uri}`,
      `reading ${upstreamUri}`,
      { method: 'resources/read', name: upstreamUri, lean: true },
      { uri: upstreamUri },
      (client, params, options) => client.readResource(params as Parameters<Client['readResource']>[0], { ...options, cacheMode: 'bypass' }),
      // A prefixed URI reads back under the name the caller asked for.
      (read) => (upstreamUri === uri ? read : { ...read, contents: read.contents.map((c) => (c.uri === upstreamUri ? { ...c, uri } : c)) }),
    );
  }

  private resourceEntry(uri: string, resource: JsonObject & { uri: string; name: string }): ResourceEntry {
    return withDefined<ResourceEntry>(
      { kind: 'resource', uri, name: resource.name, source: this.source, read: (readUri, ctx) => this.readResource(ctx, readUri) },
      {
        title: resource.title,
        description: resource.description,
        mimeType: resource.mimeType,
        size: resource.size,
        annotations: resource.annotations,
        icons: resource.icons,
        meta: resource._meta,
        requires: this.definition.permission,
      },
    );
  }

  private templateEntry(uriTemplate: string, template: JsonObject & { uriTemplate: string; name: string }): ResourceTemplateEntry {
    const complete: Record<string, Completer> = {};
    for (const variable of templateVariables(template.uriTemplate)) complete[variable] = this.completer({ type: 'ref/resource', uri: template.uriTemplate }, variable);
    return withDefined<ResourceTemplateEntry>(
      { kind: 'resourceTemplate', uriTemplate, name: template.name, source: this.source, complete, read: (uri, _vars, ctx) => this.readResource(ctx, uri) },
      {
        title: template.title,
        description: template.description,
        mimeType: template.mimeType,
        annotations: template.annotations,
        icons: template.icons,
        meta: template._meta,
        requires: this.definition.permission,
      },
    );
  }
}
