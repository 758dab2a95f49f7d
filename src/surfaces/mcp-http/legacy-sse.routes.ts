/**
 * The HTTP+SSE transport of MCP revision 2024-11-05, for old clients: `GET /sse` opens an event
 * stream whose first event names the POST endpoint (`/messages?sessionId=…`); the client posts
 * JSON-RPC messages there and reads answers on the stream. Same catalog, pipeline and session
 * registry as Streamable HTTP.
 */
import { SSEServerTransport } from '@modelcontextprotocol/server-legacy/sse';
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../../logging/logger.js';
import { createProtocolServer, type ProtocolServerDeps } from '../mcp-server/protocol-server.js';
import { hostOriginGuard, type HostOriginPolicy } from './host-origin-guard.js';
import type { SessionRegistry } from './legacy-session-registry.js';
import { jsonRpcError } from './json-rpc-errors.js';
import { mcpAuthentication, parsedBody, PARSE_ERROR, useMcpPlumbing } from './mcp-route-plumbing.js';

export interface LegacySseDeps {
  protocol: ProtocolServerDeps;
  sessions: SessionRegistry;
  policy: HostOriginPolicy;
  logger: Logger;
}

export function registerLegacySse(app: FastifyInstance, deps: LegacySseDeps): void {
  const log = deps.logger.child({ component: 'mcp-sse' });
  const onRequest = [hostOriginGuard(deps.policy), mcpAuthentication(deps.protocol.pipeline)];

  void app.register(async (scope) => {
    useMcpPlumbing(scope);

    scope.get('/sse', { onRequest, schema: { hide: true } }, async (request, reply) => {
      const principal = request.principal!;
      reply.hijack();
      const transport = new SSEServerTransport('/messages', reply.raw);
      const subscriptions = new Set<string>();
      const holder = { principal, calls: 0 };
      const server = createProtocolServer(deps.protocol, {
        get principal() {
          return holder.principal;
        },
        surface: 'mcp-sse',
        subscriptions,
        onCall: () => void holder.calls++,
      });
      const id = transport.sessionId;
      deps.sessions.add({
        id,
        kind: 'sse',
        principalId: principal.id,
        get principal() {
          return holder.principal;
        },
        set principal(p) {
          holder.principal = p;
        },
        createdAt: Date.now(),
        get calls() {
          return holder.calls;
        },
        set calls(n) {
          holder.calls = n;
        },
        server,
        subscriptions,
        lastSeen: Date.now(),
        openStreams: 1,
        close: () => server.close(),
      });
      transport.onclose = () => deps.sessions.remove(id);
      reply.raw.once('close', () => {
        deps.sessions.remove(id);
        server.close().catch(() => undefined);
      });
      try {
        await server.connect(transport as never);
      } catch (err) {
        log.warn({ err }, 'SSE session failed to start');
        deps.sessions.remove(id);
      }
    });

    scope.post('/messages', { onRequest, schema: { hide: true } }, async (request, reply) => {
      const principal = request.principal!;
      const body = parsedBody(request, reply);
      if (body === PARSE_ERROR) return;
      reply.hijack();
      const sessionId = (request.query as { sessionId?: string }).sessionId;
      const session = sessionId ? deps.sessions.get(sessionId, principal.id) : undefined;
      if (!session || session.kind !== 'sse') return jsonRpcError(reply.raw, 404, -32001, 'Session not found');
      session.principal = principal;
      const transport = session.server.transport as unknown as SSEServerTransport;
      await transport.handlePostMessage(request.raw as never, reply.raw, body);
    });
  });
}
