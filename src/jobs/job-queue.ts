/**
 * The background job queue contract. Jobs live in the database so they survive restarts and so
 * several nodes can share one queue: a worker claims a due job with a lease (PostgreSQL: `FOR
 * UPDATE SKIP LOCKED`, so two workers never claim the same job), renews the lease while it runs,
 * and settles the job with the lease token it was given — a worker whose lease lapsed (it died,
 * or stalled) can no longer settle it, and the job is retried elsewhere.
 *
 * States: `queued` → `running` → `succeeded` | `failed` (an error retrying cannot fix) | `dead`
 * (attempts exhausted, or the lease lapsed on the last attempt: the dead-letter state).
 */

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'dead';

export const TERMINAL_JOB_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'dead'];

export interface Job {
  readonly id: string;
  readonly kind: string;
  readonly payload: unknown;
  readonly status: JobStatus;
  /** Attempts started so far (a released attempt does not count). */
  readonly attempts: number;
  readonly maxAttempts: number;
  /** When the job is next due (ISO). */
  readonly runAt: string;
  /** The result of a succeeded job. */
  readonly result: unknown;
  /** The last failure, as a safe message (never a stack). */
  readonly lastError: string | null;
  /** Who queued it; undefined for system jobs. */
  readonly principalId: string | null;
  readonly leaseOwner: string | null;
  readonly leaseExpiresAt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly finishedAt: string | null;
}

/** A job as handed to the worker that claimed it. */
export interface ClaimedJob extends Job {
  /** Proof of the claim: settling needs it. */
  readonly leaseToken: string;
}

export interface EnqueueOptions {
  readonly principalId?: string | null | undefined;
  /** Default from configuration (`jobs.maxAttempts`). */
  readonly maxAttempts?: number | undefined;
  /** Run no earlier than this many milliseconds from now. */
  readonly delayMs?: number | undefined;
}

export interface JobListQuery {
  readonly principalId?: string | undefined;
  readonly status?: JobStatus | undefined;
  readonly limit?: number | undefined;
}

export interface JobQueue {
  enqueue(kind: string, payload: unknown, options: EnqueueOptions & { maxAttempts: number }): Promise<Job>;
  get(id: string): Promise<Job | undefined>;
  /** Newest first. */
  list(query?: JobListQuery): Promise<readonly Job[]>;
  /** Claim the earliest due job of one of `kinds`, or undefined when none is due. Counts an attempt. */
  claim(kinds: readonly string[], owner: string, leaseMs: number): Promise<ClaimedJob | undefined>;
  /** Extend the lease; false when the lease is no longer this worker's (lapsed and re-claimed, or settled). */
  renew(job: ClaimedJob, leaseMs: number): Promise<boolean>;
  /** Record the result; false when the lease was lost (the result is then dropped). */
  complete(job: ClaimedJob, result: unknown): Promise<boolean>;
  /**
   * Record a failure: retried after `retryInMs` while attempts remain and `retryable` holds,
   * otherwise `dead` (attempts exhausted) or `failed` (not retryable). Returns the new status, or
   * undefined when the lease was lost.
   */
  fail(job: ClaimedJob, error: string, options: { retryable: boolean; retryInMs: number }): Promise<JobStatus | undefined>;
  /** Give the job back untouched (shutdown): queued again at once, this attempt not counted. */
  release(job: ClaimedJob): Promise<boolean>;
  /**
   * Jobs whose lease lapsed (their worker died): queued again while attempts remain, otherwise
   * dead-lettered. Returns how many were requeued and how many dead-lettered.
   */
  reapExpired(): Promise<{ requeued: number; dead: number }>;
  /** Put a dead or failed job back in the queue with a fresh set of attempts. */
  retry(id: string): Promise<Job | undefined>;
  /** Delete finished jobs that finished before `before` (ISO); returns how many. */
  purgeFinished(before: string): Promise<number>;
}
