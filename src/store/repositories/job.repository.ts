/**
 * The job queue on the database (the JobQueue contract in jobs/job-queue.ts). One statement
 * claims a job: `UPDATE … WHERE id = (SELECT … LIMIT 1 [FOR UPDATE SKIP LOCKED]) RETURNING *`.
 * On PostgreSQL the row lock with SKIP LOCKED lets concurrent workers on many nodes each take a
 * different job without waiting; on SQLite the statement runs under the database's single write
 * lock, which gives the same guarantee for the processes sharing the file.
 */
import { randomBytes } from 'node:crypto';
import { orderedUuid } from '../ordered-uuid.js';
import type { Kysely, Selectable } from 'kysely';
import type { ClaimedJob, Job, JobQueue, JobStatus } from '../../jobs/job-queue.js';
import type { DatabaseSchema, DialectName, JobsTable } from '../schema.js';

type Row = Selectable<JobsTable>;

const iso = (ms: number) => new Date(ms).toISOString();
const MAX_ERROR_LENGTH = 2000;

function parse(text: string | null): unknown {
  return text === null ? null : (JSON.parse(text) as unknown);
}

function toJob(row: Row): Job {
  return {
    id: row.id,
    kind: row.kind,
    payload: parse(row.payload),
    status: row.status as JobStatus,
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    runAt: row.run_at,
    result: parse(row.result),
    lastError: row.last_error,
    principalId: row.principal_id,
    leaseOwner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
  };
}

export interface JobRepositoryOptions {
  /** Milliseconds clock (tests). */
  now?: () => number;
}

export function createJobRepository(db: Kysely<DatabaseSchema>, dialect: DialectName, options: JobRepositoryOptions = {}): JobQueue {
  const now = options.now ?? Date.now;
  const clip = (error: string) => (error.length > MAX_ERROR_LENGTH ? `${error.slice(0, MAX_ERROR_LENGTH)}…` : error);

  /** Settle only while this claim still holds the lease. */
  const held = (job: ClaimedJob) =>
    db.updateTable('jobs').where('id', '=', job.id).where('status', '=', 'running').where('lease_token', '=', job.leaseToken);

  return {
    async enqueue(kind, payload, opts) {
      const t = now();
      const row: Row = {
        // Time-ordered: jobs queued in the same millisecond are claimed in the order they were queued.
        id: orderedUuid(t),
        kind,
        payload: JSON.stringify(payload ?? null),
        status: 'queued',
        attempts: 0,
        max_attempts: opts.maxAttempts,
        run_at: iso(t + Math.max(0, opts.delayMs ?? 0)),
        lease_token: null,
        lease_owner: null,
        lease_expires_at: null,
        result: null,
        last_error: null,
        principal_id: opts.principalId ?? null,
        created_at: iso(t),
        updated_at: iso(t),
        finished_at: null,
      };
      await db.insertInto('jobs').values(row).execute();
      return toJob(row);
    },

    async get(id) {
      const row = await db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toJob(row) : undefined;
    },

    async list(query = {}) {
      let q = db.selectFrom('jobs').selectAll();
      if (query.principalId !== undefined) q = q.where('principal_id', '=', query.principalId);
      if (query.status !== undefined) q = q.where('status', '=', query.status);
      const rows = await q
        .orderBy('created_at', 'desc')
        // Ids are time-ordered: newest first within one millisecond too.
        .orderBy('id', 'desc')
        .limit(Math.min(Math.max(query.limit ?? 100, 1), 1000))
        .execute();
      return rows.map(toJob);
    },

    async claim(kinds, owner, leaseMs) {
      if (kinds.length === 0) return undefined;
      const t = now();
      // An idle queue is the common case: look before taking a write lock (SQLite) or row locks.
      const due = await db
        .selectFrom('jobs')
        .select('id')
        .where('status', '=', 'queued')
        .where('run_at', '<=', iso(t))
        .where('kind', 'in', [...kinds])
        .limit(1)
        .executeTakeFirst();
      if (!due) return undefined;
      const token = randomBytes(16).toString('hex');
      const row = await db
        .updateTable('jobs')
        .set((eb) => ({
          status: 'running',
          attempts: eb('attempts', '+', 1),
          lease_token: token,
          lease_owner: owner,
          lease_expires_at: iso(t + leaseMs),
          updated_at: iso(t),
        }))
        // `=` and not `IN`: an uncorrelated scalar subquery runs once (PostgreSQL plans it as an
        // InitPlan); under `IN` the planner may re-run it per row and claim several jobs at once.
        .where('id', '=', (eb) => {
          const due = eb
            .selectFrom('jobs')
            .select('id')
            .where('status', '=', 'queued')
            .where('run_at', '<=', iso(t))
            .where('kind', 'in', [...kinds])
            .orderBy('run_at')
            .orderBy('id')
            .limit(1);
          return dialect === 'postgres' ? due.forUpdate().skipLocked() : due;
        })
        // Re-checked on the row itself: a concurrent claimer must not take it twice.
        .where('status', '=', 'queued')
        .returningAll()
        .executeTakeFirst();
      return row ? { ...toJob(row), leaseToken: token } : undefined;
    },

    async renew(job, leaseMs) {
      const t = now();
      const res = await held(job).set({ lease_expires_at: iso(t + leaseMs), updated_at: iso(t) }).executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },

    async complete(job, result) {
      const t = iso(now());
      const res = await held(job)
        .set({ status: 'succeeded', result: JSON.stringify(result ?? null), lease_token: null, lease_expires_at: null, updated_at: t, finished_at: t, last_error: null })
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },

    async fail(job, error, { retryable, retryInMs }) {
      const t = now();
      const status: JobStatus = !retryable ? 'failed' : job.attempts >= job.maxAttempts ? 'dead' : 'queued';
      const terminal = status !== 'queued';
      const res = await held(job)
        .set({
          status,
          last_error: clip(error),
          lease_token: null,
          lease_expires_at: null,
          run_at: terminal ? job.runAt : iso(t + Math.max(0, retryInMs)),
          updated_at: iso(t),
          finished_at: terminal ? iso(t) : null,
        })
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1 ? status : undefined;
    },

    async release(job) {
      const t = iso(now());
      const res = await held(job)
        .set((eb) => ({ status: 'queued', attempts: eb('attempts', '-', 1), lease_token: null, lease_owner: null, lease_expires_at: null, run_at: t, updated_at: t }))
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },

    async reapExpired() {
      const t = iso(now());
      const lapsedAny = await db.selectFrom('jobs').select('id').where('status', '=', 'running').where('lease_expires_at', '<=', t).limit(1).executeTakeFirst();
      if (!lapsedAny) return { requeued: 0, dead: 0 };
      const lapsed = () => db.updateTable('jobs').where('status', '=', 'running').where('lease_expires_at', '<=', t);
      const dead = await lapsed()
        .whereRef('attempts', '>=', 'max_attempts')
        .set({ status: 'dead', last_error: 'The worker running the last attempt stopped responding (lease expired).', lease_token: null, lease_expires_at: null, updated_at: t, finished_at: t })
        .executeTakeFirst();
      const requeued = await lapsed()
        .whereRef('attempts', '<', 'max_attempts')
        .set({ status: 'queued', last_error: 'The worker running this job stopped responding (lease expired); retrying.', lease_token: null, lease_expires_at: null, run_at: t, updated_at: t })
        .executeTakeFirst();
      return { requeued: Number(requeued.numUpdatedRows), dead: Number(dead.numUpdatedRows) };
    },

    async retry(id) {
      const t = iso(now());
      const row = await db
        .updateTable('jobs')
        .where('id', '=', id)
        .where('status', 'in', ['dead', 'failed'])
        .set({ status: 'queued', attempts: 0, run_at: t, updated_at: t, finished_at: null, lease_owner: null })
        .returningAll()
        .executeTakeFirst();
      return row ? toJob(row) : undefined;
    },

    async purgeFinished(before) {
      const res = await db.deleteFrom('jobs').where('status', 'in', ['succeeded', 'failed', 'dead']).where('finished_at', '<', before).executeTakeFirst();
      return Number(res.numDeletedRows);
    },
  };
}
