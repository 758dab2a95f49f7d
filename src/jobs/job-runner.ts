/**
 * The worker loop over a JobQueue: claims due jobs of the kinds it has handlers for (up to
 * `concurrency` at once), renews each lease while its handler runs, and settles the job: result
 * stored, or retried with exponential backoff, or dead-lettered. A handler whose lease is lost (the
 * job was reaped and handed to another worker) is aborted and its outcome dropped.
 *
 * Shutdown is graceful: `stop()` stops claiming, lets running jobs finish within the grace period,
 * then aborts the rest and releases them to the queue (their attempt not counted) so another worker,
 * or this one after a restart, picks them up.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { PorticoError, type ErrorCode } from '../core/errors.js';
import type { Logger } from '../logging/logger.js';
import type { ClaimedJob, JobQueue } from './job-queue.js';

/** Runs one job; `signal` aborts on shutdown past the grace period and on a lost lease. */
export type JobHandler = (job: ClaimedJob, signal: AbortSignal) => Promise<unknown>;

/** Thrown by a handler for a failure that no retry can fix (the job becomes `failed`). */
export class PermanentJobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentJobError';
  }
}

/** Error codes that mean the request itself is wrong: retrying cannot help. */
const CLIENT_FAULTS = new Set<ErrorCode>(['bad_request', 'validation_failed', 'unauthenticated', 'forbidden', 'not_found', 'conflict', 'payload_too_large', 'missing_client_capability']);

export interface JobRunnerOptions {
  queue: JobQueue;
  /** Identifies this worker in leases (host, process). */
  owner: string;
  concurrency: number;
  pollIntervalMs: number;
  leaseMs: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  shutdownGraceMs: number;
  logger: Logger;
  /** Finished jobs older than this are purged now and then (undefined: never). */
  retentionDays?: number | undefined;
}

export interface JobRunner {
  /** Handle jobs of `kind` (one handler per kind). */
  register(kind: string, handler: JobHandler): void;
  start(): void;
  /** Look for due jobs now (a job was just queued). */
  wake(): void;
  /** Stop claiming; finish or release running jobs. Idempotent. */
  stop(): Promise<void>;
  /** Jobs running in this worker now. */
  readonly active: number;
}

interface Running {
  readonly job: ClaimedJob;
  readonly controller: AbortController;
  readonly done: Promise<void>;
  released: boolean;
}

const PURGE_EVERY_MS = 60 * 60_000;

/** Exponential backoff with full jitter: the n-th retry waits up to base·2^(n-1), capped. */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

function describeFailure(err: unknown): { message: string; retryable: boolean } {
  if (err instanceof PermanentJobError) return { message: err.message, retryable: false };
  if (err instanceof PorticoError) return { message: err.message, retryable: !CLIENT_FAULTS.has(err.code) };
  return { message: 'The job failed with an internal error.', retryable: true };
}

export function createJobRunner(options: JobRunnerOptions): JobRunner {
  const { queue, owner, logger } = options;
  const handlers = new Map<string, JobHandler>();
  const running = new Map<string, Running>();
  let started = false;
  let stopping: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> | undefined;
  let again = false;
  let lastPurge = 0;

  function schedule(ms: number): void {
    if (!started || stopping) return;
    clearTimeout(timer);
    timer = setTimeout(() => void tick(), ms);
    timer.unref();
  }

  /** One pass: reap lapsed leases, then claim while there is room. Never two passes at once. */
  function tick(): Promise<void> {
    if (ticking) {
      again = true;
      return ticking;
    }
    ticking = (async () => {
      try {
        do {
          again = false;
          await pass();
        } while (again && !stopping);
      } catch (err) {
        logger.warn({ err }, 'job queue pass failed; retrying at the next poll');
      } finally {
        ticking = undefined;
        schedule(options.pollIntervalMs);
      }
    })();
    return ticking;
  }

  async function pass(): Promise<void> {
    if (stopping || handlers.size === 0) return;
    const reaped = await queue.reapExpired();
    if (reaped.requeued || reaped.dead) logger.warn(reaped, 'jobs of a lost worker were requeued or dead-lettered');
    if (options.retentionDays !== undefined && Date.now() - lastPurge > PURGE_EVERY_MS) {
      lastPurge = Date.now();
      await queue.purgeFinished(new Date(Date.now() - options.retentionDays * 86_400_000).toISOString());
    }
    while (!stopping && running.size < options.concurrency) {
      const job = await queue.claim([...handlers.keys()], owner, options.leaseMs);
      if (!job) return;
      if (stopping) {
        await queue.release(job);
        return;
      }
      run(job);
    }
  }

  function run(job: ClaimedJob): void {
    const controller = new AbortController();
    const entry: Running = { job, controller, released: false, done: Promise.resolve() };
    const renew = setInterval(() => {
      queue.renew(job, options.leaseMs).then(
        (ok) => {
          if (!ok && !entry.released) controller.abort(new PorticoError('unavailable', 'The job lease was lost.'));
        },
        (err: unknown) => logger.warn({ err, job: job.id }, 'could not renew a job lease'),
      );
    }, Math.max(50, Math.floor(options.leaseMs / 3)));
    renew.unref();
    const handler = handlers.get(job.kind)!;
    const settle = async () => {
      try {
        const result = await handler(job, controller.signal);
        if (entry.released) return;
        if (!(await queue.complete(job, result))) logger.warn({ job: job.id, kind: job.kind }, 'job finished after its lease was lost; result dropped');
      } catch (err) {
        if (entry.released) return;
        const { message, retryable } = describeFailure(err);
        if (!(err instanceof PorticoError) && !(err instanceof PermanentJobError)) logger.error({ err, job: job.id, kind: job.kind }, 'job handler failed');
        const status = await queue.fail(job, message, { retryable, retryInMs: retryDelayMs(job.attempts, options.retryBaseDelayMs, options.retryMaxDelayMs) });
        if (status === 'dead') logger.warn({ job: job.id, kind: job.kind, attempts: job.attempts }, 'job dead-lettered after its last attempt');
      }
    };
    const done = settle()
      .catch((err: unknown) => logger.error({ err, job: job.id }, 'could not record a job outcome'))
      .finally(() => {
        clearInterval(renew);
        running.delete(job.id);
        // A slot is free: look for more work now rather than at the next poll.
        if (!stopping) void tick();
      });
    running.set(job.id, Object.assign(entry, { done }));
  }

  return {
    register(kind, handler) {
      if (handlers.has(kind)) throw new Error(`A job handler for "${kind}" is already registered.`);
      handlers.set(kind, handler);
      if (started) this.wake();
    },
    start() {
      if (started || stopping) return;
      started = true;
      void tick();
    },
    wake() {
      if (started && !stopping) void tick();
    },
    get active() {
      return running.size;
    },
    stop() {
      return (stopping ??= (async () => {
        clearTimeout(timer);
        await ticking;
        const inFlight = () => Promise.allSettled([...running.values()].map((r) => r.done));
        if (running.size) await Promise.race([inFlight(), delay(options.shutdownGraceMs, undefined, { ref: false })]);
        // Past the grace period: give the rest back to the queue for another worker.
        for (const entry of running.values()) {
          entry.released = true;
          entry.controller.abort(new PorticoError('unavailable', 'The worker is shutting down.'));
          await queue.release(entry.job).catch((err: unknown) => logger.warn({ err, job: entry.job.id }, 'could not release a job on shutdown'));
          logger.info({ job: entry.job.id, kind: entry.job.kind }, 'released a running job on shutdown');
        }
        // Handlers that ignore their signal are not waited for beyond a moment.
        if (running.size) await Promise.race([inFlight(), delay(1_000, undefined, { ref: false })]);
      })());
    },
  };
}
