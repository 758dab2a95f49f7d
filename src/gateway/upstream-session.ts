/**
 * One live MCP session towards an upstream: an SDK v2 `Client` on the definition's transport
 * (stdio under the watchdog, legacy HTTP+SSE, or Streamable HTTP in either era), with the
 * upstream's notifications and server-to-client requests handed to the owner through hooks.
 * Era negotiation runs once per upstream (`auto`); the verdict is cached by the caller and passed
 * back as `prior`, so later sessions (reconnects, per-principal sessions) skip the probe.
 */
import {
  Client,
  SdkError,
  SdkErrorCode,
  SSEClientTransport,
  StreamableHTTPClientTransport,
  type PriorDiscovery,
  type Transport,
} from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import type { LookupFunction } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';
import type { JsonObject } from '../core/catalog/mcp-shapes.js';
import type { UpstreamEra } from './gateway.js';
import { upstreamCredentials } from './upstream-auth.js';
import type { UpstreamDefinition } from './upstream-definition.js';
import { watchdogCommand } from './stdio-watchdog.js';
import { MODERN_REVISION, ModernHttpRelay } from './modern-http-relay.js';

/** What the upstream pushes, for the owner to route. */
export interface UpstreamSessionHooks {
  /** `tools` / `prompts` / `resources` changed upstream. */
  onListChanged(list: 'tools' | 'prompts' | 'resources'): void;
  onResourceUpdated(uri: string): void;
  /** `notifications/message` (logging) from the upstream. */
  onLog(params: JsonObject): void;
  /** A legacy-era server-to-client request (sampling, elicitation, roots) to relay downstream. */
  onServerRequest(method: 'sampling/createMessage' | 'elicitation/create' | 'roots/list', params: JsonObject, signal: AbortSignal): Promise<JsonObject>;
  /** The session ended by itself (child exited, stream dropped). Not called after `close()`. */
  onClosed(reason: string): void;
}

export interface UpstreamSession {
  readonly client: Client;
  readonly era: UpstreamEra;
  /** Modern-era Streamable HTTP upstreams with fixed credentials: the lean path for calls. */
  readonly relay: ModernHttpRelay | undefined;
  /** The verdict to cache for the next session of this upstream. */
  readonly verdict: PriorDiscovery;
  /** stdio: pid of the watchdog that supervises the server process. */
  readonly pid: number | undefined;
  readonly serverInfo: { name: string; version: string } | undefined;
  readonly closed: boolean;
  close(): Promise<void>;
}

export interface OpenSessionOptions {
  prior?: PriorDiscovery | undefined;
  /** How Portico names itself upstream. */
  clientInfo: { name: string; version: string };
  /** stdio: where the server's stderr goes (default: discarded, never mixed into Portico's logs). */
  stderr?: 'ignore' | 'inherit';
  fetch?: typeof fetch;
  /** Every connection resolves its host through this (the network guard); absent: the system resolver. */
  lookup?: LookupFunction;
}

/** `fetch` whose connections resolve through `lookup` (the SDK transports take a fetch). */
function fetchWithLookup(lookup: LookupFunction): typeof fetch {
  const dispatcher = new Agent({ connect: { lookup } });
  return ((input: string | URL | Request, init?: RequestInit) => undiciFetch(input as never, { ...(init as object), dispatcher } as never)) as unknown as typeof fetch;
}

function transportFor(definition: UpstreamDefinition, options: OpenSessionOptions): Transport {
  const { transport } = definition;
  if (transport.type === 'stdio') {
    const wrapped = watchdogCommand(transport.command, transport.args);
    return new StdioClientTransport({
      command: wrapped.command,
      args: wrapped.args,
      env: transport.env,
      ...(transport.cwd ? { cwd: transport.cwd } : {}),
      stderr: options.stderr ?? 'ignore',
    });
  }
  const fetchImpl = options.fetch ?? (options.lookup ? fetchWithLookup(options.lookup) : undefined);
  const credentials = upstreamCredentials(definition.auth, fetchImpl);
  const common = {
    requestInit: { headers: credentials.headers },
    ...(credentials.authProvider ? { authProvider: credentials.authProvider } : {}),
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  };
  const url = new URL(transport.url);
  return transport.type === 'sse' ? new SSEClientTransport(url, common) : new StreamableHTTPClientTransport(url, common);
}

function negotiationFor(definition: UpstreamDefinition) {
  // The old HTTP+SSE transport only ever speaks the legacy era.
  if (definition.transport.type === 'sse' || definition.era === 'legacy') return undefined;
  return definition.era === 'modern' ? { mode: { pin: MODERN_REVISION } } : { mode: 'auto' as const, probe: { timeoutMs: Math.min(definition.timeoutMs, 10_000) } };
}

export async function openUpstreamSession(definition: UpstreamDefinition, hooks: UpstreamSessionHooks, options: OpenSessionOptions): Promise<UpstreamSession> {
  const negotiation = negotiationFor(definition);
  const client = new Client(options.clientInfo, {
    // Portico relays these to the downstream client that made the call.
    capabilities: { sampling: {}, elicitation: { form: {}, url: {} }, roots: { listChanged: true } },
    ...(negotiation ? { versionNegotiation: negotiation } : {}),
    // Input rounds are relayed downstream as they are, not answered here.
    inputRequired: { autoFulfill: false },
    listChanged: {
      tools: { autoRefresh: false, debounceMs: 50, onChanged: () => hooks.onListChanged('tools') },
      prompts: { autoRefresh: false, debounceMs: 50, onChanged: () => hooks.onListChanged('prompts') },
      resources: { autoRefresh: false, debounceMs: 50, onChanged: () => hooks.onListChanged('resources') },
    },
  });
  client.setNotificationHandler('notifications/resources/updated', (n) => hooks.onResourceUpdated(n.params.uri));
  client.setNotificationHandler('notifications/message', (n) => hooks.onLog(n.params as JsonObject));
  client.setRequestHandler('sampling/createMessage', (req, ctx) => hooks.onServerRequest('sampling/createMessage', req.params as JsonObject, ctx.mcpReq.signal) as never);
  client.setRequestHandler('elicitation/create', (req, ctx) => hooks.onServerRequest('elicitation/create', req.params as JsonObject, ctx.mcpReq.signal) as never);
  client.setRequestHandler('roots/list', (req, ctx) => hooks.onServerRequest('roots/list', (req.params ?? {}) as JsonObject, ctx.mcpReq.signal) as never);

  let closing = false;
  const transport = transportFor(definition, options);
  client.onclose = () => {
    if (!closing) hooks.onClosed('the upstream connection closed');
  };
  // Transport errors also surface as failed requests; here they are only noise.
  client.onerror = () => undefined;
  // A connect must never hang, whatever the transport does underneath (stream retries, a child
  // that never answers): one deadline for the whole handshake.
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SdkError(SdkErrorCode.RequestTimeout, `no answer to the handshake within ${definition.timeoutMs} ms`)), definition.timeoutMs + 1_000);
  });
  try {
    await Promise.race([client.connect(transport, { timeout: definition.timeoutMs, ...(options.prior ? { prior: options.prior } : {}) }), deadline]);
    // A cached modern verdict connects with zero round trips: prove the upstream is really there.
    if (options.prior?.kind === 'modern') await Promise.race([client.discover({ timeout: definition.timeoutMs }), deadline]);
  } catch (err) {
    closing = true;
    await client.close().catch(() => undefined);
    throw err;
  } finally {
    clearTimeout(timer);
  }
  const era: UpstreamEra = client.getProtocolEra() === 'modern' ? 'modern' : 'legacy';
  const discover = client.getDiscoverResult();
  const verdict: PriorDiscovery = era === 'modern' && discover ? { kind: 'modern', discover } : { kind: 'legacy' };
  const info = client.getServerVersion();
  const relay =
    era === 'modern' && definition.transport.type === 'http' && definition.auth.type !== 'oauth' && !options.fetch
      ? new ModernHttpRelay(new URL(definition.transport.url), upstreamCredentials(definition.auth).headers, options.clientInfo, options.lookup)
      : undefined;
  return {
    client,
    era,
    relay,
    verdict,
    pid: transport instanceof StdioClientTransport ? (transport.pid ?? undefined) : undefined,
    serverInfo: info ? { name: info.name, version: info.version } : undefined,
    get closed() {
      return closing;
    },
    async close() {
      if (closing) return;
      closing = true;
      await Promise.all([client.close().catch(() => undefined), relay?.close().catch(() => undefined)]);
    },
  };
}
