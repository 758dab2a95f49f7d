/**
 * The one place HTTP turns an error into a response: `{error: {code, message, details?}}` with the
 * catalogue's status. Fastify's own errors (bad JSON, body too large, schema validation) are mapped
 * to catalogue codes; anything unknown is logged in full and answered as a generic internal error.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { PorticoError, errorBody, toPorticoError } from '../../core/errors.js';
import { bearerChallengeHeader, hasCredential } from '../oauth/bearer-challenge.js';

const FASTIFY_CODES: Record<string, PorticoError['code']> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'bad_request',
  FST_ERR_CTP_INVALID_JSON_BODY: 'bad_request',
  FST_ERR_VALIDATION: 'validation_failed',
};

export function fromFastifyError(err: FastifyError | Error): PorticoError {
  if (err instanceof PorticoError) return err;
  if (hasZodFastifySchemaValidationErrors(err)) {
    const details = err.validation.map((v) => ({ path: v.instancePath || '/', message: v.message ?? 'invalid', context: (err as FastifyError).validationContext }));
    return new PorticoError('validation_failed', undefined, { details });
  }
  const code = 'code' in err && typeof err.code === 'string' ? FASTIFY_CODES[err.code] : undefined;
  if (code) return new PorticoError(code, code === 'validation_failed' || code === 'bad_request' ? err.message : undefined);
  if (err instanceof SyntaxError && 'statusCode' in err && err.statusCode === 400) return new PorticoError('bad_request', 'The body is not valid JSON.');
  return toPorticoError(err);
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    const error = fromFastifyError(err as Error);
    if (error.code === 'internal_error') request.log.error({ err }, 'request failed');
    else request.log.debug({ code: error.code }, error.message);
    const challenge = bearerChallengeHeader(request.server, error, { url: request.url, credentialGiven: hasCredential(request.headers) });
    if (challenge) void reply.header('www-authenticate', challenge);
    if (error.code === 'rate_limited') {
      const ms = (error.details as { retryAfterMs?: number } | undefined)?.retryAfterMs ?? 1000;
      void reply.header('retry-after', String(Math.max(1, Math.ceil(ms / 1000))));
    }
    void reply.status(error.status).type('application/json').send(errorBody(error));
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send(errorBody(new PorticoError('not_found', `No route for ${request.method} ${request.url.split('?')[0]}.`)));
  });
}
