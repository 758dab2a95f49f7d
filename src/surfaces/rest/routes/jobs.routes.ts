/**
 * /api/v1/jobs: background jobs. Everyone sees their own jobs; `jobs:manage` (admins) sees all and
 * may put a dead-lettered or failed job back in the queue. Someone else's job is "not found".
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PorticoError } from '../../../core/errors.js';
import type { Pipeline } from '../../../core/pipeline/pipeline.js';
import type { JobStatus } from '../../../jobs/job-queue.js';
import type { JobService } from '../../../jobs/job-service.js';
import { JOBS_MANAGE, toJobView, visibleJob } from '../../../jobs/job-view.js';
import { authenticateRequest } from '../../http/request-principal.js';
import { errorResponses } from '../error-schema.js';
import { allows, principalOf, requirePermission } from './identity-route-support.js';

export interface JobRouteDeps {
  pipeline: Pipeline;
  jobs: JobService;
}

const STATUSES = ['queued', 'running', 'succeeded', 'failed', 'dead'] as const satisfies readonly JobStatus[];

export const jobSchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    status: z.enum(STATUSES),
    attempts: z.number().int(),
    max_attempts: z.number().int(),
    result: z.unknown().describe('The result, once succeeded (null before)'),
    error: z.string().nullable().describe('The last failure; a retry may still follow while the job is queued'),
    created_at: z.string(),
    updated_at: z.string(),
    finished_at: z.string().nullable(),
    run_at: z.string(),
  })
  .meta({ id: 'Job' });

const idParams = z.object({ id: z.string().min(1).max(64) });

export async function jobRoutes(app: FastifyInstance, deps: JobRouteDeps): Promise<void> {
  const { jobs } = deps;
  app.addHook('onRequest', authenticateRequest(deps.pipeline));
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['jobs'];

  api.get(
    '/jobs',
    {
      schema: {
        tags,
        summary: 'List background jobs: your own, or everyone’s with jobs:manage (newest first)',
        querystring: z.object({ status: z.enum(STATUSES).optional(), limit: z.coerce.number().int().min(1).max(1000).optional() }),
        response: { 200: z.object({ items: z.array(jobSchema) }).meta({ id: 'JobList' }), ...errorResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const mine = allows(request, JOBS_MANAGE) ? undefined : principal.id;
      return { items: (await jobs.list({ principalId: mine, status: request.query.status, limit: request.query.limit })).map(toJobView) };
    },
  );

  api.get(
    '/jobs/:id',
    { schema: { tags, summary: 'Status and result of a background job', params: idParams, response: { 200: jobSchema, ...errorResponses } } },
    async (request) => toJobView(await visibleJob((id) => jobs.get(id), request.params.id, principalOf(request))),
  );

  api.post(
    '/jobs/:id/retry',
    { schema: { tags, summary: 'Queue a dead-lettered or failed job again with fresh attempts (jobs:manage)', params: idParams, response: { 200: jobSchema, ...errorResponses } } },
    async (request) => {
      requirePermission(request, JOBS_MANAGE);
      const job = await jobs.retry(request.params.id);
      if (!job) throw new PorticoError('not_found', `No dead or failed job with id ${request.params.id}.`);
      return toJobView(job);
    },
  );
}
