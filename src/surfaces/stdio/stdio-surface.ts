/**
 * MCP over stdio (both eras, the SDK's `serveStdio`): one connection, one local principal.
 * stdout carries protocol messages only; every log line goes to stderr.
 */
import type { Server } from '@modelcontextprotocol/server';
import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import type { Principal } from '../../core/identity/principal.js';
import type { Logger } from '../../logging/logger.js';
import { protocolListsOf, sendListChanged } from '../mcp-server/list-changes.js';
import { createProtocolServer, type ProtocolServerDeps } from '../mcp-server/protocol-server.js';

/** The SDK exports the 2024–2025 revisions as its supported list; anything else is the modern era. */
const LEGACY_REVISIONS = new Set<string>(SUPPORTED_PROTOCOL_VERSIONS);
function isLegacy(server: Server): boolean {
  const version = server.getNegotiatedProtocolVersion();
  return version === undefined || LEGACY_REVISIONS.has(version);
}

export interface StdioSurface {
  /** Resolves when the client closes stdin. */
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

export function serveMcpOverStdio(protocol: ProtocolServerDeps, who: { readonly principal: Principal }, logger: Logger): StdioSurface {
  const catalog = protocol.pipeline.catalog;
  const servers = new Set<Server>();
  const subscriptions = new Set<string>();
  const handle = serveStdio(
    () => {
      const server = createProtocolServer(protocol, {
        get principal() {
          return who.principal;
        },
        surface: 'stdio',
        subscriptions,
      });
      servers.add(server);
      server.onclose = () => servers.delete(server);
      return server;
    },
    { onerror: (err) => logger.warn({ err }, 'stdio transport error') },
  );
  // On a modern connection the SDK routes these onto the client's subscriptions/listen stream.
  const offChange = catalog.onChange((change) => {
    const lists = protocolListsOf(change.lists);
    for (const server of servers) {
      for (const list of lists) sendListChanged(server, list).catch(() => undefined);
    }
  });
  // Legacy clients subscribe with resources/subscribe (tracked here); modern clients subscribe on
  // their subscriptions/listen stream, where the SDK applies their filter itself.
  const offUpdate = catalog.onResourceUpdated((uri) => {
    for (const server of servers) {
      if (isLegacy(server) && !subscriptions.has(uri)) continue;
      server.sendResourceUpdated({ uri }).catch(() => undefined);
    }
  });
  const closed = new Promise<void>((resolve) => {
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
  });
  let closing: Promise<void> | undefined;
  return {
    closed,
    close() {
      closing ??= (async () => {
        offChange();
        offUpdate();
        await handle.close();
      })();
      return closing;
    },
  };
}
