/** REST mirror of MCP prompts and completion: GET /mcp/prompts, POST /mcp/prompts/{name}, POST /mcp/complete. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Pipeline } from '../../../core/pipeline/pipeline.js';
import { scopeOf } from '../../http/request-principal.js';
import { errorResponses, errorSchema } from '../error-schema.js';
import { completeRequestSchema, completeResultSchema, getPromptRequestSchema, getPromptResultSchema, promptListSchema } from '../mcp-schemas.js';
import { disconnectSignal, runWithBodyErrorResponses, settled } from './mcp-route-support.js';

export function registerMcpPromptRoutes(app: FastifyInstance, pipeline: Pipeline): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/mcp/prompts',
    { schema: { tags: ['mcp'], summary: 'List the prompts you may get', response: { 200: promptListSchema, ...errorResponses } } },
    async (request) => ({ prompts: [...pipeline.listPrompts(scopeOf(request, 'rest'))] }),
  );

  api.post(
    '/mcp/prompts/:name',
    {
      schema: {
        tags: ['mcp'],
        summary: 'Render a prompt',
        description: 'Missing required arguments are a 400 `validation_failed` whose `details.missing` lists them.',
        params: z.object({ name: z.string().min(1) }),
        body: getPromptRequestSchema,
        response: { 200: getPromptResultSchema, ...runWithBodyErrorResponses },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const result = await pipeline.getPrompt(scopeOf(request, 'rest'), name, request.body.arguments, { signal: disconnectSignal(reply) });
      return settled(result, `Prompt ${name}`);
    },
  );

  api.post(
    '/mcp/complete',
    {
      schema: {
        tags: ['mcp'],
        summary: 'Complete a prompt argument or a resource template variable',
        body: completeRequestSchema,
        response: { 200: completeResultSchema, ...errorResponses, 413: errorSchema, 415: errorSchema, 504: errorSchema },
      },
    },
    async (request) => {
      const { ref, argument, context } = request.body;
      const completion = await pipeline.complete(scopeOf(request, 'rest'), ref, argument, context?.arguments ? { arguments: context.arguments } : undefined);
      return { completion };
    },
  );
}
