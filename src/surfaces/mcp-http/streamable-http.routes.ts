/**
 * `/mcp`: Streamable HTTP for both protocol eras from one catalog.
 *
 *   POST with Mcp-Session-Id        → that legacy session (404 if unknown or not the caller's)
 *   POST initialize (no modern claim) → a new legacy session
 *   POST other legacy, no session   → 400 (sessions are required for the 2025 revisions)
 *   POST modern (2026-07-28)        → the lean path for hot methods, else the SDK's modern handler
 *   GET / DELETE with a session     → the legacy session's stream / termination
 *
 * Every request is Host/Origin-checked and authenticated before any of this.
 */
import { randomUUID } from 'node:crypto';
import { NodeStreamableHTTPServerTransport, toNodeHandler, type NodeMcpRequestHandler } from '@modelcontextprotocol/node';
import { classifyInboundRequest, createMcpHandler, type McpHttpHandler } from '@modelcontextprotocol/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../../core/identity/principal.js';
import type { Logger } from '../../logging/logger.js';
import type { McpEventRepository } from '../../store/repositories/mcp-event.repository.js';
import { createProtocolServer, type ProtocolServerDeps } from '../mcp-server/protocol-server.js';
import { hostOriginGuard, type HostOriginPolicy } from './host-origin-guard.js';
import { jsonRpcError } from './json-rpc-errors.js';
import { mcpAuthentication, parsedBody, PARSE_ERROR, useMcpPlumbing } from './mcp-route-plumbing.js';
import type { LegacySession, SessionRegistry } from './legacy-session-registry.js';
import { createSessionEventStore } from './session-event-store.js';
import type { LeanPath } from './modern-lean-path.js';

export interface StreamableHttpDeps {
  protocol: ProtocolServerDeps;
  sessions: SessionRegistry;
  events: McpEventRepository;
  policy: HostOriginPolicy;
  logger: Logger;
  lean?: LeanPath;
}

interface AuthedRaw {
  auth?: { token: string; clientId: string; scopes: string[]; extra: { principal: Principal } };
}

function isInitialize(body: unknown): boolean {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && (body as { method?: unknown }).method === 'initialize';
}

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return typeof v === 'string' ? v : undefined;
}

export function registerStreamableHttp(app: FastifyInstance, deps: StreamableHttpDeps): { modern: McpHttpHandler; modernNode: NodeMcpRequestHandler } {
  const log = deps.logger.child({ component: 'mcp-http' });
  const modern = createMcpHandler(
    (ctx) => {
      const principal = (ctx.authInfo?.extra as { principal?: Principal } | undefined)?.principal;
      if (!principal) throw new Error('modern MCP request reached the handler unauthenticated');
      return createProtocolServer(deps.protocol, { principal, surface: 'mcp' });
    },
    { legacy: 'reject', onerror: (err) => log.warn({ err }, 'MCP modern handler error') },
  );
  const modernNode = toNodeHandler(modern, { onerror: (err) => log.warn({ err }, 'MCP modern handler error') });

  async function openLegacySession(principal: Principal, request: FastifyRequest, reply: FastifyReply, body: unknown): Promise<void> {
    const subscriptions = new Set<string>();
    let session: LegacySession | undefined;
    const holder = { principal };
    const transport: NodeStreamableHTTPServerTransport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      eventStore: createSessionEventStore(deps.events, () => transport.sessionId),
      onsessioninitialized: (id) => {
        const info = (body as { params?: { clientInfo?: { name?: string; version?: string }; protocolVersion?: string } } | undefined)?.params;
        session = {
          id,
          kind: 'streamable',
          principalId: principal.id,
          get principal() {
            return holder.principal;
          },
          set principal(p: Principal) {
            holder.principal = p;
          },
          createdAt: Date.now(),
          client: { ...(info?.clientInfo?.name ? { name: info.clientInfo.name } : {}), ...(info?.clientInfo?.version ? { version: info.clientInfo.version } : {}), ...(info?.protocolVersion ? { protocolVersion: info.protocolVersion } : {}) },
          calls: 0,
          server,
          subscriptions,
          lastSeen: Date.now(),
          openStreams: 0,
          close: async () => {
            await server.close();
          },
        };
        deps.sessions.add(session);
      },
      onsessionclosed: (id) => deps.sessions.remove(id),
    });
    transport.onclose = () => {
      if (transport.sessionId) deps.sessions.remove(transport.sessionId);
    };
    const server = createProtocolServer(deps.protocol, {
      get principal() {
        return holder.principal;
      },
      surface: 'mcp-legacy',
      subscriptions,
      onCall: () => {
        if (session) session.calls++;
      },
    });
    await server.connect(transport);
    await transport.handleRequest(request.raw as never, reply.raw, body);
    // A failed initialize leaves no session behind.
    if (!transport.sessionId || !session) await server.close();
  }

  async function toSession(session: LegacySession, request: FastifyRequest, reply: FastifyReply, body: unknown): Promise<void> {
    const transport = session.server.transport as NodeStreamableHTTPServerTransport | undefined;
    if (!transport) return jsonRpcError(reply.raw, 404, -32001, 'Session not found');
    // A session with a request or stream in flight is busy, not idle.
    session.openStreams++;
    reply.raw.once('close', () => {
      session.openStreams--;
      session.lastSeen = Date.now();
    });
    await transport.handleRequest(request.raw as never, reply.raw, body);
  }

  const serve = async (request: FastifyRequest, reply: FastifyReply) => {
    const principal = request.principal!;
    const body = parsedBody(request, reply);
    if (body === PARSE_ERROR) return;
    reply.hijack();
    (request.raw as AuthedRaw).auth = { token: '', clientId: principal.id, scopes: [], extra: { principal } };
    try {
      const sessionId = header(request, 'mcp-session-id');
      if (sessionId) {
        const session = deps.sessions.get(sessionId, principal.id);
        // An /sse session id is not a Streamable HTTP session.
        if (!session || session.kind !== 'streamable') return jsonRpcError(reply.raw, 404, -32001, 'Session not found');
        session.principal = principal;
        return await toSession(session, request, reply, body);
      }
      if (request.method !== 'POST') return jsonRpcError(reply.raw, 400, -32000, 'Bad Request: Mcp-Session-Id header is required');
      // Hot, well-formed modern requests first: the lean path checks everything it relies on.
      if (deps.lean && (await deps.lean.tryHandle(principal, { body, headers: request.headers, requestId: request.id, res: reply.raw }))) return;
      const classified = classifyInboundRequest({
        httpMethod: 'POST',
        protocolVersionHeader: header(request, 'mcp-protocol-version'),
        mcpMethodHeader: header(request, 'mcp-method'),
        mcpNameHeader: header(request, 'mcp-name'),
        body,
      });
      if (classified.kind === 'legacy') {
        if (isInitialize(body)) return await openLegacySession(principal, request, reply, body);
        if (classified.reason === 'notification' || classified.reason === 'response') {
          reply.raw.writeHead(202).end();
          return;
        }
        return jsonRpcError(reply.raw, 400, -32000, 'Bad Request: Mcp-Session-Id header is required', (body as { id?: unknown } | undefined)?.id);
      }
      await modernNode(request.raw as never, reply.raw, body);
    } catch (err) {
      log.error({ err }, 'MCP request failed');
      if (!reply.raw.headersSent) jsonRpcError(reply.raw, 500, -32603, 'Internal error');
      else reply.raw.end();
    }
  };

  void app.register(async (scope) => {
    useMcpPlumbing(scope);
    scope.route({
      method: ['GET', 'POST', 'DELETE'],
      url: '/mcp',
      schema: { hide: true },
      // Host/Origin first, then the credential, and only then is the body read.
      onRequest: [hostOriginGuard(deps.policy), mcpAuthentication(deps.protocol.pipeline)],
      handler: serve,
    });
  });
  return { modern, modernNode };
}
