/** The `get_job` tool: status and result of a background job you queued (any job with `jobs:manage`). */
import type { ToolEntry } from '../../../core/catalog/entries.js';
import type { JobService } from '../../../jobs/job-service.js';
import { toJobView, visibleJob } from '../../../jobs/job-view.js';

export const GET_JOB_TOOL = 'get_job';

function outputOf(result: unknown): string | undefined {
  const output = typeof result === 'object' && result !== null ? (result as { output?: unknown }).output : undefined;
  return typeof output === 'string' ? output : undefined;
}

export function getJobTool(jobs: JobService, source: string): ToolEntry {
  return {
    kind: 'tool',
    name: GET_JOB_TOOL,
    title: 'Background job status',
    description: 'Reports the status (queued, running, succeeded, failed, dead), attempts and result of a background job, e.g. one started by generate with background: true.',
    inputSchema: {
      type: 'object',
      properties: { id: { type: 'string', minLength: 1, maxLength: 64, description: 'The job id' } },
      required: ['id'],
      additionalProperties: false,
    },
    annotations: { readOnlyHint: true, openWorldHint: false },
    source,
    async handler(args, ctx) {
      const job = toJobView(await visibleJob((id) => jobs.get(id), args.id as string, ctx.principal));
      const summary = job.status === 'succeeded' ? 'succeeded' : job.error ? `${job.status} (last error: ${job.error})` : job.status;
      const text = `Job ${job.id} (${job.kind}): ${summary}, attempt ${job.attempts} of ${job.max_attempts}.`;
      // Clients that read only text get the result too (a generation's output as is).
      const result = job.status !== 'succeeded' ? undefined : outputOf(job.result) ?? JSON.stringify(job.result);
      return { content: [{ type: 'text', text: result === undefined ? text : `${text}\n\n${result}` }], structuredContent: { ...job } };
    },
  };
}
