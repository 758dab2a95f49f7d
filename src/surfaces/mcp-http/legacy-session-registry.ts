/**
 * Live legacy MCP sessions (Streamable HTTP with Mcp-Session-Id, and the old HTTP+SSE transport).
 * Owns their lifecycle: ownership by principal, idle expiry, a per-principal cap (the least recently
 * used session is closed beyond it), fan-out of catalog changes, and closing everything on shutdown.
 */
import type { Server } from '@modelcontextprotocol/server';
import type { Catalog } from '../../core/catalog/catalog.js';
import type { Principal } from '../../core/identity/principal.js';
import { PROTOCOL_LISTS, protocolListsOf, sendListChanged } from '../mcp-server/list-changes.js';
import type { Logger } from '../../logging/logger.js';

export interface LegacySession {
  readonly id: string;
  readonly kind: 'streamable' | 'sse';
  readonly principalId: string;
  /** The owner as of its latest request: permission changes apply to the next request. */
  principal: Principal;
  readonly createdAt: number;
  /** Client name/version from initialize, when known. */
  client?: { name?: string; version?: string; protocolVersion?: string };
  calls: number;
  readonly server: Server;
  /** Resource URIs the client subscribed to. */
  readonly subscriptions: Set<string>;
  lastSeen: number;
  /** Open long-lived streams (GET /mcp, GET /sse); a session with one is never idle. */
  openStreams: number;
  close(): Promise<void>;
}

export interface SessionRegistryOptions {
  idleTimeoutMs: number;
  maxPerPrincipal: number;
  logger: Logger;
  /** Called after a session is gone (purge its stored events). */
  onRemoved?: (session: LegacySession) => void;
}

export interface SessionRegistry {
  readonly size: number;
  add(session: LegacySession): void;
  /** The session if it exists and belongs to the principal; a foreign session looks unknown. */
  get(id: string, principalId: string): LegacySession | undefined;
  remove(id: string): void;
  /** Follow catalog changes and resource updates; returns the unsubscribe function. */
  follow(catalog: Catalog): () => void;
  /** Tell every session its lists may have changed (permissions changed). */
  notifyAllListsChanged(): void;
  /** Snapshot for the sessions view. */
  list(): LegacySession[];
  closeAll(): Promise<void>;
}


export function createSessionRegistry(options: SessionRegistryOptions): SessionRegistry {
  const sessions = new Map<string, LegacySession>();
  const byPrincipal = new Map<string, Set<string>>();
  const log = options.logger.child({ component: 'mcp-sessions' });

  const drop = (id: string): LegacySession | undefined => {
    const session = sessions.get(id);
    if (!session) return undefined;
    sessions.delete(id);
    const owned = byPrincipal.get(session.principalId);
    owned?.delete(id);
    if (owned?.size === 0) byPrincipal.delete(session.principalId);
    options.onRemoved?.(session);
    return session;
  };

  const close = (session: LegacySession, reason: string) => {
    drop(session.id);
    log.debug({ session: session.id, reason }, 'closing MCP session');
    session.close().catch((err: unknown) => log.warn({ err, session: session.id }, 'session did not close cleanly'));
  };

  const sweeper = setInterval(
    () => {
      const cutoff = Date.now() - options.idleTimeoutMs;
      for (const session of [...sessions.values()]) {
        if (session.openStreams === 0 && session.lastSeen < cutoff) close(session, 'idle');
      }
    },
    Math.min(60_000, Math.max(1000, options.idleTimeoutMs / 4)),
  );
  sweeper.unref();

  return {
    get size() {
      return sessions.size;
    },
    add(session) {
      sessions.set(session.id, session);
      let owned = byPrincipal.get(session.principalId);
      if (!owned) byPrincipal.set(session.principalId, (owned = new Set()));
      owned.add(session.id);
      if (owned.size > options.maxPerPrincipal) {
        const oldest = [...owned].map((id) => sessions.get(id)!).filter((s) => s.id !== session.id).sort((a, b) => a.lastSeen - b.lastSeen)[0];
        if (oldest) close(oldest, 'over the per-principal session cap');
      }
    },
    get(id, principalId) {
      const session = sessions.get(id);
      if (!session || session.principalId !== principalId) return undefined;
      session.lastSeen = Date.now();
      return session;
    },
    remove(id) {
      drop(id);
    },
    follow(catalog) {
      const offChange = catalog.onChange((change) => {
        const lists = protocolListsOf(change.lists);
        for (const session of sessions.values()) {
          for (const list of lists) sendListChanged(session.server, list).catch(() => undefined);
        }
      });
      const offUpdate = catalog.onResourceUpdated((uri) => {
        for (const session of sessions.values()) {
          if (session.subscriptions.has(uri)) session.server.sendResourceUpdated({ uri }).catch(() => undefined);
        }
      });
      return () => {
        offChange();
        offUpdate();
      };
    },
    notifyAllListsChanged() {
      for (const session of sessions.values()) {
        for (const list of PROTOCOL_LISTS) sendListChanged(session.server, list).catch(() => undefined);
      }
    },
    list() {
      return [...sessions.values()];
    },
    async closeAll() {
      clearInterval(sweeper);
      const all = [...sessions.values()];
      for (const s of all) drop(s.id);
      await Promise.allSettled(all.map((s) => s.close()));
    },
  };
}
