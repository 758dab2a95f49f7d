import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { openStore } from '../../../src/runtime.js';
import { createAuditRepository, newAuditId, type AuditRow } from '../../../src/store/repositories/audit.repository.js';
import { tailAudit } from '../../../src/surfaces/cli/commands/audit.command.js';
import { main } from '../../../src/surfaces/cli/main.js';
import { tempDir } from '../../helpers/temp-dir.js';

function row(i: number, over: Partial<AuditRow> = {}): AuditRow {
  const at = Date.now() - 60_000 + i * 10;
  return {
    id: newAuditId(at),
    at: new Date(at).toISOString(),
    principal_id: 'user:u1',
    principal_name: 'alice',
    surface: 'mcp',
    action: 'tools/call',
    target: `tool_${i}`,
    outcome: i === 2 ? 'error' : 'ok',
    duration_ms: 3.5,
    request_id: `r${i}`,
    session_id: null,
    client: i === 2 ? 'claude-code/2.1' : null,
    error_code: i === 2 ? 'internal_error' : null,
    details: i === 2 ? '{"arguments":{"q":"x"}}' : null,
    ...over,
  };
}

async function run(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    const code = await main(['node', 'portico', ...argv]);
    return { code, out };
  } finally {
    spy.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

describe('portico audit tail', async () => {
  const dir = tempDir();
  const store = await openStore(loadConfig({ env: { PORTICO_DATA_DIR: dir } }));
  await createAuditRepository(store.database.db).insertMany([0, 1, 2, 3].map((i) => row(i)));
  await store.database.close();

  it('prints the latest events, oldest first, one line each', async () => {
    const { code, out } = await run(['audit', 'tail', '--data', dir, '--limit', '2']);
    expect(code).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\S+Z\s+error\s+tools\/call\s+tool_2 {2}by alice \(user:u1\) via mcp {2}3\.5ms {2}error=internal_error client=claude-code\/2\.1 details=\{"arguments":\{"q":"x"\}\}$/);
    expect(lines[1]).toContain('tool_3');
  });

  it('prints JSON lines with --json, and filters', async () => {
    const { code, out } = await run(['audit', 'tail', '--data', dir, '--json', '--outcome', 'ok']);
    expect(code).toBe(0);
    const events = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.map((e) => e.target)).toEqual(['tool_0', 'tool_1', 'tool_3']);
    expect(events[0]).toMatchObject({ principal_id: 'user:u1', action: 'tools/call', outcome: 'ok', duration_ms: 3.5, details: null });
  });

  it('refuses a bad --limit with exit code 2', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect((await run(['audit', 'tail', '--data', dir, '--limit', 'lots'])).code).toBe(2);
    stderr.mockRestore();
  });
});

describe('tailAudit --follow', async () => {
  const dir = tempDir();
  const store = await openStore(loadConfig({ env: { PORTICO_DATA_DIR: dir } }));
  const repo = createAuditRepository(store.database.db);

  it('prints new events as they are written, once each, until stopped', async () => {
    await repo.insertMany([row(0)]);
    const lines: string[] = [];
    const stop = new AbortController();
    const done = tailAudit(repo, { filter: {}, limit: 5, json: true, follow: true, intervalMs: 50, signal: stop.signal, write: (t) => lines.push(t) });
    await vi.waitFor(() => expect(lines).toHaveLength(1));
    const now = Date.now();
    await repo.insertMany([row(0, { id: newAuditId(now), at: new Date(now).toISOString(), request_id: 'late-1' })]);
    await vi.waitFor(() => expect(lines).toHaveLength(2), { timeout: 3000 });
    // A row committed after it with an earlier id (another node): still shown.
    await repo.insertMany([row(0, { id: newAuditId(now - 2000), at: new Date(now - 2000).toISOString(), request_id: 'late-0' })]);
    await vi.waitFor(() => expect(lines).toHaveLength(3), { timeout: 3000 });
    await new Promise((r) => setTimeout(r, 200));
    stop.abort();
    await done;
    expect(lines.map((l) => JSON.parse(l).request_id)).toEqual(['r0', 'late-1', 'late-0']);
    await store.database.close();
  });
});

describe('administrative commands', () => {
  it('record their changes in the audit trail as the local operator', async () => {
    const dir = tempDir();
    const created = await run(['keys', 'create', '--name', 'ci', '--role', 'readonly', '--data', dir]);
    expect(created.code).toBe(0);
    const secret = created.out.trim();
    const { out } = await run(['audit', 'tail', '--data', dir, '--json', '--action', 'admin/keys']);
    const events = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ principal_id: 'local:cli', surface: 'cli', outcome: 'ok', details: { operation: 'create', name: 'ci', role: 'readonly' } });
    expect(out).not.toContain(secret);
  });
});
