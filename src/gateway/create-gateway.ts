/**
 * The gateway: registered upstreams, each a live link (sessions, health, reconnect) plus its
 * federation into the catalog, and the per-upstream relay the REST API uses.
 */
import type { Client } from '@modelcontextprotocol/client';
import type { Catalog } from '../core/catalog/catalog.js';
import type { CallToolResult, GetPromptResult, JsonObject, PromptDescriptor, ReadResourceResult, ResourceDescriptor, ResourceTemplateDescriptor, ToolDescriptor } from '../core/catalog/mcp-shapes.js';
import { PorticoError } from '../core/errors.js';
import type { Principal } from '../core/identity/principal.js';
import type { Logger } from '../logging/logger.js';
import type { CallSink } from './call-routing.js';
import { Federation } from './federation.js';
import type { Gateway, RelayOptions, UpstreamStatus } from './gateway.js';
import { RelayedCalls } from './relayed-call.js';
import { upstreamDefinitionSchema, type UpstreamDefinition } from './upstream-definition.js';
import { UpstreamLink, type LinkOptions } from './upstream-link.js';
import { createGuardedLookup, createUpstreamUrlPolicy, type UpstreamUrlPolicyOptions } from './upstream-url-policy.js';

export interface GatewayOptions extends Partial<Omit<LinkOptions, 'logger' | 'clientInfo' | 'guardedLookup'>> {
  catalog: Catalog;
  /**
   * Where upstreams added over REST may connect (`gateway.allowLoopback`, `gateway.allowedHosts`):
   * checked when one is added (`checkUrl`) and at every connection it opens. Default: loopback and
   * public addresses.
   */
  addressPolicy?: UpstreamUrlPolicyOptions;
  logger: Logger;
  clientInfo: { name: string; version: string };
  /** Between namespace and name in federated tool and prompt names. Default `_`. */
  separator?: string;
}

const DEFAULTS = {
  healthIntervalMs: 15_000,
  circuitThreshold: 3,
  backoffInitialMs: 500,
  backoffMaxMs: 30_000,
  idleSessionMs: 10 * 60_000,
  maxSessions: 256,
} as const;

interface Registered {
  link: UpstreamLink;
  federation: Federation;
}

/** Direct REST calls cannot answer an upstream's questions: say so instead of hanging. */
const NO_INPUT_SINK: CallSink = {
  log: () => undefined,
  ask: (method) => Promise.reject(new PorticoError('missing_client_capability', `the upstream asked for ${method}, which this surface cannot relay`)),
};

export function createGateway(options: GatewayOptions): Gateway {
  const { catalog, logger } = options;
  const separator = options.separator ?? '_';
  const addressPolicy = options.addressPolicy ?? { allowLoopback: true, allowedHosts: [] };
  const linkOptions: LinkOptions = { ...DEFAULTS, ...stripUndefined(options), logger, clientInfo: options.clientInfo, guardedLookup: createGuardedLookup(addressPolicy) };
  const upstreams = new Map<string, Registered>();
  const statusListeners = new Set<(status: UpstreamStatus) => void>();
  const relayed = new RelayedCalls(60_000);
  let closed = false;

  const emit = (link: UpstreamLink) => {
    const status = link.status();
    for (const l of statusListeners) l(status);
  };

  function registered(id: string): Registered {
    const found = upstreams.get(id);
    if (!found) throw new PorticoError('not_found', `Unknown upstream: ${id}`);
    return found;
  }

  async function connect(input: UpstreamDefinition): Promise<UpstreamStatus> {
    if (closed) throw new PorticoError('unavailable', 'the gateway is closed');
    const parsed = upstreamDefinitionSchema.safeParse(input);
    if (!parsed.success) throw new PorticoError('validation_failed', `invalid upstream definition: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const definition = parsed.data;
    if (upstreams.has(definition.id)) throw new PorticoError('conflict', `upstream ${definition.id} is already connected`);
    for (const other of upstreams.values()) {
      if (other.link.definition.name === definition.name) throw new PorticoError('conflict', `an upstream named "${definition.name}" is already connected`);
    }
    const link = new UpstreamLink(definition, { ...linkOptions, logger: logger.child({ upstream: definition.name }) }, {
      onInventoryStale: () => {
        federation.resetSubscriptions();
        void federation.sync();
      },
      onResourceUpdated: (uri) => {
        const federated = federation.federatedUri(uri);
        if (federated) catalog.resourceUpdated(federated);
      },
      onStatus: () => emit(link),
    });
    const federation = new Federation(link, { catalog, separator, relayed, logger: logger.child({ upstream: definition.name }) });
    const entry = { link, federation };
    // Reserve the id and name while connecting, so two concurrent connects cannot both win.
    upstreams.set(definition.id, entry);
    if (!definition.enabled) {
      link.health = 'disconnected';
      link.reason = 'disabled';
      return link.status();
    }
    try {
      await link.start();
      await federation.sync(true);
    } catch (err) {
      upstreams.delete(definition.id);
      federation.remove();
      await link.close();
      throw err instanceof PorticoError ? err : link.toPortico(err, 'connecting');
    }
    logger.info({ upstream: definition.name, ...countsOf(link) }, 'upstream connected');
    emit(link);
    return link.status();
  }

  async function disconnect(id: string): Promise<boolean> {
    const found = upstreams.get(id);
    if (!found) return false;
    upstreams.delete(id);
    found.federation.remove();
    await found.link.close();
    emit(found.link);
    return true;
  }

  /** REST relay: the upstream's own names; no input rounds. */
  async function direct<T>(principal: Principal, id: string, what: string, options: RelayOptions | undefined, run: (client: Client, signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
    const { link } = registered(id);
    if (link.status().reason === 'disabled') throw new PorticoError('upstream_failed', `upstream ${link.definition.name} is disabled`);
    return link.request({ principal, sessionId: options?.sessionId }, what, (client) => run(client, options?.signal), NO_INPUT_SINK);
  }

  const reqOpts = (id: string, options: RelayOptions | undefined) => {
    const timeout = options?.timeoutMs ?? registered(id).link.definition.timeoutMs;
    return {
      timeout,
      ...(options?.signal ? { signal: options.signal } : {}),
      ...(options?.onProgress ? { onprogress: options.onProgress } : {}),
    };
  };

  return {
    checkUrl: createUpstreamUrlPolicy(addressPolicy),
    connect,
    async reconnect(definition) {
      await disconnect(definition.id);
      return connect(definition);
    },
    disconnect,
    list: () => [...upstreams.values()].map((u) => u.link.status()),
    status: (id) => upstreams.get(id)?.link.status(),
    onStatus(listener) {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },

    listTools: (principal, id, options) =>
      direct(principal, id, 'listing tools', options, async (client) => (await client.listTools(undefined, { ...reqOpts(id, options), cacheMode: 'bypass' })).tools as unknown as ToolDescriptor[]),
    callTool: (principal, id, name, args, options) =>
      direct(principal, id, `calling ${name}`, options, async (client) => (await client.callTool({ name, arguments: args ?? {} }, reqOpts(id, options))) as CallToolResult),
    listResources: (principal, id, options) =>
      direct(principal, id, 'listing resources', options, async (client) => (await client.listResources(undefined, { ...reqOpts(id, options), cacheMode: 'bypass' })).resources as unknown as ResourceDescriptor[]),
    listResourceTemplates: (principal, id, options) =>
      direct(
        principal,
        id,
        'listing resource templates',
        options,
        async (client) => (await client.listResourceTemplates(undefined, { ...reqOpts(id, options), cacheMode: 'bypass' })).resourceTemplates as unknown as ResourceTemplateDescriptor[],
      ),
    readResource: (principal, id, uri, options) =>
      direct(principal, id, `reading ${uri}`, options, async (client) => (await client.readResource({ uri }, { ...reqOpts(id, options), cacheMode: 'bypass' })) as ReadResourceResult),
    listPrompts: (principal, id, options) =>
      direct(principal, id, 'listing prompts', options, async (client) => (await client.listPrompts(undefined, { ...reqOpts(id, options), cacheMode: 'bypass' })).prompts as unknown as PromptDescriptor[]),
    getPrompt: (principal, id, name, args, options) =>
      direct(principal, id, `getting prompt ${name}`, options, async (client) => (await client.getPrompt({ name, ...(args ? { arguments: args } : {}) }, reqOpts(id, options))) as GetPromptResult),

    async close() {
      if (closed) return;
      closed = true;
      relayed.close();
      const all = [...upstreams.keys()];
      await Promise.allSettled(all.map((id) => disconnect(id)));
    },
  };
}

function countsOf(link: UpstreamLink): JsonObject {
  return { ...link.counts };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
