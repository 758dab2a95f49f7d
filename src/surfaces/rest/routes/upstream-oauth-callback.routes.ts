/**
 * `GET /oauth/upstream/callback`: where an upstream's authorization server sends the admin's
 * browser back after consent. No Portico credential can ride along on that redirect, so the
 * `state` (random, single use, ten minutes, bound to one upstream and its PKCE verifier) is what
 * authorizes it. The tokens are stored encrypted and the upstream is connected.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PorticoError } from '../../../core/errors.js';
import { UPSTREAM_OAUTH_CALLBACK_PATH } from '../../../gateway/upstream-oauth-flow.js';
import type { UpstreamRegistry } from '../../../gateway/upstream-registry.js';
import { upstreamErrorResponses } from './upstream-route-support.js';

export function registerUpstreamOAuthCallback(app: FastifyInstance, registry: UpstreamRegistry): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    UPSTREAM_OAUTH_CALLBACK_PATH,
    {
      schema: {
        tags: ['upstreams'],
        summary: 'OAuth redirect target for upstreams using the authorization-code grant (opened by the browser)',
        querystring: z.object({
          state: z.string().min(1).max(512),
          code: z.string().min(1).max(4096).optional(),
          error: z.string().max(256).optional(),
          error_description: z.string().max(1024).optional(),
        }),
        response: {
          200: z.object({ status: z.enum(['connected', 'connecting', 'degraded', 'disconnected']), client_id: z.string(), name: z.string(), message: z.string() }),
          ...upstreamErrorResponses,
        },
      },
    },
    async (request) => {
      const { state, code, error } = request.query;
      if (error !== undefined || code === undefined) {
        // Spend the state anyway: a refused consent must be started again.
        registry.oauth.discard(state);
        throw new PorticoError('bad_request', `The upstream authorization server did not authorize Portico (${error ?? 'no code'}).`);
      }
      const { id, tokens } = await registry.oauth.complete(state, code);
      const view = await registry.authorize(id, tokens, { principal: { id: 'oauth:upstream-callback', name: 'oauth callback' }, surface: 'rest', requestId: request.id });
      const status = view.status?.health ?? 'disconnected';
      return { status, client_id: view.id, name: view.name, message: status === 'connected' ? 'Authorized and connected; you can close this page.' : `Authorized; not connected yet: ${view.lastError ?? view.status?.reason ?? 'retrying'}` };
    },
  );
}
