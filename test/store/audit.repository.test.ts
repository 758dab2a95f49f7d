import { expect, it } from 'vitest';
import { migrateToLatest } from '../../src/store/migrate.js';
import { AUDIT_ID, createAuditRepository, newAuditId, type AuditRow } from '../../src/store/repositories/audit.repository.js';
import { describeEachDialect } from '../helpers/dialects.js';

const BASE = Date.parse('2026-03-01T00:00:00.000Z');

function row(i: number, over: Partial<AuditRow> = {}): AuditRow {
  const at = BASE + i * 1000;
  return {
    id: newAuditId(at),
    at: new Date(at).toISOString(),
    principal_id: i % 2 ? 'user:bob' : 'user:alice',
    principal_name: i % 2 ? 'bob' : 'alice',
    surface: 'rest',
    action: i % 3 === 0 ? 'resources/read' : 'tools/call',
    target: i % 3 === 0 ? `portico://blobs/${i}` : `tool_${i % 4}`,
    outcome: i % 5 === 0 ? 'error' : 'ok',
    duration_ms: i + 0.25,
    request_id: `r${i}`,
    session_id: null,
    client: null,
    error_code: null,
    details: null,
    ...over,
  };
}

describeEachDialect('audit repository', (ctx) => {
  it('makes ids that sort by time and look like cursors', () => {
    const a = newAuditId(BASE);
    const b = newAuditId(BASE);
    const c = newAuditId(BASE + 1);
    expect(a < b && b < c).toBe(true);
    expect(a).toMatch(AUDIT_ID);
  });

  it('inserts in batches (more rows than one statement takes) and reads newest first', async () => {
    const database = await ctx.open();
    await migrateToLatest(database);
    const repo = createAuditRepository(database.db);
    const rows = Array.from({ length: 1203 }, (_, i) => row(i, { details: i === 7 ? '{"arguments":{"q":"x"}}' : null }));
    await repo.insertMany(rows);
    const page = await repo.query({ limit: 3 });
    expect(page.events.map((e) => e.request_id)).toEqual(['r1202', 'r1201', 'r1200']);
    expect(page.events[0]!.duration_ms).toBe(1202.25);
    expect(page.nextCursor).toBe(page.events[2]!.id);
    const seven = await repo.query({ since: rows[7]!.at, until: rows[7]!.at });
    expect(seven.events).toHaveLength(1);
    expect(seven.events[0]).toEqual(rows[7]);
  });

  it('filters by principal, action, outcome, target prefix and time, and pages with a cursor', async () => {
    const database = await ctx.open();
    await migrateToLatest(database);
    const repo = createAuditRepository(database.db);
    const rows = Array.from({ length: 60 }, (_, i) => row(i));
    await repo.insertMany(rows);

    const alice = await repo.query({ principalId: 'user:alice', limit: 1000 });
    expect(alice.events).toHaveLength(30);
    expect(alice.events.every((e) => e.principal_id === 'user:alice')).toBe(true);

    const reads = await repo.query({ action: 'resources/read', limit: 1000 });
    expect(reads.events).toHaveLength(20);
    const errors = await repo.query({ outcome: 'error', limit: 1000 });
    expect(errors.events.map((e) => e.request_id)).toEqual(['r55', 'r50', 'r45', 'r40', 'r35', 'r30', 'r25', 'r20', 'r15', 'r10', 'r5', 'r0']);

    const blobs = await repo.query({ targetPrefix: 'portico://blobs/1', limit: 1000 });
    expect(blobs.events.map((e) => e.target).sort()).toEqual(['portico://blobs/12', 'portico://blobs/15', 'portico://blobs/18']);
    // A prefix is literal: LIKE wildcards match nothing special.
    expect((await repo.query({ targetPrefix: 'tool_%' })).events).toHaveLength(0);
    expect((await repo.query({ targetPrefix: 'TOOL_' })).events).toHaveLength(0);

    const window = await repo.query({ since: rows[10]!.at, until: rows[19]!.at, limit: 1000 });
    expect(window.events.map((e) => e.request_id)).toEqual(Array.from({ length: 10 }, (_, i) => `r${19 - i}`));

    // Walk every page of alice's tool calls: no duplicates, no gaps, newest first.
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await repo.query({ principalId: 'user:alice', action: 'tools/call', limit: 7, before: cursor });
      seen.push(...page.events.map((e) => e.request_id));
      cursor = page.nextCursor;
    } while (cursor);
    const expected = rows
      .filter((r) => r.principal_id === 'user:alice' && r.action === 'tools/call')
      .map((r) => r.request_id)
      .reverse();
    expect(seen).toEqual(expected);

    // Newer than an id, oldest first (tail --follow).
    const after = await repo.query({ after: rows[56]!.id, ascending: true });
    expect(after.events.map((e) => e.request_id)).toEqual(['r57', 'r58', 'r59']);
  });

  it('deletes events older than a time', async () => {
    const database = await ctx.open();
    await migrateToLatest(database);
    const repo = createAuditRepository(database.db);
    await repo.insertMany(Array.from({ length: 10 }, (_, i) => row(i)));
    expect(await repo.deleteOlderThan(new Date(BASE + 4000).toISOString())).toBe(4);
    const left = await repo.query({ limit: 100 });
    expect(left.events.map((e) => e.request_id).sort()).toEqual(['r4', 'r5', 'r6', 'r7', 'r8', 'r9']);
  });
});
