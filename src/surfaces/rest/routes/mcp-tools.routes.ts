/** REST mirror of MCP tools: GET /api/v1/mcp/tools, POST /api/v1/mcp/tools/{name}. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Pipeline } from '../../../core/pipeline/pipeline.js';
import { scopeOf } from '../../http/request-principal.js';
import { errorResponses } from '../error-schema.js';
import { callToolResultSchema, toolArgumentsSchema, toolListSchema } from '../mcp-schemas.js';
import { disconnectSignal, runWithBodyErrorResponses, settled } from './mcp-route-support.js';

export function registerMcpToolRoutes(app: FastifyInstance, pipeline: Pipeline): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/mcp/tools',
    { schema: { tags: ['mcp'], summary: 'List the tools you may call', response: { 200: toolListSchema, ...errorResponses } } },
    async (request) => ({ tools: [...pipeline.listTools(scopeOf(request, 'rest'))] }),
  );

  api.post(
    '/mcp/tools/:name',
    {
      schema: {
        tags: ['mcp'],
        summary: 'Call a tool',
        description:
          'The body is the arguments object. Failures inside the tool (invalid arguments, errors, timeouts) are a 200 with `isError: true`, as in MCP; ' +
          'an unknown tool is a 404, and a tool that asks the caller for input is a 409 listing what it asked.',
        params: z.object({ name: z.string().min(1).describe('Tool name; percent-encode any `/`') }),
        body: toolArgumentsSchema,
        response: { 200: callToolResultSchema, ...runWithBodyErrorResponses },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const result = await pipeline.callTool(scopeOf(request, 'rest'), name, request.body, { signal: disconnectSignal(reply) });
      return settled(result, `Tool ${name}`);
    },
  );
}
