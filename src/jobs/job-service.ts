/**
 * The job service the runtime publishes as `services.jobs`: providers register handlers for their
 * job kinds and queue work; surfaces read job status. It pairs the database queue with this
 * process's worker loop (which runs only when `jobs.enabled`; queued jobs wait for a node that runs one).
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { JobsConfig } from '../config/sections/jobs.js';
import type { Logger } from '../logging/logger.js';
import type { EnqueueOptions, Job, JobListQuery, JobQueue } from './job-queue.js';
import { createJobRunner, type JobHandler, type JobRunner } from './job-runner.js';

export interface JobService {
  /** Handle jobs of `kind` in this process. */
  register(kind: string, handler: JobHandler): void;
  /** Queue a job; this node's worker looks at it at once. */
  enqueue(kind: string, payload: unknown, options?: EnqueueOptions): Promise<Job>;
  get(id: string): Promise<Job | undefined>;
  list(query?: JobListQuery): Promise<readonly Job[]>;
  /** Requeue a dead or failed job with fresh attempts; undefined if it is not dead or failed. */
  retry(id: string): Promise<Job | undefined>;
}

export interface RunningJobService extends JobService {
  start(): void;
  stop(): Promise<void>;
  readonly runner: JobRunner;
}

export function createJobService(queue: JobQueue, config: Readonly<JobsConfig>, logger: Logger, owner?: string): RunningJobService {
  const runner = createJobRunner({
    queue,
    owner: owner ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    concurrency: config.concurrency,
    pollIntervalMs: config.pollIntervalMs,
    leaseMs: config.leaseMs,
    retryBaseDelayMs: config.retryBaseDelayMs,
    retryMaxDelayMs: config.retryMaxDelayMs,
    shutdownGraceMs: config.shutdownGraceMs,
    retentionDays: config.retentionDays,
    logger,
  });
  return {
    runner,
    register: (kind, handler) => runner.register(kind, handler),
    async enqueue(kind, payload, options = {}) {
      const job = await queue.enqueue(kind, payload, { ...options, maxAttempts: options.maxAttempts ?? config.maxAttempts });
      runner.wake();
      return job;
    },
    get: (id) => queue.get(id),
    list: (query) => queue.list(query),
    async retry(id) {
      const job = await queue.retry(id);
      if (job) runner.wake();
      return job;
    },
    start() {
      if (config.enabled) runner.start();
    },
    stop: () => runner.stop(),
  };
}
