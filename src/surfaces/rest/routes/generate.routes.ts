/**
 * POST /api/v1/prompts/{name}/generate: render a template and have a configured model answer it,
 * now (200, the stored generation) or in the background (202, the job to poll at /jobs/{id}). REST
 * cannot answer a sampling request, so with no model configured it is a 409 that says so.
 * GET /api/v1/generations[/{id}]: stored generations — your own, or everyone's with `ai:manage`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PorticoError } from '../../../core/errors.js';
import type { Pipeline } from '../../../core/pipeline/pipeline.js';
import { assertMayUseTemplate, GENERATE_PERMISSION } from '../../../providers/prompts/generation/generate-tool.js';
import type { GenerationService } from '../../../providers/prompts/generation/generation-service.js';
import type { GenerationRecord } from '../../../store/repositories/generation.repository.js';
import { AI_MANAGE } from './ai-configurations.routes.js';
import { toGenerationView } from '../../../providers/prompts/generation/generation-views.js';
import { authenticateRequest } from '../../http/request-principal.js';
import { errorResponses, errorSchema } from '../error-schema.js';
import { allows, principalOf, requirePermission } from './identity-route-support.js';
import { disconnectSignal } from './mcp-route-support.js';

export interface GenerateRouteDeps {
  pipeline: Pipeline;
  generation: GenerationService;
}

export const generationSchema = z
  .object({
    generation_id: z.string(),
    template: z.string(),
    version: z.number().int(),
    configuration: z.string().nullable(),
    provider: z.string(),
    model: z.string().nullable(),
    output: z.string(),
    input_tokens: z.number().int().nullable(),
    output_tokens: z.number().int().nullable(),
    latency_ms: z.number(),
    created_at: z.string(),
    job_id: z.string().nullable(),
    fell_back_from: z.array(z.object({ configuration: z.string(), reason: z.string() })),
  })
  .meta({ id: 'Generation' });

const generateBodySchema = z
  .strictObject({
    arguments: z.record(z.string(), z.string().max(100_000)).optional(),
    version: z.number().int().min(1).optional(),
    configuration: z.string().min(1).max(64).optional().describe('AI configuration to try first (default: the fallback chain)'),
    max_tokens: z.number().int().min(1).max(1_000_000).optional(),
    temperature: z.number().min(0).max(2).optional(),
    background: z.boolean().optional().describe('Queue it and answer 202 with the job at once'),
  })
  .meta({ id: 'GenerateRequest' });

export async function generateRoutes(app: FastifyInstance, deps: GenerateRouteDeps): Promise<void> {
  const { generation } = deps;
  app.addHook('onRequest', authenticateRequest(deps.pipeline));
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post(
    '/prompts/:name/generate',
    {
      schema: {
        tags: ['prompts', 'ai'],
        summary: 'Render a template and generate from it with a configured model (background: true queues a job)',
        params: z.object({ name: z.string().min(1).max(200) }),
        body: generateBodySchema.default({}),
        response: {
          200: generationSchema,
          202: z.object({ job_id: z.string(), status: z.string() }).meta({ id: 'QueuedJob' }),
          ...errorResponses,
          409: errorSchema,
          503: errorSchema,
        },
      },
    },
    async (request, reply) => {
      requirePermission(request, GENERATE_PERMISSION);
      assertMayUseTemplate(principalOf(request), request.params.name);
      const body = request.body;
      const req = {
        template: request.params.name,
        arguments: body.arguments ?? {},
        version: body.version,
        configuration: body.configuration,
        maxTokens: body.max_tokens,
        temperature: body.temperature,
      };
      const caller = { principalId: principalOf(request).id, surface: 'rest' as const };
      if (body.background) {
        const job = await generation.enqueue(req, caller);
        return reply.status(202).send({ job_id: job.id, status: job.status });
      }
      if (req.configuration === undefined && !(await generation.hasModel())) {
        throw new PorticoError('conflict', 'No AI model is configured, and the REST API cannot ask the caller to sample; configure one at /api/v1/ai-configurations or call the generate tool over MCP.', {
          details: { inputRequired: ['sampling/createMessage'] },
        });
      }
      const outcome = await generation.generate(req, caller, disconnectSignal(reply));
      return toGenerationView(outcome.generation, outcome.fellBackFrom);
    },
  );

  // Reading stored generations: your own; all of them for whoever manages the AI configurations.
  const everyone = (request: FastifyRequest) => allows(request, AI_MANAGE);
  const storedSchema = generationSchema.omit({ fell_back_from: true }).extend({ arguments: z.record(z.string(), z.string()), principal_id: z.string(), surface: z.string() }).meta({ id: 'StoredGeneration' });
  const toStored = (g: GenerationRecord) => {
    const { fell_back_from: _unused, ...view } = toGenerationView(g);
    return { ...view, arguments: { ...g.arguments }, principal_id: g.principalId, surface: g.surface };
  };

  api.get(
    '/generations',
    {
      schema: {
        tags: ['ai'],
        summary: 'Stored generations, newest first: your own, or everyone’s with ai:manage',
        querystring: z.object({ template: z.string().min(1).max(200).optional(), limit: z.coerce.number().int().min(1).max(500).optional() }),
        response: { 200: z.object({ items: z.array(storedSchema) }).meta({ id: 'StoredGenerationList' }), ...errorResponses },
      },
    },
    async (request) => {
      const principalId = everyone(request) ? undefined : principalOf(request).id;
      return { items: (await generation.listGenerations({ principalId, templateName: request.query.template, limit: request.query.limit })).map(toStored) };
    },
  );

  api.get(
    '/generations/:id',
    { schema: { tags: ['ai'], summary: 'One stored generation (yours, or any with ai:manage)', params: z.object({ id: z.string().min(1).max(64) }), response: { 200: storedSchema, ...errorResponses } } },
    async (request) => {
      const found = await generation.getGeneration(request.params.id);
      if (!found || (found.principalId !== principalOf(request).id && !everyone(request))) throw new PorticoError('not_found', `No generation with id ${request.params.id}.`);
      return toStored(found);
    },
  );
}

/** The `generations` section of GET /api/v1/stats: generations by configuration with latency and tokens. */
export function generationStats(generation: GenerationService): (query: { since: string }) => Promise<unknown> {
  return async ({ since }) => {
    const stats = await generation.stats(since);
    return {
      total: stats.total,
      by_configuration: stats.byConfiguration.map((r) => ({
        configuration: r.configuration ?? 'client-sampling',
        count: r.count,
        average_latency_ms: r.averageLatencyMs,
        input_tokens: r.inputTokens,
        output_tokens: r.outputTokens,
      })),
    };
  };
}
