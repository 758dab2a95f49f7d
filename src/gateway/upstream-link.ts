/**
 * Everything live about one upstream: its sessions (one shared "control" session that also lists
 * the catalog and watches health, plus per-principal / per-session ones as the isolation mode
 * says), health with ping checks, reconnect with exponential backoff, the circuit that opens after
 * repeated failure, transparent re-establishment of expired sessions, and the request wrapper that
 * maps SDK failures onto Portico's error catalogue without leaking credentials.
 */
import { ProtocolError, SdkError, SdkErrorCode, SdkHttpError, type Client, type PriorDiscovery } from '@modelcontextprotocol/client';
import type { LookupFunction } from 'node:net';
import type { JsonObject } from '../core/catalog/mcp-shapes.js';
import { PorticoError } from '../core/errors.js';
import type { Principal } from '../core/identity/principal.js';
import type { Logger } from '../logging/logger.js';
import { InFlightCalls, type CallSink } from './call-routing.js';
import type { UpstreamHealth, UpstreamStatus } from './gateway.js';
import { upstreamNamespace, upstreamSecrets, type UpstreamDefinition } from './upstream-definition.js';
import type { ModernHttpRelay } from './modern-http-relay.js';
import { openUpstreamSession, type UpstreamSession } from './upstream-session.js';

export interface LinkOptions {
  logger: Logger;
  clientInfo: { name: string; version: string };
  /** Ping the control session this often (0: never). */
  healthIntervalMs: number;
  /** Consecutive failures after which the circuit opens (`degraded`). */
  circuitThreshold: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  /** Per-principal / per-session sessions idle this long are closed. */
  idleSessionMs: number;
  /** At most this many isolated sessions per upstream; the least recently used is closed. */
  maxSessions: number;
  stderr?: 'ignore' | 'inherit';
  fetch?: typeof fetch;
  /** Resolves and checks the host of every connection of an upstream with `networkGuard` (see upstream-url-policy.ts). */
  guardedLookup?: LookupFunction | undefined;
}

export interface LinkEvents {
  /** The upstream's lists changed (or it reconnected): re-read and re-federate. */
  onInventoryStale(): void;
  onResourceUpdated(upstreamUri: string): void;
  onStatus(): void;
}

interface Pooled {
  session: UpstreamSession;
  calls: InFlightCalls;
  lastUsed: number;
}

/** Who a request is for, to pick the session under the upstream's isolation mode. */
export interface SessionScope {
  principal: Principal;
  /** The downstream session (legacy) — per-session isolation; absent: one session per request. */
  sessionId?: string | undefined;
}

export class UpstreamLink {
  health: UpstreamHealth = 'connecting';
  reason: string | undefined;
  failures = 0;
  connectedAt: Date | undefined;
  /** Epoch ms of the last request (a number: it is stamped on every call). */
  private lastActivityMs: number | undefined;
  counts = { tools: 0, resources: 0, resourceTemplates: 0, prompts: 0 };
  private verdict: PriorDiscovery | undefined;
  private control: Pooled | undefined;
  private readonly isolated = new Map<string, Promise<Pooled>>();
  private reconnecting: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private healthTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly secrets: string[];

  constructor(
    readonly definition: UpstreamDefinition,
    private readonly options: LinkOptions,
    private readonly events: LinkEvents,
  ) {
    this.secrets = upstreamSecrets(definition);
  }

  get namespace(): string {
    return upstreamNamespace(this.definition);
  }

  get controlClient(): Client | undefined {
    return this.control?.session.client;
  }

  status(): UpstreamStatus {
    const session = this.control?.session;
    return {
      id: this.definition.id,
      name: this.definition.name,
      namespace: this.namespace,
      transport: this.definition.transport.type,
      authType: this.definition.auth.type,
      isolation: this.definition.isolation,
      health: this.health,
      ...(this.reason ? { reason: this.reason } : {}),
      ...(session ? { era: session.era } : {}),
      ...(session?.serverInfo ? { serverInfo: session.serverInfo } : {}),
      counts: { ...this.counts },
      ...(this.connectedAt ? { connectedAt: this.connectedAt } : {}),
      ...(this.lastActivityMs !== undefined ? { lastActivityAt: new Date(this.lastActivityMs) } : {}),
      failures: this.failures,
      ...(session?.pid ? { pid: session.pid } : {}),
    };
  }

  /** First connection: rejects (and leaves nothing running) when the upstream cannot be reached. */
  async start(): Promise<void> {
    try {
      this.control = await this.open();
    } catch (err) {
      this.health = 'disconnected';
      this.reason = this.describe(err);
      throw this.toPortico(err, 'connect');
    }
    this.markConnected();
    this.healthTimer = this.options.healthIntervalMs > 0 ? setInterval(() => void this.check(), this.options.healthIntervalMs) : undefined;
    this.healthTimer?.unref();
    this.idleTimer = setInterval(() => this.sweepIdle(), Math.max(1_000, Math.min(this.options.idleSessionMs, 60_000)));
    this.idleTimer.unref();
  }

  private async open(): Promise<Pooled> {
    const calls = new InFlightCalls();
    // Set once the session is open; the hooks only fire after that.
    const ref: { pooled?: Pooled } = {};
    const session = await openUpstreamSession(
      this.definition,
      {
        onListChanged: () => {
          if (ref.pooled === this.control) this.events.onInventoryStale();
        },
        onResourceUpdated: (uri) => {
          if (ref.pooled === this.control) this.events.onResourceUpdated(uri);
        },
        onLog: (params) => calls.log(params),
        onServerRequest: (method, params, signal) => calls.ask(method, params, signal),
        onClosed: (reason) => {
          if (ref.pooled) this.sessionClosed(ref.pooled, reason);
        },
      },
      {
        prior: this.verdict,
        clientInfo: this.options.clientInfo,
        ...(this.options.stderr ? { stderr: this.options.stderr } : {}),
        ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
        ...(this.definition.networkGuard && this.options.guardedLookup ? { lookup: this.options.guardedLookup } : {}),
      },
    );
    this.verdict ??= session.verdict;
    const pooled: Pooled = { session, calls, lastUsed: Date.now() };
    ref.pooled = pooled;
    if (this.closed) {
      await session.close();
      throw new PorticoError('upstream_failed', 'the gateway is closing');
    }
    return pooled;
  }

  private markConnected(): void {
    this.health = 'connected';
    this.reason = undefined;
    this.failures = 0;
    this.connectedAt = new Date();
    this.events.onStatus();
  }

  /** A session ended by itself: isolated ones are simply dropped; the control session is reconnected. */
  private sessionClosed(pooled: Pooled, reason: string): void {
    if (this.closed) return;
    for (const [key, p] of this.isolated) void p.then((other) => other === pooled && this.isolated.delete(key), () => undefined);
    if (pooled === this.control) {
      this.control = undefined;
      this.scheduleReconnect(reason);
    }
  }

  private scheduleReconnect(reason: string, fromReconnect = false): void {
    if (this.closed || this.retryTimer || (this.reconnecting && !fromReconnect)) return;
    this.failures++;
    this.reason = reason;
    this.health = this.failures >= this.options.circuitThreshold ? 'degraded' : 'connecting';
    this.events.onStatus();
    const delay = Math.min(this.options.backoffMaxMs, this.options.backoffInitialMs * 2 ** Math.max(0, this.failures - 1));
    this.options.logger.warn({ upstream: this.definition.name, reason, failures: this.failures, retryInMs: delay }, 'upstream connection lost; reconnecting');
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.reconnecting = this.reconnect().finally(() => (this.reconnecting = undefined));
    }, delay);
    this.retryTimer.unref();
  }

  private async reconnect(): Promise<void> {
    if (this.closed) return;
    const old = this.control;
    this.control = undefined;
    await old?.session.close();
    try {
      this.control = await this.open();
    } catch (err) {
      this.scheduleReconnect(this.describe(err), true);
      return;
    }
    this.markConnected();
    this.options.logger.info({ upstream: this.definition.name }, 'upstream reconnected');
    // It may have restarted with other tools: re-read what it offers.
    this.events.onInventoryStale();
  }

  /** Ping the control session; a failure starts the reconnect cycle. */
  async check(): Promise<void> {
    const control = this.control;
    if (this.closed || !control || this.reconnecting) return;
    try {
      const options = { timeout: Math.min(this.definition.timeoutMs, 10_000) };
      // The modern era has no ping: `server/discover` is its cheapest round trip.
      if (control.session.era === 'modern') await control.session.client.discover(options);
      else await control.session.client.ping(options);
    } catch (err) {
      if (this.control === control) {
        this.control = undefined;
        await control.session.close();
        this.scheduleReconnect(`health check failed: ${this.describe(err)}`);
      }
    }
  }

  private sweepIdle(): void {
    const cutoff = Date.now() - this.options.idleSessionMs;
    for (const [key, p] of this.isolated) {
      void p.then(
        (pooled) => {
          if (pooled.lastUsed < cutoff && this.isolated.get(key) === p) {
            this.isolated.delete(key);
            void pooled.session.close();
          }
        },
        () => undefined,
      );
    }
  }

  /** The control session, waiting for a reconnect in progress; fails fast while the circuit is open. */
  private async controlSession(): Promise<Pooled> {
    if (this.closed) throw new PorticoError('upstream_failed', `upstream ${this.definition.name} is disconnected`);
    if (this.control) return this.control;
    if (this.health === 'degraded') throw new PorticoError('upstream_failed', `upstream ${this.definition.name} is unavailable (${this.reason ?? 'circuit open'})`);
    if (this.reconnecting) await this.reconnecting;
    else if (this.retryTimer) {
      // A retry is scheduled: try now instead of making the caller wait for the backoff.
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
      this.reconnecting = this.reconnect().finally(() => (this.reconnecting = undefined));
      await this.reconnecting;
    }
    if (this.control) return this.control;
    throw new PorticoError('upstream_failed', `upstream ${this.definition.name} is unavailable (${this.reason ?? 'reconnecting'})`);
  }

  private keyFor(scope: SessionScope): string | undefined {
    switch (this.definition.isolation) {
      case 'shared':
        return undefined;
      case 'per-principal':
        return `p:${scope.principal.id}`;
      case 'per-session':
        return scope.sessionId ? `s:${scope.principal.id}:${scope.sessionId}` : `r:${Math.random()}`;
    }
  }

  private async sessionFor(key: string | undefined): Promise<Pooled> {
    if (key === undefined) return this.controlSession();
    // Isolated sessions follow the control session's health: no point opening them while it is down.
    await this.controlSession();
    let pending = this.isolated.get(key);
    if (!pending) {
      if (this.isolated.size >= this.options.maxSessions) this.evictOldest();
      pending = this.open();
      this.isolated.set(key, pending);
      pending.catch(() => this.isolated.get(key) === pending && this.isolated.delete(key));
    }
    return pending;
  }

  private evictOldest(): void {
    const first = this.isolated.entries().next().value;
    if (!first) return;
    const [key, p] = first;
    this.isolated.delete(key);
    void p.then((pooled) => pooled.session.close(), () => undefined);
  }

  private async drop(key: string | undefined, pooled: Pooled): Promise<void> {
    if (key === undefined) {
      if (this.control === pooled) {
        this.control = undefined;
        await pooled.session.close();
        // Re-open right away (not a failure of the upstream: its session had expired).
        this.reconnecting ??= this.reconnect().finally(() => (this.reconnecting = undefined));
        await this.reconnecting;
      }
      return;
    }
    this.isolated.delete(key);
    await pooled.session.close();
  }

  /**
   * The lean relay for a request, when the upstream is shared, connected and modern over HTTP: the
   * hot path that skips session selection (there is only the one open session) and the
   * server-request routing (a modern upstream asks for input in its result, not mid-call).
   * Undefined whenever anything else applies; the caller then takes `request`.
   */
  leanRelay(): ModernHttpRelay | undefined {
    const control = this.control;
    if (this.closed || this.definition.isolation !== 'shared' || !control?.session.relay) return undefined;
    control.lastUsed = this.lastActivityMs = Date.now();
    return control.session.relay;
  }

  /**
   * Run one request on the right session. A session the upstream no longer knows (HTTP 404 after
   * idling, a dead pipe before sending) is re-established and the request retried once — safe,
   * because the upstream never saw it. Errors come back as PorticoErrors with scrubbed messages.
   */
  async request<T>(scope: SessionScope, what: string, run: (client: Client, session: UpstreamSession) => Promise<T>, sink?: CallSink): Promise<T> {
    const key = this.keyFor(scope);
    const perRequest = key?.startsWith('r:') === true;
    for (let attempt = 0; ; attempt++) {
      const pooled = await this.sessionFor(key).catch((err: unknown) => {
        throw this.toPortico(err, what);
      });
      pooled.lastUsed = this.lastActivityMs = Date.now();
      try {
        return await (sink ? pooled.calls.around(sink, () => run(pooled.session.client, pooled.session)) : run(pooled.session.client, pooled.session));
      } catch (err) {
        if (attempt === 0 && isSessionGone(err)) {
          await this.drop(key, pooled);
          continue;
        }
        throw this.toPortico(err, what);
      } finally {
        if (perRequest) {
          this.isolated.delete(key!);
          void pooled.session.close();
        }
      }
    }
  }

  /** A safe message for an upstream failure: no stack, no credential. */
  describe(err: unknown): string {
    let message = err instanceof Error ? err.message : String(err);
    // "fetch failed" says nothing: name what failed underneath (refused address, DNS, TLS, …).
    let cause = err instanceof Error ? err.cause : undefined;
    for (let depth = 0; cause instanceof Error && depth < 4; depth++, cause = cause.cause) {
      if (cause.message && !message.includes(cause.message)) message += `: ${cause.message}`;
    }
    message = this.scrub(message);
    return message.length > 500 ? `${message.slice(0, 500)}…` : message;
  }

  toPortico(err: unknown, what: string): PorticoError {
    if (err instanceof PorticoError) return new PorticoError(err.code, this.scrub(err.message), { details: err.details });
    if (err instanceof ProtocolError) {
      // The upstream answered with a JSON-RPC error: pass its meaning on.
      const data = (err as { data?: unknown }).data;
      if (err.code === -32002) return new PorticoError('not_found', this.describe(err), data === undefined ? undefined : { details: data as JsonObject });
      if (err.code === -32602) return new PorticoError('validation_failed', this.describe(err));
      if (err.code === -32601) return new PorticoError('not_found', this.describe(err));
      if (err.code === -32021) return new PorticoError('missing_client_capability', this.describe(err), data === undefined ? undefined : { details: data as JsonObject });
      return new PorticoError('upstream_failed', `upstream ${this.definition.name} failed ${what}: ${this.describe(err)}`);
    }
    if (err instanceof SdkError && err.code === SdkErrorCode.RequestTimeout) return new PorticoError('upstream_timeout', `upstream ${this.definition.name} did not answer ${what} within ${this.definition.timeoutMs} ms`);
    const name = err instanceof Error ? err.name : '';
    if (name === 'AbortError') return new PorticoError('cancelled');
    return new PorticoError('upstream_failed', `upstream ${this.definition.name} failed ${what}: ${this.describe(err)}`);
  }

  private scrub(message: string): string {
    for (const secret of this.secrets) message = message.split(secret).join('***');
    return message;
  }

  /** Close every session (and so every child process). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.healthTimer);
    clearInterval(this.idleTimer);
    clearTimeout(this.retryTimer);
    const sessions: Promise<unknown>[] = [];
    if (this.control) sessions.push(this.control.session.close());
    for (const p of this.isolated.values()) sessions.push(p.then((pooled) => pooled.session.close(), () => undefined));
    this.isolated.clear();
    this.control = undefined;
    await Promise.allSettled(sessions);
    await this.reconnecting?.catch(() => undefined);
    this.health = 'disconnected';
    this.reason = 'disconnected';
  }
}

/** The upstream forgot the session (HTTP 404) or the connection was already gone before sending. */
function isSessionGone(err: unknown): boolean {
  if (err instanceof SdkHttpError) return err.status === 404;
  if (err instanceof SdkError) return err.code === SdkErrorCode.NotConnected;
  return false;
}
