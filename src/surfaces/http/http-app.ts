/**
 * The Fastify instance every HTTP surface is mounted on, with the cross-cutting parts: request ids,
 * body limits, security headers, CORS (off unless configured), metrics and one error format.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import cors from '@fastify/cors';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { FrozenConfig } from '../../config/schema.js';
import type { Logger } from '../../logging/logger.js';
import { registerErrorHandling } from './error-reply.js';
import { registerHttpMetrics, type Metrics } from './metrics.js';
import { requestIdFor } from './request-id.js';
import { registerSecurityHeaders } from './security-headers.js';


/** A handler that may take a raw request before Fastify sees it (returns true if it did). */
export type RawInterceptor = (req: IncomingMessage, res: ServerResponse) => boolean;

export interface HttpAppOptions {
  config: FrozenConfig;
  logger: Logger;
  metrics: Metrics;
  /** Filled in later (after routes exist); consulted for every request first. */
  interceptor?: { current?: RawInterceptor };
}

export async function createHttpApp({ config, logger, metrics, interceptor }: HttpAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    // Our own server so hot requests can bypass the framework; Fastify would set these timeouts itself.
    serverFactory: (handler) => {
      const server = createServer((req, res) => {
        if (interceptor?.current?.(req, res)) return;
        handler(req, res);
      });
      server.requestTimeout = config.server.requestTimeoutMs;
      server.keepAliveTimeout = 72_000;
      return server;
    },
    loggerInstance: logger as FastifyBaseLogger,
    // One access-log line per request (onResponse below) instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.server.bodyLimitBytes,
    trustProxy: config.server.trustProxy,
    requestTimeout: config.server.requestTimeoutMs,
    // Keep-alive sockets that are idle are closed at once on shutdown; busy ones get the grace period.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    // A caller-supplied id is kept for tracing across hops, if it is harmless to log.
    requestIdHeader: false,
    genReqId: (req) => requestIdFor(req.headers),
    routerOptions: { ignoreTrailingSlash: true },
    ajv: { customOptions: { removeAdditional: false } },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.addHook('onResponse', (request, reply, done) => {
    done();
    request.log.info({ method: request.method, url: request.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });

  registerSecurityHeaders(app);
  if (config.cors.origins.length > 0) {
    await app.register(cors, {
      origin: config.cors.origins.includes('*') ? true : [...config.cors.origins],
      credentials: !config.cors.origins.includes('*'),
      exposedHeaders: ['x-request-id', 'mcp-session-id', 'mcp-protocol-version', 'etag', 'content-disposition'],
    });
  }
  registerErrorHandling(app);
  registerHttpMetrics(app, metrics);
  return app;
}
