/**
 * Authentication for every HTTP surface: read the credential from `Authorization: Bearer …` or
 * `X-API-Key`, ask the pipeline who it is, and attach the principal to the request. A missing or
 * invalid credential is a 401 with a Bearer challenge, before any route logic runs.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Credentials, Principal } from '../../core/identity/principal.js';
import type { CallScope, Pipeline } from '../../core/pipeline/pipeline.js';
import type { SurfaceName } from '../../core/pipeline/execution-context.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

export function credentialsFrom(headers: FastifyRequest['headers']): Credentials {
  const auth = headers.authorization;
  const bearer = typeof auth === 'string' && /^bearer\s+/i.test(auth) ? auth.replace(/^bearer\s+/i, '').trim() : undefined;
  const key = headers['x-api-key'];
  return { bearer: bearer || undefined, apiKey: typeof key === 'string' && key ? key : undefined };
}

/** A preHandler that authenticates or throws `unauthenticated` (rendered per surface). */
export function authenticateRequest(pipeline: Pipeline) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    request.principal = await pipeline.authenticate(credentialsFrom(request.headers));
  };
}

/** The pipeline's view of an authenticated HTTP request. */
export function scopeOf(request: FastifyRequest, surface: SurfaceName): CallScope {
  if (!request.principal) throw new Error('scopeOf called before authentication');
  return { principal: request.principal, surface, requestId: request.id };
}
