/**
 * /api/v1/api-resources: the configured API resources (`{scheme}://api/{name}`). Managing them
 * needs `api_resources:manage` (of the built-in roles only `admin` has it). Header values go in and
 * never come out: responses list header names only. Reading the resource itself goes through the
 * MCP resource routes like any other resource.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PorticoError } from '../../../core/errors.js';
import type { Pipeline } from '../../../core/pipeline/pipeline.js';
import type { ApiResourceService, ApiResourceView } from '../../../providers/web/api-resource-service.js';
import { authenticateRequest } from '../../http/request-principal.js';
import { errorResponses } from '../error-schema.js';
import { principalOf, requirePermission } from './identity-route-support.js';

export interface ApiResourceRouteDeps {
  pipeline: Pipeline;
  apiResources: ApiResourceService;
}

const MANAGE = 'api_resources:manage';

const apiResourceSchema = z
  .object({
    name: z.string(),
    uri: z.string(),
    url: z.string(),
    title: z.string().nullable(),
    description: z.string().nullable(),
    mimeType: z.string().nullable(),
    headerNames: z.array(z.string()).describe('Names of the stored headers; their values are never returned.'),
    createdBy: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'ApiResource' });

const nameParams = z.object({ name: z.string().min(1).max(64) });

const putBody = z.strictObject({
  url: z.string().min(1).max(8192),
  title: z.string().max(200).optional(),
  description: z.string().max(2000).optional(),
  mimeType: z
    .string()
    .regex(/^[\w.+-]+\/[\w.+-]+$/, 'a MIME type such as application/json')
    .optional(),
  headers: z
    .record(z.string().min(1).max(200), z.string().max(8192))
    .refine((h) => Object.keys(h).length <= 50, 'at most 50 headers')
    .optional()
    .describe('Sent with every read; stored encrypted. Omit to keep the stored headers, {} to remove them.'),
});

const toBody = (v: ApiResourceView) => ({ ...v });

export async function apiResourceRoutes(app: FastifyInstance, deps: ApiResourceRouteDeps): Promise<void> {
  const { apiResources } = deps;
  app.addHook('onRequest', authenticateRequest(deps.pipeline));
  app.addHook('preHandler', async (request) => requirePermission(request, MANAGE));
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/api-resources',
    { schema: { tags: ['api-resources'], summary: 'List configured API resources', response: { 200: z.object({ items: z.array(apiResourceSchema) }).meta({ id: 'ApiResourceList' }), ...errorResponses } } },
    async () => ({ items: (await apiResources.list()).map(toBody) }),
  );

  api.get(
    '/api-resources/:name',
    { schema: { tags: ['api-resources'], summary: 'One configured API resource (header names only)', params: nameParams, response: { 200: apiResourceSchema, ...errorResponses } } },
    async (request) => {
      const found = await apiResources.get(request.params.name);
      if (!found) throw new PorticoError('not_found', `Unknown API resource "${request.params.name}".`);
      return toBody(found);
    },
  );

  api.put(
    '/api-resources/:name',
    {
      schema: {
        tags: ['api-resources'],
        summary: 'Create or replace an API resource (headers stored encrypted)',
        params: nameParams,
        body: putBody,
        response: { 200: apiResourceSchema, ...errorResponses },
      },
    },
    async (request) => toBody(await apiResources.put(request.params.name, request.body, principalOf(request).id)),
  );

  api.delete(
    '/api-resources/:name',
    { schema: { tags: ['api-resources'], summary: 'Delete an API resource', params: nameParams, response: { 204: z.null(), ...errorResponses } } },
    async (request, reply) => {
      if (!(await apiResources.delete(request.params.name))) throw new PorticoError('not_found', `Unknown API resource "${request.params.name}".`);
      return reply.status(204).send(null);
    },
  );
}
