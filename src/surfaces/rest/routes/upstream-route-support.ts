/** What the upstream routes share: their error responses and looking an upstream up for a caller. */
import type { FastifyRequest } from 'fastify';
import { PorticoError } from '../../../core/errors.js';
import type { UpstreamRegistry, UpstreamView } from '../../../gateway/upstream-registry.js';
import { errorResponses, errorSchema } from '../error-schema.js';
import { requirePermission } from './identity-route-support.js';

/** Error responses of these routes, on top of the standard ones. */
export const upstreamErrorResponses = { ...errorResponses, 408: errorSchema, 409: errorSchema, 413: errorSchema, 415: errorSchema, 422: errorSchema, 502: errorSchema } as const;

/** The registered upstream `id`, or `not_found`; also checks the upstream's own permission. */
export function upstreamFor(registry: UpstreamRegistry, request: FastifyRequest, id: string): UpstreamView {
  const view = registry.get(id);
  if (!view) throw new PorticoError('not_found', `No upstream with client_id ${id}.`);
  if (view.definition.permission) requirePermission(request, view.definition.permission);
  return view;
}
