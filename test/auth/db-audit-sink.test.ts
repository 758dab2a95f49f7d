import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDbAuditSink } from '../../src/auth/audit/db-audit-sink.js';
import type { AuditEvent } from '../../src/core/pipeline/audit-sink.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createAuditRepository, type AuditRepository, type AuditRow } from '../../src/store/repositories/audit.repository.js';
import { describeEachDialect } from '../helpers/dialects.js';

const silent = pino({ level: 'silent' });

function event(i: number, over: Partial<AuditEvent> = {}): AuditEvent {
  return {
    at: new Date(Date.now() + i).toISOString(),
    principalId: 'user:alice',
    principalName: 'alice',
    surface: 'mcp-legacy',
    action: 'tools/call',
    target: 'echo',
    outcome: 'ok',
    durationMs: 1.5,
    requestId: `r${i}`,
    ...over,
  };
}

const sinks: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(sinks.splice(0).map((s) => s.close()));
  vi.useRealTimers();
});

describeEachDialect('database audit sink', (ctx) => {
  async function setup(options: { flushIntervalMs?: number; maxArgumentBytes?: number } = {}) {
    const database = await ctx.open();
    await migrateToLatest(database);
    const repo = createAuditRepository(database.db);
    const batches: number[] = [];
    const spied: AuditRepository = {
      ...repo,
      async insertMany(rows) {
        batches.push(rows.length);
        return repo.insertMany(rows);
      },
    };
    const sink = createDbAuditSink({ repository: spied, logger: silent, flushIntervalMs: options.flushIntervalMs ?? 60_000, maxArgumentBytes: options.maxArgumentBytes ?? 2048, retentionDays: 90 });
    sinks.push(sink);
    return { repo, sink, batches };
  }

  it('records without touching the database, then writes everything in one batch', async () => {
    const { repo, sink, batches } = await setup();
    for (let i = 0; i < 250; i++) expect(sink.record(event(i))).toBeUndefined();
    expect(batches).toEqual([]);
    expect((await repo.query()).events).toHaveLength(0);
    expect(sink.stats().buffered).toBe(250);
    await sink.flush();
    expect(batches).toEqual([250]);
    const page = await repo.query({ limit: 1000 });
    expect(page.events).toHaveLength(250);
    expect(page.events[0]).toMatchObject({ request_id: 'r249', principal_id: 'user:alice', surface: 'mcp-legacy', action: 'tools/call', target: 'echo', outcome: 'ok', duration_ms: 1.5 });
    expect(sink.stats()).toMatchObject({ buffered: 0, written: 250, dropped: 0 });
  });

  it('writes a large backlog in chunks, yielding to the event loop between them', async () => {
    const { repo, sink, batches } = await setup();
    for (let i = 0; i < 1200; i++) sink.record(event(i));
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 0);
    await sink.flush();
    clearInterval(ticker);
    expect(batches).toEqual([250, 250, 250, 250, 200]);
    expect((await repo.query({ limit: 1000 })).events).toHaveLength(1000);
    expect(ticks).toBeGreaterThan(0);
  });

  it('writes on its timer, off the caller’s path', async () => {
    const { repo, sink, batches } = await setup({ flushIntervalMs: 50 });
    sink.record(event(1));
    sink.record(event(2));
    await vi.waitFor(async () => expect((await repo.query()).events).toHaveLength(2), { timeout: 2000, interval: 20 });
    expect(batches).toEqual([2]);
  });

  it('stores session, client, error code, and details redacted and truncated', async () => {
    const { repo, sink } = await setup({ maxArgumentBytes: 200 });
    sink.record(
      event(1, {
        sessionId: 'sess-1',
        client: { name: 'claude-code', version: '2.1.0' },
        outcome: 'error',
        errorCode: 'internal_error',
        details: { arguments: { query: 'select * from t', password: 'hunter2', nested: { api_key: 'k', blob: 'y'.repeat(5000) } } },
      }),
    );
    sink.record(event(2, { target: 'portico://files/x?token=abc', details: { arguments: { note: `Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl` } } }));
    await sink.flush();
    const [second, first] = (await repo.query()).events as [AuditRow, AuditRow];
    expect(first).toMatchObject({ session_id: 'sess-1', client: 'claude-code/2.1.0', outcome: 'error', error_code: 'internal_error' });
    expect(Buffer.byteLength(first.details!)).toBeLessThanOrEqual(200);
    const details = JSON.parse(first.details!);
    expect(details.arguments.query).toBe('select * from t');
    expect(details.arguments.password).toBe('[redacted]');
    expect(details.arguments.nested.api_key).toBe('[redacted]');
    expect(first.details).not.toContain('hunter2');
    expect(second.details).not.toContain('eyJhbGciOiJIUzI1NiJ9');
    expect(second.target).toBe('portico://files/x?token=[redacted]');
  });

  it('keeps events when the database refuses, retries, and drops the oldest past its bound', async () => {
    const database = await ctx.open();
    await migrateToLatest(database);
    const repo = createAuditRepository(database.db);
    let down = true;
    const flaky: AuditRepository = {
      ...repo,
      async insertMany(rows) {
        if (down) throw new Error('connection refused');
        return repo.insertMany(rows);
      },
    };
    const sink = createDbAuditSink({ repository: flaky, logger: silent, flushIntervalMs: 60_000, maxArgumentBytes: 0, retentionDays: 90, maxBuffered: 100 });
    sinks.push(sink);
    for (let i = 0; i < 80; i++) sink.record(event(i));
    await expect(sink.flush()).rejects.toThrow('connection refused');
    expect(sink.stats()).toMatchObject({ buffered: 80, failures: 1, dropped: 0 });
    for (let i = 80; i < 300; i++) sink.record(event(i));
    // The ring holds the newest 100 of the 220 recorded since; the failed batch waits for a retry.
    expect(sink.stats().dropped).toBe(120);
    down = false;
    await sink.flush();
    const ids = (await repo.query({ limit: 1000 })).events.map((e) => Number(e.request_id.slice(1))).sort((a, b) => a - b);
    expect(ids).toEqual([...Array.from({ length: 80 }, (_, i) => i), ...Array.from({ length: 100 }, (_, i) => 200 + i)]);
    expect(sink.stats()).toMatchObject({ buffered: 0, written: 180, dropped: 120 });
  });

  it('writes what is left on close, and close never rejects', async () => {
    const { repo, sink } = await setup();
    for (let i = 0; i < 10; i++) sink.record(event(i));
    await sink.close();
    expect((await repo.query()).events).toHaveLength(10);
    await expect(sink.close()).resolves.toBeUndefined();
  });

  it('asks the pipeline for arguments only when it stores them', async () => {
    expect((await setup({ maxArgumentBytes: 0 })).sink.withArguments).toBe(false);
    expect((await setup({ maxArgumentBytes: 10 })).sink.withArguments).toBe(true);
  });

  it('deletes events older than the retention period', async () => {
    const { repo, sink } = await setup();
    sink.record(event(0, { at: new Date(Date.now() - 91 * 86_400_000).toISOString(), requestId: 'old' }));
    sink.record(event(1, { requestId: 'new' }));
    await sink.flush();
    expect(await sink.purge()).toBe(1);
    expect((await repo.query()).events.map((e) => e.request_id)).toEqual(['new']);
  });
});

describe('database audit sink, read', () => {
  it('reads what was just recorded', async () => {
    const rows: AuditRow[] = [];
    const repo: AuditRepository = {
      async insertMany(r) {
        rows.push(...r);
      },
      async query() {
        return { events: [...rows].reverse() };
      },
      async deleteOlderThan() {
        return 0;
      },
    };
    const sink = createDbAuditSink({ repository: repo, logger: silent, flushIntervalMs: 60_000, maxArgumentBytes: 100, retentionDays: 1 });
    sinks.push(sink);
    sink.record(event(1));
    expect((await sink.read({})).events).toHaveLength(1);
  });
});
