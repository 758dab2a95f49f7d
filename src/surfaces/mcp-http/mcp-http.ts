/**
 * Mounts every MCP-over-HTTP surface (Streamable HTTP at /mcp in both eras, legacy SSE at /sse +
 * /messages) and ties them to catalog change events. Returns a handle to close sessions on shutdown.
 */
import type { FastifyInstance } from 'fastify';
import type { FrozenConfig } from '../../config/schema.js';
import type { Logger } from '../../logging/logger.js';
import type { McpEventRepository } from '../../store/repositories/mcp-event.repository.js';
import { CACHE_HINTS, type ProtocolServerDeps } from '../mcp-server/protocol-server.js';
import { createHostOriginPolicy } from './host-origin-guard.js';
import { registerLegacySse } from './legacy-sse.routes.js';
import { createSessionRegistry, type SessionRegistry } from './legacy-session-registry.js';
import { protocolListsOf, publishListChanged } from '../mcp-server/list-changes.js';
import { createLeanPath } from './modern-lean-path.js';
import { createFastLane } from './modern-fast-lane.js';
import type { RawInterceptor } from '../http/http-app.js';
import type { Metrics } from '../http/metrics.js';
import { registerStreamableHttp } from './streamable-http.routes.js';
import { bearerChallengeHeader } from '../oauth/bearer-challenge.js';

export interface McpHttpOptions {
  config: FrozenConfig;
  logger: Logger;
  protocol: ProtocolServerDeps;
  events: McpEventRepository;
  /** Serve hot modern requests without building an SDK server (default on). */
  lean?: boolean;
  metrics: Metrics;
  /** Where to install the fast lane that takes hot requests before Fastify. */
  interceptor?: { current?: RawInterceptor };
}

export interface McpHttp {
  readonly sessions: SessionRegistry;
  close(): Promise<void>;
}

export function registerMcpHttp(app: FastifyInstance, options: McpHttpOptions): McpHttp {
  const { config, logger, protocol, events } = options;
  const policy = createHostOriginPolicy(config);
  const sessions = createSessionRegistry({
    idleTimeoutMs: config.mcp.sessionIdleTimeoutMs,
    maxPerPrincipal: config.mcp.maxSessionsPerPrincipal,
    logger,
    onRemoved: (session) => {
      if (session.kind === 'streamable') events.deleteSession(session.id).catch((err: unknown) => logger.warn({ err }, 'could not purge session events'));
    },
  });
  const lean =
    options.lean === false ? undefined : createLeanPath({ pipeline: protocol.pipeline, stateCodec: protocol.stateCodec, serverInfo: protocol.serverInfo, cacheHints: CACHE_HINTS });
  const { modern, modernNode } = registerStreamableHttp(app, { protocol, sessions, events, policy, logger, ...(lean ? { lean } : {}) });
  if (lean && options.interceptor) {
    options.interceptor.current = createFastLane({
      lean,
      pipeline: protocol.pipeline,
      policy,
      metrics: options.metrics,
      logger,
      bodyLimitBytes: config.server.bodyLimitBytes,
      modern: modernNode,
      challenge: (error, context) => bearerChallengeHeader(app, error, context),
    });
  }
  registerLegacySse(app, { protocol, sessions, policy, logger });

  const unfollow = sessions.follow(protocol.pipeline.catalog);
  // Modern clients hear about changes on their subscriptions/listen streams.
  const offChange = protocol.pipeline.catalog.onChange((change) => {
    for (const list of protocolListsOf(change.lists)) publishListChanged(modern.notify, list);
  });
  const offUpdate = protocol.pipeline.catalog.onResourceUpdated((uri) => modern.notify.resourceUpdated(uri));

  const purge = setInterval(
    () => {
      events.deleteOlderThan(new Date(Date.now() - config.mcp.eventRetentionMs).toISOString()).catch((err: unknown) => logger.warn({ err }, 'could not purge old MCP events'));
    },
    Math.min(60_000, config.mcp.eventRetentionMs),
  );
  purge.unref();

  return {
    sessions,
    async close() {
      clearInterval(purge);
      unfollow();
      offChange();
      offUpdate();
      await sessions.closeAll();
      await modern.close();
    },
  };
}
