/**
 * What every MCP HTTP route needs from Fastify, in JSON-RPC terms: authenticate before the body is
 * read (an anonymous caller gets a 401 challenge, never a parse), keep the body as text so a
 * malformed one is answered with JSON-RPC -32700 rather than the REST envelope, and render
 * framework errors (body too large, wrong media type) as JSON-RPC errors.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { toPorticoError } from '../../core/errors.js';
import type { Pipeline } from '../../core/pipeline/pipeline.js';
import { credentialsFrom } from '../http/request-principal.js';
import { bearerChallengeHeader, hasCredential } from '../oauth/bearer-challenge.js';
import { jsonRpcErrorBody } from './json-rpc-errors.js';

/** Use inside an encapsulated plugin that holds only MCP routes. */
export function useMcpPlumbing(scope: FastifyInstance): void {
  // Only application/json: Fastify would otherwise also accept text/plain.
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  scope.setErrorHandler((err: FastifyError, request, reply) => {
    const status = err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 413 : err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 415 : (err.statusCode ?? 500);
    const message =
      status === 413 ? 'Request body too large' : status === 415 ? 'Unsupported Media Type: Content-Type must be application/json' : status >= 500 ? 'Internal error' : 'Bad Request';
    if (status >= 500) request.log.error({ err }, 'MCP request failed');
    void reply.status(status).type('application/json').send(jsonRpcErrorBody(status >= 500 ? -32603 : -32600, message));
  });
}

/** onRequest hook: attach the principal, or answer 401/429 in JSON-RPC and stop. */
export function mcpAuthentication(pipeline: Pipeline) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    try {
      request.principal = await pipeline.authenticate(credentialsFrom(request.headers));
    } catch (err) {
      const safe = toPorticoError(err);
      if (safe.code === 'internal_error') request.log.error({ err }, 'authentication failed');
      const challenge = bearerChallengeHeader(request.server, safe, { url: request.url, credentialGiven: hasCredential(request.headers) });
      if (challenge) void reply.header('www-authenticate', challenge);
      return reply.status(safe.status).type('application/json').send(jsonRpcErrorBody(safe.jsonRpcCode, safe.message));
    }
  };
}

/**
 * The JSON body of a request whose body was kept as text: the parsed value, `undefined` when there
 * was none, or `PARSE_ERROR` (after answering -32700).
 */
export const PARSE_ERROR = Symbol('parse error');
export function parsedBody(request: FastifyRequest, reply: FastifyReply): unknown {
  const text = request.body;
  if (typeof text !== 'string' || text.length === 0) return text === '' ? answerParseError(reply) : undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return answerParseError(reply);
  }
}

function answerParseError(reply: FastifyReply): typeof PARSE_ERROR {
  reply.hijack();
  const body = jsonRpcErrorBody(-32700, 'Parse error: the body is not valid JSON');
  reply.raw.writeHead(400, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  reply.raw.end(body);
  return PARSE_ERROR;
}
