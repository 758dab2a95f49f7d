/**
 * The database job queue and its worker loop, on SQLite and PostgreSQL: claiming, leases and their
 * fencing, retries with backoff, the dead-letter state, graceful shutdown (finish or release), a
 * crashed worker's job retried by another, and two workers on one database never running the same
 * job twice.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { expect, it } from 'vitest';
import { createJobRunner, PermanentJobError, retryDelayMs, type JobHandler, type JobRunner } from '../../src/jobs/job-runner.js';
import type { JobQueue } from '../../src/jobs/job-queue.js';
import { openDatabase, type Database, type DatabaseOptions } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createJobRepository } from '../../src/store/repositories/job.repository.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { eventually } from '../helpers/mcp-clients.js';

const logger = pino({ level: 'silent' });

function runner(queue: JobQueue, owner: string, overrides: Partial<Parameters<typeof createJobRunner>[0]> = {}): JobRunner {
  return createJobRunner({
    queue,
    owner,
    concurrency: 2,
    pollIntervalMs: 20,
    leaseMs: 2_000,
    retryBaseDelayMs: 10,
    retryMaxDelayMs: 40,
    shutdownGraceMs: 2_000,
    logger,
    ...overrides,
  });
}

describeEachDialect('job queue', (ctx) => {
  const databases: Database[] = [];
  const open = async (options?: DatabaseOptions) => {
    const database = options ? await openDatabase(options) : await ctx.open();
    if (options) databases.push(database);
    await migrateToLatest(database);
    return database;
  };
  const runners: JobRunner[] = [];
  const track = (r: JobRunner) => (runners.push(r), r);
  // Runners stop before their databases close.
  const cleanup = async () => {
    await Promise.all(runners.splice(0).map((r) => r.stop()));
  };

  it('claims jobs queued in the same millisecond in the order they were queued', async () => {
    const database = await open();
    const queue = createJobRepository(database.db, database.dialect);
    const names = Array.from({ length: 25 }, (_, i) => `job-${i}`);
    for (const name of names) await queue.enqueue('burst', { name }, { maxAttempts: 1 });
    const claimed: unknown[] = [];
    for (let job = await queue.claim(['burst'], 'w1', 1_000); job; job = await queue.claim(['burst'], 'w1', 1_000)) claimed.push((job.payload as { name: string }).name);
    expect(claimed).toEqual(names);
    await cleanup();
  });

  it('claims due jobs of the requested kinds in order, once, and stores the result', async () => {
    const database = await open();
    const queue = createJobRepository(database.db, database.dialect);
    const first = await queue.enqueue('email', { to: 'ada' }, { maxAttempts: 3, principalId: 'user:1' });
    await queue.enqueue('email', { to: 'bob' }, { maxAttempts: 3 });
    await queue.enqueue('report', {}, { maxAttempts: 3 });
    await queue.enqueue('email', { to: 'later' }, { maxAttempts: 3, delayMs: 60_000 });
    expect(first).toMatchObject({ status: 'queued', attempts: 0, kind: 'email', principalId: 'user:1' });

    const a = await queue.claim(['email'], 'w1', 1_000);
    const b = await queue.claim(['email'], 'w1', 1_000);
    expect([a?.payload, b?.payload]).toEqual([{ to: 'ada' }, { to: 'bob' }]);
    expect(a).toMatchObject({ status: 'running', attempts: 1, leaseOwner: 'w1' });
    // The delayed one is not due; the report is another kind.
    expect(await queue.claim(['email'], 'w1', 1_000)).toBeUndefined();
    expect(await queue.claim([], 'w1', 1_000)).toBeUndefined();

    expect(await queue.complete(a!, { sent: true })).toBe(true);
    expect(await queue.complete(a!, { sent: 'twice' })).toBe(false);
    expect(await queue.get(first.id)).toMatchObject({ status: 'succeeded', result: { sent: true }, finishedAt: expect.any(String) });
    expect((await queue.list({ principalId: 'user:1' })).map((j) => j.id)).toEqual([first.id]);
  });

  it('retries a failure after a delay, dead-letters after the last attempt, fails at once when retrying cannot help, and requeues on demand', async () => {
    const database = await open();
    let t = Date.parse('2026-01-01T00:00:00Z');
    const queue = createJobRepository(database.db, database.dialect, { now: () => t });
    const job = await queue.enqueue('flaky', null, { maxAttempts: 2 });

    const first = (await queue.claim(['flaky'], 'w', 1_000))!;
    expect(await queue.fail(first, 'boom 1', { retryable: true, retryInMs: 5_000 })).toBe('queued');
    expect(await queue.get(job.id)).toMatchObject({ status: 'queued', attempts: 1, lastError: 'boom 1', runAt: new Date(t + 5_000).toISOString() });
    expect(await queue.claim(['flaky'], 'w', 1_000)).toBeUndefined();
    t += 5_000;
    const second = (await queue.claim(['flaky'], 'w', 1_000))!;
    expect(second.attempts).toBe(2);
    expect(await queue.fail(second, 'boom 2', { retryable: true, retryInMs: 5_000 })).toBe('dead');
    expect(await queue.get(job.id)).toMatchObject({ status: 'dead', attempts: 2, lastError: 'boom 2', finishedAt: expect.any(String) });

    const permanent = await queue.enqueue('flaky', null, { maxAttempts: 5 });
    const claimed = (await queue.claim(['flaky'], 'w', 1_000))!;
    expect(await queue.fail(claimed, 'no such template', { retryable: false, retryInMs: 0 })).toBe('failed');
    expect(await queue.get(permanent.id)).toMatchObject({ status: 'failed', attempts: 1 });

    expect(await queue.retry(job.id)).toMatchObject({ status: 'queued', attempts: 0 });
    expect(await queue.retry(job.id)).toBeUndefined();
    expect((await queue.claim(['flaky'], 'w', 1_000))?.id).toBe(job.id);
  });

  it('fences a worker whose lease lapsed: the job is requeued (or dead on its last attempt) and the old claim cannot settle it', async () => {
    const database = await open();
    let t = Date.parse('2026-01-01T00:00:00Z');
    const queue = createJobRepository(database.db, database.dialect, { now: () => t });
    const job = await queue.enqueue('long', null, { maxAttempts: 2 });
    const lost = (await queue.claim(['long'], 'dead-worker', 1_000))!;
    t += 500;
    expect(await queue.renew(lost, 1_000)).toBe(true);
    expect(await queue.reapExpired()).toEqual({ requeued: 0, dead: 0 });
    t += 1_001;
    expect(await queue.reapExpired()).toEqual({ requeued: 1, dead: 0 });
    expect(await queue.get(job.id)).toMatchObject({ status: 'queued', attempts: 1, lastError: expect.stringMatching(/lease expired/) });
    expect(await queue.complete(lost, 'late')).toBe(false);
    expect(await queue.renew(lost, 1_000)).toBe(false);

    const again = (await queue.claim(['long'], 'w2', 1_000))!;
    expect(again.attempts).toBe(2);
    t += 2_000;
    expect(await queue.reapExpired()).toEqual({ requeued: 0, dead: 1 });
    expect(await queue.get(job.id)).toMatchObject({ status: 'dead', attempts: 2 });
  });

  it('releases a claimed job without counting the attempt', async () => {
    const database = await open();
    const queue = createJobRepository(database.db, database.dialect);
    const job = await queue.enqueue('k', null, { maxAttempts: 1 });
    const claimed = (await queue.claim(['k'], 'w', 1_000))!;
    expect(await queue.release(claimed)).toBe(true);
    expect(await queue.get(job.id)).toMatchObject({ status: 'queued', attempts: 0, leaseOwner: null });
    expect(await queue.complete(claimed, 1)).toBe(false);
  });

  it('runner: retries a failing handler with backoff until it is dead-lettered, and fails a permanent error at once', async () => {
    const database = await open();
    const queue = createJobRepository(database.db, database.dialect);
    let calls = 0;
    const r = track(runner(queue, 'w'));
    r.register('always-fails', () => {
      calls++;
      return Promise.reject(new Error('transient'));
    });
    r.register('bad-input', () => Promise.reject(new PermanentJobError('the payload makes no sense')));
    r.start();
    const doomed = await queue.enqueue('always-fails', null, { maxAttempts: 3 });
    const bad = await queue.enqueue('bad-input', null, { maxAttempts: 3 });
    r.wake();
    const dead = await eventually(() => queue.get(doomed.id), (j) => j?.status === 'dead', 5_000);
    expect(dead).toMatchObject({ attempts: 3, lastError: 'The job failed with an internal error.' });
    expect(calls).toBe(3);
    expect(await queue.get(bad.id)).toMatchObject({ status: 'failed', attempts: 1, lastError: 'the payload makes no sense' });
    expect(retryDelayMs(1, 100, 10_000, () => 1)).toBe(100);
    expect(retryDelayMs(4, 100, 10_000, () => 1)).toBe(800);
    expect(retryDelayMs(30, 100, 10_000, () => 0)).toBe(5_000);
    await cleanup();
  });

  it('runner: on stop, a job that finishes within the grace period completes; one that does not is released and a new runner completes it', async () => {
    const database = await open();
    const queue = createJobRepository(database.db, database.dialect);
    const quick = await queue.enqueue('quick', null, { maxAttempts: 3 });
    const slow = await queue.enqueue('slow', null, { maxAttempts: 3 });
    let slowStarted = 0;
    const first = runner(queue, 'first', { shutdownGraceMs: 300 });
    first.register('quick', async () => {
      await sleep(100);
      return 'quick done';
    });
    const waitForever: JobHandler = (_job, signal) => {
      slowStarted++;
      return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)));
    };
    first.register('slow', waitForever);
    first.start();
    await eventually(() => first.active, (n) => n === 2);
    await first.stop();
    expect(first.active).toBe(0);
    expect(await queue.get(quick.id)).toMatchObject({ status: 'succeeded', result: 'quick done' });
    expect(await queue.get(slow.id)).toMatchObject({ status: 'queued', attempts: 0 });
    expect(slowStarted).toBe(1);

    const second = track(runner(queue, 'second'));
    second.register('slow', () => Promise.resolve('finished by the second runner'));
    second.start();
    expect(await eventually(() => queue.get(slow.id), (j) => j?.status === 'succeeded')).toMatchObject({ result: 'finished by the second runner', attempts: 1 });
    await cleanup();
  });

  it('runner: a job whose worker died is picked up by another worker once the lease lapses', async () => {
    const database = await open();
    const queue = createJobRepository(database.db, database.dialect);
    const job = await queue.enqueue('report', { n: 1 }, { maxAttempts: 3 });
    // What a crashed worker leaves behind: a claim nobody renews or settles.
    await queue.claim(['report'], 'crashed-worker', 150);
    const survivor = track(runner(queue, 'survivor'));
    survivor.register('report', (j) => Promise.resolve({ handledBy: 'survivor', payload: j.payload }));
    survivor.start();
    const done = await eventually(() => queue.get(job.id), (j) => j?.status === 'succeeded', 5_000);
    expect(done).toMatchObject({ attempts: 2, result: { handledBy: 'survivor', payload: { n: 1 } } });
    await cleanup();
  });

  it('runner: a handler whose lease was taken away is aborted, and its late result is dropped', async () => {
    const database = await open();
    const queue = createJobRepository(database.db, database.dialect);
    const job = await queue.enqueue('stalls', null, { maxAttempts: 3 });
    const aborted: string[] = [];
    let runs = 0;
    const r = track(runner(queue, 'stalling', { leaseMs: 300, concurrency: 1 }));
    r.register('stalls', (_job, signal) => {
      runs++;
      if (runs > 1) return Promise.resolve('second run');
      return new Promise((resolve) =>
        signal.addEventListener('abort', () => {
          aborted.push(String((signal.reason as Error).message));
          // A handler that ignores the abort and "finishes" anyway must not overwrite anything.
          resolve('late first run');
        }),
      );
    });
    r.start();
    await eventually(() => queue.get(job.id), (j) => j?.status === 'running');
    // Another node, whose clock says the lease lapsed, reaps the job.
    const elsewhere = createJobRepository(database.db, database.dialect, { now: () => Date.now() + 1_000 });
    expect(await elsewhere.reapExpired()).toEqual({ requeued: 1, dead: 0 });
    await eventually(() => aborted, (a) => a.length === 1);
    expect(aborted).toEqual(['The job lease was lost.']);
    const done = await eventually(() => queue.get(job.id), (j) => j?.status === 'succeeded');
    expect(done).toMatchObject({ result: 'second run', attempts: 2 });
    await cleanup();
  });

  it('two workers on separate connections to one database never run the same job twice', async () => {
    const options = ctx.freshOptions();
    const dbA = await open(options);
    const dbB = await open(options);
    const queueA = createJobRepository(dbA.db, dbA.dialect);
    const queueB = createJobRepository(dbB.db, dbB.dialect);
    const ran = new Map<string, string[]>();
    const handler =
      (who: string): JobHandler =>
      async (job) => {
        ran.set(job.id, [...(ran.get(job.id) ?? []), who]);
        await sleep(5);
        return who;
      };
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) ids.push((await queueA.enqueue('work', { i }, { maxAttempts: 1 })).id);
    const a = track(runner(queueA, 'A', { concurrency: 4, pollIntervalMs: 5 }));
    const b = track(runner(queueB, 'B', { concurrency: 4, pollIntervalMs: 5 }));
    a.register('work', handler('A'));
    b.register('work', handler('B'));
    a.start();
    b.start();
    await eventually(() => queueA.list({ status: 'succeeded', limit: 1000 }), (jobs) => jobs.length === ids.length, 20_000);
    await cleanup();
    for (const id of ids) expect(ran.get(id), `job ${id}`).toHaveLength(1);
    const by = [...ran.values()].map((w) => w[0]);
    expect(by.filter((w) => w === 'A').length + by.filter((w) => w === 'B').length).toBe(60);
    // Both took part (each claims as soon as it has room).
    expect(new Set(by)).toEqual(new Set(['A', 'B']));
    await Promise.all(databases.map((d) => d.close()));
  }, 30_000);
});
