/**
 * The modern fast lane: hot 2026-07-28 POSTs to /mcp are taken at the node:http level, before
 * Fastify's routing, hooks and per-request objects, which cost as much as the call itself.
 *
 * Everything the Fastify stack would do for such a request is done here too — DNS-rebinding guard,
 * request id, security headers, body limit, authentication, metrics, access log — and requests the
 * lean path declines go to the SDK's modern handler, exactly as the Fastify route would send them.
 * Only the header shape decides whether the lane takes a request; the lane never hands a request
 * back to Fastify after reading its body.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NodeMcpRequestHandler } from '@modelcontextprotocol/node';
import { toPorticoError } from '../../core/errors.js';
import type { Principal } from '../../core/identity/principal.js';
import type { Pipeline } from '../../core/pipeline/pipeline.js';
import type { Logger } from '../../logging/logger.js';
import type { Metrics } from '../http/metrics.js';
import { credentialsFrom } from '../http/request-principal.js';
import { bearerChallengeHeader, hasCredential, type ChallengeSource } from '../oauth/bearer-challenge.js';
import { requestIdFor } from '../http/request-id.js';
import { SECURITY_HEADERS_FLAT, applySecurityHeaders } from '../http/security-headers.js';
import type { HostOriginPolicy } from './host-origin-guard.js';
import { jsonRpcError } from './json-rpc-errors.js';
import type { LeanPath } from './modern-lean-path.js';

export interface FastLaneDeps {
  lean: LeanPath;
  pipeline: Pipeline;
  policy: HostOriginPolicy;
  metrics: Metrics;
  logger: Logger;
  bodyLimitBytes: number;
  /** The SDK's modern handler, for requests the lean path declines. */
  modern: NodeMcpRequestHandler;
  /** The `WWW-Authenticate` challenge for a refused credential (default: the bare Bearer challenge). */
  challenge?: ChallengeSource;
}

/** Returns true if it took the request (and will answer it). */
export type FastLane = (req: IncomingMessage, res: ServerResponse) => boolean;

function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        resolve(undefined);
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}

export function createFastLane(deps: FastLaneDeps): FastLane {
  const { lean, pipeline, policy, metrics, bodyLimitBytes } = deps;
  const log = deps.logger.child({ component: 'mcp-fast-lane' });
  const record = (status: number, started: bigint) => metrics.recordHttp('POST', '/mcp', status, Number(process.hrtime.bigint() - started) / 1e9);

  async function serve(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    // Authenticate before reading the body: an anonymous caller gets nothing but a 401.
    let principal: Principal;
    try {
      principal = await pipeline.authenticate(credentialsFrom(req.headers));
    } catch (err) {
      req.resume();
      applySecurityHeaders(res, requestId);
      const safe = toPorticoError(err);
      if (safe.code === 'internal_error') log.error({ err, reqId: requestId }, 'authentication failed');
      const context = { url: req.url, credentialGiven: hasCredential(req.headers) };
      const challenge = deps.challenge ? deps.challenge(safe, context) : bearerChallengeHeader(undefined, safe, context);
      return jsonRpcError(res, safe.status, safe.jsonRpcCode, safe.message, null, challenge ? { 'www-authenticate': challenge } : {});
    }
    const text = await readBody(req, bodyLimitBytes);
    if (text === undefined) {
      applySecurityHeaders(res, requestId);
      return jsonRpcError(res, 413, -32600, 'Request body too large');
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      applySecurityHeaders(res, requestId);
      return jsonRpcError(res, 400, -32700, 'Parse error: the body is not valid JSON');
    }
    const responseHeaders = [...SECURITY_HEADERS_FLAT, 'x-request-id', requestId];
    if (await lean.tryHandle(principal, { body, headers: req.headers, requestId, res, responseHeaders })) return;
    applySecurityHeaders(res, requestId);
    (req as IncomingMessage & { auth?: unknown }).auth = { token: '', clientId: principal.id, scopes: [], extra: { principal } };
    await deps.modern(req, res, body);
  }

  return (req, res) => {
    if (req.url !== '/mcp' || !lean.mayQualify(req.method, req.headers)) return false;
    // Browsers (anything sending Origin) take the full stack, where CORS and Origin checks live.
    if (req.headers.origin !== undefined) return false;
    const contentType = req.headers['content-type'];
    // Exactly application/json (parameters allowed), as the SDK requires; anything else takes the full stack.
    if (typeof contentType !== 'string' || contentType.split(';', 1)[0]!.trim().toLowerCase() !== 'application/json') return false;
    const started = process.hrtime.bigint();
    const requestId = requestIdFor(req.headers);
    res.once('finish', () => {
      record(res.statusCode, started);
      if (log.isLevelEnabled('info')) log.info({ reqId: requestId, method: 'POST', url: '/mcp', status: res.statusCode, ms: Math.round(Number(process.hrtime.bigint() - started) / 1e6) }, 'request');
    });
    if (!policy.hostAllowed(req.headers.host)) {
      applySecurityHeaders(res, requestId);
      jsonRpcError(res, 403, -32000, 'Forbidden: Host header is not allowed (DNS-rebinding protection).');
      req.resume();
      return true;
    }
    serve(req, res, requestId).catch((err: unknown) => {
      log.error({ err, reqId: requestId }, 'MCP request failed');
      if (!res.headersSent) applySecurityHeaders(res, requestId);
      jsonRpcError(res, 500, -32603, 'Internal error');
    });
    return true;
  };
}
