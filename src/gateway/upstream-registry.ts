/**
 * The upstreams Portico should be connected to, and where each came from: the config file (read at
 * every start, never stored, not removable at run time) or the REST API / CLI (stored in the
 * database, credentials sealed). The registry owns the definitions; the gateway owns the live
 * connections. At start it connects every enabled definition; one that cannot connect yet is
 * retried with backoff (the gateway keeps nothing of a failed first connection), so a server
 * that is down when Portico starts is picked up when it comes back.
 */
import { randomUUID } from 'node:crypto';
import { auditAdmin } from '../auth/audit/audit-events.js';
import type { FrozenConfig } from '../config/schema.js';
import { PorticoError } from '../core/errors.js';
import type { Principal } from '../core/identity/principal.js';
import type { AuditSink } from '../core/pipeline/audit-sink.js';
import type { SurfaceName } from '../core/pipeline/execution-context.js';
import type { Logger } from '../logging/logger.js';
import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../store/schema.js';
import { createUpstreamRepository, type UpstreamRepository } from '../store/repositories/upstream.repository.js';
import { configuredUpstreams } from './configured-upstreams.js';
import { createUpstreamOAuthFlow, type UpstreamOAuthFlow } from './upstream-oauth-flow.js';
import type { Gateway, UpstreamStatus } from './gateway.js';
import { publicUpstreamDefinition, upstreamDefinitionSchema, upstreamUrl, type OAuthTokens, type PublicUpstreamDefinition, type UpstreamDefinition, type UpstreamDefinitionInput } from './upstream-definition.js';

export type UpstreamSource = 'config' | 'api';

/** An upstream as the surfaces show it: never a credential. */
export interface UpstreamView {
  readonly id: string;
  readonly name: string;
  readonly source: UpstreamSource;
  readonly definition: PublicUpstreamDefinition;
  readonly url?: string | undefined;
  readonly createdAt: string;
  readonly createdBy: string | null;
  /** Live state from the gateway; undefined while it has never connected (see `lastError`). */
  readonly status?: UpstreamStatus | undefined;
  /** Why the last connection attempt the registry made failed (safe to show). */
  readonly lastError?: string | undefined;
  /** OAuth authorization-code upstream still waiting for an admin to authorize it in a browser. */
  readonly authorizationRequired: boolean;
}

/** Who made a change (undefined: the local operator through the CLI). */
export interface UpstreamActor {
  principal: Pick<Principal, 'id' | 'name'>;
  surface?: SurfaceName;
  requestId?: string;
}

export interface UpstreamRegistry {
  /** Connect every known enabled upstream (config first, then stored). Never throws for one upstream. */
  start(): Promise<void>;
  list(): UpstreamView[];
  get(id: string): UpstreamView | undefined;
  /** The full definition, credentials included: for the gateway and relays only, never to show. */
  definition(id: string): UpstreamDefinition | undefined;
  /**
   * Connect a new upstream, then store it. Nothing is kept when the connection fails
   * (`upstream_failed`, `upstream_timeout`) or the name is taken (`conflict`).
   */
  add(input: UpstreamDefinitionInput, actor?: UpstreamActor): Promise<UpstreamView>;
  /** Disconnect and forget a stored upstream; `conflict` for a config-declared one, false when unknown. */
  remove(id: string, actor?: UpstreamActor): Promise<boolean>;
  /**
   * Store the tokens an admin obtained for an authorization-code upstream (`/oauth/upstream/callback`)
   * and connect it (retrying with backoff if it cannot connect yet).
   */
  authorize(id: string, tokens: OAuthTokens, actor?: UpstreamActor): Promise<UpstreamView>;
  /** Pending authorization-code grants of this process (begin → callback). */
  readonly oauth: UpstreamOAuthFlow;
  /** Stop retrying (the gateway itself is closed by its owner). */
  close(): void;
}

/** An authorization-code upstream without tokens cannot connect until someone authorizes it. */
export function awaitsAuthorization(definition: UpstreamDefinition): boolean {
  return definition.auth.type === 'oauth' && definition.auth.grant === 'authorization_code' && definition.auth.tokens === undefined;
}

const AUTHORIZATION_REQUIRED = 'OAuth authorization required: an admin must authorize it in a browser (GET /api/v1/upstreams/{id}/authorize).';

export interface UpstreamRegistryOptions {
  gateway: Gateway;
  repository: UpstreamRepository;
  config: FrozenConfig;
  logger: Logger;
  audit?: AuditSink;
  /** First retry delay after a failed start-up connection (grows 1.5× per attempt, up to 60 s). */
  retryBaseMs?: number;
  /**
   * How often to pick up upstreams other processes stored or removed (the CLI, other nodes);
   * 0: only at start. Default `gateway.syncIntervalMs`.
   */
  syncIntervalMs?: number;
}

interface Known {
  definition: UpstreamDefinition;
  source: UpstreamSource;
  createdAt: string;
  createdBy: string | null;
  lastError?: string;
  retry?: NodeJS.Timeout;
  /** Renews the OAuth tokens of an authorization-code upstream before they expire. */
  refresh?: NodeJS.Timeout;
}

/** Renew OAuth tokens this long before they expire; retry a failed renewal after this long. */
const REFRESH_MARGIN_MS = 60_000;
const REFRESH_RETRY_MS = 30_000;

const MAX_RETRY_MS = 60_000;

export function createUpstreamRegistry(options: UpstreamRegistryOptions): UpstreamRegistry {
  const { gateway, repository, logger } = options;
  const retryBaseMs = options.retryBaseMs ?? 1000;
  const known = new Map<string, Known>();
  let closed = false;

  const view = (k: Known): UpstreamView => ({
    id: k.definition.id,
    name: k.definition.name,
    source: k.source,
    definition: publicUpstreamDefinition(k.definition),
    url: upstreamUrl(k.definition),
    createdAt: k.createdAt,
    createdBy: k.createdBy,
    status: gateway.status(k.definition.id),
    ...(k.lastError ? { lastError: k.lastError } : {}),
    authorizationRequired: awaitsAuthorization(k.definition),
  });

  const audit = (target: string, operation: string, actor: UpstreamActor | undefined, details: Record<string, unknown>, outcome: 'ok' | 'error' = 'ok') => {
    if (options.audit) auditAdmin(options.audit, { action: 'admin/upstreams', target, operation, actor, outcome, details });
  };

  /** Connect at start, retrying with backoff while the definition is still known. */
  const connectWithRetry = async (k: Known, attempt = 0): Promise<void> => {
    if (awaitsAuthorization(k.definition)) {
      k.lastError = AUTHORIZATION_REQUIRED;
      return;
    }
    try {
      await gateway.connect(k.definition);
      delete k.lastError;
      if (attempt > 0) logger.info({ upstream: k.definition.name }, 'upstream connected after retrying');
    } catch (err) {
      const error = err instanceof PorticoError ? err : new PorticoError('upstream_failed');
      k.lastError = error.message;
      // A definition the gateway refuses outright (a name collision, an invalid definition) will not get better by waiting.
      const permanent = error.code === 'conflict' || error.code === 'validation_failed';
      logger.warn({ upstream: k.definition.name, code: error.code, reason: error.message, retry: !permanent && !closed }, 'upstream could not connect');
      if (permanent || closed) return;
      const delay = Math.min(MAX_RETRY_MS, retryBaseMs * 1.5 ** attempt);
      k.retry = setTimeout(() => {
        delete k.retry;
        if (!closed && known.get(k.definition.id) === k) void connectWithRetry(k, attempt + 1);
      }, delay);
      k.retry.unref();
    }
  };

  const nameTaken = (name: string) => [...known.values()].some((k) => k.definition.name === name);
  const oauth = createUpstreamOAuthFlow();

  /**
   * Authorization-code tokens are renewed here (the gateway only uses them): shortly before they
   * expire, the refresh token buys new ones, which are sealed and the upstream reconnected with them.
   */
  const scheduleRefresh = (k: Known, delayMs?: number) => {
    if (k.refresh) clearTimeout(k.refresh);
    delete k.refresh;
    const auth = k.definition.auth;
    if (closed || auth.type !== 'oauth' || auth.grant !== 'authorization_code' || !auth.tokens?.refreshToken || auth.tokens.expiresAt === undefined) return;
    const delay = delayMs ?? Math.max(0, auth.tokens.expiresAt - REFRESH_MARGIN_MS - Date.now());
    k.refresh = setTimeout(() => {
      delete k.refresh;
      if (closed || known.get(k.definition.id) !== k) return;
      void (async () => {
        try {
          const tokens = await oauth.refresh(k.definition);
          if (known.get(k.definition.id) !== k) return;
          await repository.saveOAuthTokens(k.definition.id, tokens, new Date().toISOString());
          k.definition = { ...k.definition, auth: { ...auth, tokens } };
          logger.info({ upstream: k.definition.name }, 'upstream OAuth tokens renewed');
          if (gateway.status(k.definition.id)) await gateway.reconnect(k.definition);
          else await connectWithRetry(k);
          scheduleRefresh(k);
        } catch (err) {
          const reason = err instanceof PorticoError ? err.message : 'the renewal failed';
          k.lastError = `OAuth token renewal failed: ${reason}`;
          logger.warn({ upstream: k.definition.name, reason }, 'upstream OAuth tokens could not be renewed; retrying');
          scheduleRefresh(k, REFRESH_RETRY_MS);
        }
      })();
    }, delay);
    k.refresh.unref();
  };
  /** A known upstream's pending connection retry and token renewal. */
  const stopTimers = (k: Known) => {
    if (k.retry) clearTimeout(k.retry);
    if (k.refresh) clearTimeout(k.refresh);
  };
  const forget = (k: Known) => {
    stopTimers(k);
    known.delete(k.definition.id);
  };
  /** Ids this process is adding or removing right now: the sync leaves them alone. */
  const busy = new Set<string>();
  let syncTimer: NodeJS.Timeout | undefined;

  /** Stored rows that appeared or disappeared since we last looked (written by the CLI or another node). */
  const sync = async () => {
    const records = await repository.list();
    const stored = new Set(records.map((r) => r.definition.id));
    for (const record of records) {
      const { id, name } = record.definition;
      if (known.has(id) || busy.has(id) || nameTaken(name)) continue;
      const k: Known = { definition: record.definition, source: 'api', createdAt: record.createdAt, createdBy: record.createdBy };
      known.set(id, k);
      logger.info({ upstream: name }, 'connecting an upstream stored by another process');
      void connectWithRetry(k);
      scheduleRefresh(k);
    }
    for (const [id, k] of known) {
      if (k.source !== 'api' || stored.has(id) || busy.has(id)) continue;
      forget(k);
      logger.info({ upstream: k.definition.name }, 'disconnecting an upstream removed by another process');
      await gateway.disconnect(id).catch(() => false);
    }
  };

  return {
    oauth,

    async start() {
      const now = new Date().toISOString();
      for (const definition of configuredUpstreams(options.config)) known.set(definition.id, { definition, source: 'config', createdAt: now, createdBy: null });
      for (const record of await repository.list()) {
        if (known.has(record.definition.id) || nameTaken(record.definition.name)) {
          logger.warn({ upstream: record.definition.name }, 'a stored upstream has the name of one in the config file; the config file wins');
          continue;
        }
        known.set(record.definition.id, { definition: record.definition, source: 'api', createdAt: record.createdAt, createdBy: record.createdBy });
      }
      // In parallel: one slow upstream must not hold up the others (each has its own timeout).
      await Promise.all([...known.values()].map((k) => connectWithRetry(k)));
      for (const k of known.values()) scheduleRefresh(k);
      const every = options.syncIntervalMs ?? options.config.gateway.syncIntervalMs;
      if (every > 0 && !closed) {
        syncTimer = setInterval(() => void sync().catch((err: unknown) => logger.warn({ err }, 'could not read the stored upstreams')), every);
        syncTimer.unref();
      }
    },

    list: () => [...known.values()].map(view),
    get(id) {
      const k = known.get(id);
      return k && view(k);
    },
    definition: (id) => known.get(id)?.definition,

    async add(input, actor) {
      const parsed = upstreamDefinitionSchema.safeParse({ ...input, id: randomUUID() });
      if (!parsed.success) throw new PorticoError('validation_failed', parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
      const definition = parsed.data;
      if (nameTaken(definition.name) || (await repository.byName(definition.name))) throw new PorticoError('conflict', `An upstream named "${definition.name}" already exists.`);
      const target = definition.name;
      const details = { id: definition.id, transport: definition.transport.type, auth: definition.auth.type, ...(upstreamUrl(definition) ? { url: upstreamUrl(definition) } : {}) };
      // An authorization-code upstream is stored first and connected once someone authorizes it.
      const pendingAuthorization = awaitsAuthorization(definition);
      if (!pendingAuthorization) {
        try {
          await gateway.connect(definition);
        } catch (err) {
          audit(target, 'connect', actor, { ...details, error: err instanceof PorticoError ? err.code : 'internal_error' }, 'error');
          throw err;
        }
      }
      const at = new Date().toISOString();
      busy.add(definition.id);
      try {
        await repository.insert(definition, { createdBy: actor?.principal.id ?? null, at });
      } catch (err) {
        busy.delete(definition.id);
        // Lost a race for the name, or the database failed: keep nothing.
        await gateway.disconnect(definition.id).catch(() => false);
        throw err;
      }
      const k: Known = { definition, source: 'api', createdAt: at, createdBy: actor?.principal.id ?? null, ...(pendingAuthorization ? { lastError: AUTHORIZATION_REQUIRED } : {}) };
      known.set(definition.id, k);
      busy.delete(definition.id);
      audit(target, 'connect', actor, details);
      return view(k);
    },

    async remove(id, actor) {
      const k = known.get(id);
      if (!k) return false;
      if (k.source === 'config') throw new PorticoError('conflict', `The upstream "${k.definition.name}" is declared in the config file; remove it there.`);
      forget(k);
      busy.add(id);
      try {
        await repository.delete(id);
        await gateway.disconnect(id);
      } finally {
        busy.delete(id);
      }
      audit(k.definition.name, 'disconnect', actor, { id });
      return true;
    },

    async authorize(id, tokens, actor) {
      const k = known.get(id);
      if (!k) throw new PorticoError('not_found', `No upstream with client_id ${id}.`);
      const auth = k.definition.auth;
      if (auth.type !== 'oauth' || auth.grant !== 'authorization_code') throw new PorticoError('conflict', `The upstream "${k.definition.name}" does not use the OAuth authorization-code grant.`);
      if (k.source !== 'api') throw new PorticoError('conflict', `The upstream "${k.definition.name}" is declared in the config file; its tokens cannot be stored.`);
      await repository.saveOAuthTokens(id, tokens, new Date().toISOString());
      if (k.retry) clearTimeout(k.retry);
      delete k.retry;
      k.definition = { ...k.definition, auth: { ...auth, tokens } };
      audit(k.definition.name, 'authorize', actor, { id });
      if (gateway.status(id)) await gateway.disconnect(id);
      await connectWithRetry(k);
      scheduleRefresh(k);
      return view(k);
    },

    close() {
      closed = true;
      if (syncTimer) clearInterval(syncTimer);
      for (const k of known.values()) stopTimers(k);
    },
  };
}

/**
 * What the composition root calls once the gateway exists: build the registry over the store,
 * connect what the config file and the database declare, and hand it back to be published as
 * `services.upstreams` (close it before closing the gateway).
 */
export async function startUpstreamRegistry(options: Omit<UpstreamRegistryOptions, 'repository'> & { store: { database: { db: Kysely<DatabaseSchema> }; secretKey: Buffer } }): Promise<UpstreamRegistry> {
  const registry = createUpstreamRegistry({ ...options, repository: createUpstreamRepository(options.store.database.db, options.store.secretKey) });
  await registry.start();
  return registry;
}
