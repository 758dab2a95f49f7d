/**
 * REST mirror of MCP resources: the lists, a read by any URI (`?uri=`), and a read by path, where
 * the path after /mcp/resources/ is appended to `<uriScheme>://` (so /mcp/resources/docs/readme
 * reads portico://docs/readme). The path is used as a URI and nothing else: it never touches a file
 * system here, and an unknown URI is a 404 from the pipeline like any other.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Pipeline } from '../../../core/pipeline/pipeline.js';
import { scopeOf } from '../../http/request-principal.js';
import { errorResponses } from '../error-schema.js';
import { readResourceResultSchema, resourceListSchema } from '../mcp-schemas.js';
import { disconnectSignal, runErrorResponses, settled } from './mcp-route-support.js';

export interface McpResourceRouteDeps {
  pipeline: Pipeline;
  /** Scheme of the resource URIs Portico serves (config `mcp.uriScheme`). */
  uriScheme: string;
}

export function registerMcpResourceRoutes(app: FastifyInstance, { pipeline, uriScheme }: McpResourceRouteDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const readResponses = { 200: readResourceResultSchema, ...runErrorResponses };

  api.get(
    '/mcp/resources',
    { schema: { tags: ['mcp'], summary: 'List the resources and resource templates you may read', response: { 200: resourceListSchema, ...errorResponses } } },
    async (request) => {
      const scope = scopeOf(request, 'rest');
      return { resources: [...pipeline.listResources(scope)], resourceTemplates: [...pipeline.listResourceTemplates(scope)] };
    },
  );

  // A static route wins over the wildcard below, so a resource whose path is exactly `read` is read with ?uri=.
  api.get(
    '/mcp/resources/read',
    {
      schema: {
        tags: ['mcp'],
        summary: 'Read a resource by URI',
        querystring: z.object({ uri: z.string().min(1).describe('Any resource URI, e.g. portico://docs/readme, or one matching a listed template') }),
        response: readResponses,
      },
    },
    async (request, reply) => {
      const { uri } = request.query;
      return settled(await pipeline.readResource(scopeOf(request, 'rest'), uri, { signal: disconnectSignal(reply) }), `Resource ${uri}`);
    },
  );

  api.get(
    '/mcp/resources/*',
    {
      schema: {
        tags: ['mcp'],
        summary: 'Read a resource by path',
        description: `The path is appended to \`${uriScheme}://\`: \`/api/v1/mcp/resources/docs/readme\` reads \`${uriScheme}://docs/readme\`. Use \`/mcp/resources/read?uri=\` for other URIs.`,
        params: z.object({ '*': z.string().describe(`Resource path after ${uriScheme}://`) }),
        response: readResponses,
      },
    },
    async (request, reply) => {
      const uri = `${uriScheme}://${request.params['*']}`;
      return settled(await pipeline.readResource(scopeOf(request, 'rest'), uri, { signal: disconnectSignal(reply) }), `Resource ${uri}`);
    },
  );
}
