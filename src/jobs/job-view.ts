/** How a job is shown to the principal who queued it (REST `GET /jobs/{id}`, MCP `get_job`). */
import { PorticoError } from '../core/errors.js';
import type { Principal } from '../core/identity/principal.js';
import type { Job, JobStatus } from './job-queue.js';

export interface JobView {
  id: string;
  kind: string;
  status: JobStatus;
  attempts: number;
  max_attempts: number;
  /** The result, once succeeded. */
  result: unknown;
  /** The last failure (a retry may still be coming while `status` is `queued`). */
  error: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
  /** When a queued job is next due. */
  run_at: string;
}

export function toJobView(job: Job): JobView {
  return {
    id: job.id,
    kind: job.kind,
    status: job.status,
    attempts: job.attempts,
    max_attempts: job.maxAttempts,
    result: job.result ?? null,
    error: job.lastError,
    created_at: job.createdAt,
    updated_at: job.updatedAt,
    finished_at: job.finishedAt,
    run_at: job.runAt,
  };
}

/** Who may see any job, not only their own. */
export const JOBS_MANAGE = 'jobs:manage';

/**
 * The job if this principal may see it: its own jobs, or any with `jobs:manage` (admins). Anyone
 * else's job is "not found", so job ids cannot be probed.
 */
export async function visibleJob(read: (id: string) => Promise<Job | undefined>, id: string, principal: Principal): Promise<Job> {
  const job = await read(id);
  if (!job || (job.principalId !== principal.id && !principal.permissions.allows(JOBS_MANAGE))) throw new PorticoError('not_found', `No job with id ${id}.`);
  return job;
}
