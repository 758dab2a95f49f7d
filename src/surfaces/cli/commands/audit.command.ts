/**
 * `portico audit tail [--follow] [--limit N] [--json]`: the latest audit events of a data
 * directory's database (a running server's too), oldest first; with --follow, new events as they
 * are written, until interrupted. --json prints one JSON object per line.
 */
import type { Command } from 'commander';
import { openStore } from '../../../runtime.js';
import type { AuditFilter, AuditRepository, AuditRow } from '../../../store/repositories/audit.repository.js';
import { createAuditRepository } from '../../../store/repositories/audit.repository.js';
import { CliExit, EXIT_USAGE, configFromFlags, withCommonOptions, type CommonFlags } from '../cli-context.js';

interface TailFlags extends CommonFlags {
  follow?: boolean;
  limit: string;
  json?: boolean;
  principal?: string;
  action?: string;
  outcome?: string;
  interval: string;
}

export interface TailOptions {
  filter: AuditFilter;
  limit: number;
  json: boolean;
  follow: boolean;
  /** Poll interval for --follow, ms. */
  intervalMs?: number;
  /** Stops --follow. */
  signal?: AbortSignal;
  write: (text: string) => void;
}

export function formatAuditEvent(e: AuditRow, json: boolean): string {
  if (json) {
    let details: unknown = null;
    try {
      details = e.details === null ? null : (JSON.parse(e.details) as unknown);
    } catch {
      details = e.details;
    }
    return `${JSON.stringify({ ...e, details })}\n`;
  }
  const who = e.principal_name === e.principal_id ? e.principal_id : `${e.principal_name} (${e.principal_id})`;
  const extra = [
    e.error_code ? `error=${e.error_code}` : '',
    e.session_id ? `session=${e.session_id}` : '',
    e.client ? `client=${e.client}` : '',
    e.details ? `details=${e.details}` : '',
  ].filter(Boolean);
  return `${e.at}  ${e.outcome.padEnd(14)} ${e.action.padEnd(19)} ${e.target}  by ${who} via ${e.surface}  ${e.duration_ms}ms${extra.length ? `  ${extra.join(' ')}` : ''}\n`;
}

/** Time encoded in an audit id (its first part), ms. */
const idTime = (id: string) => parseInt(id.slice(0, 9), 36);
/** The smallest id string at or after a time. */
const idFloor = (ms: number) => Math.max(0, Math.floor(ms)).toString(36).padStart(9, '0');

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/** Print the last `limit` events, then (with follow) new ones until the signal fires. */
export async function tailAudit(repo: AuditRepository, options: TailOptions): Promise<void> {
  const shown = options.limit > 0 ? (await repo.query({ ...options.filter, limit: options.limit })).events.reverse() : [];
  for (const e of shown) options.write(formatAuditEvent(e, options.json));
  if (!options.follow) return;

  // Several writers (nodes, the CLI) may commit a little out of id order: look back a few seconds
  // each time and skip what was already printed.
  const LOOKBACK_MS = 5_000;
  const PAGE = 500;
  const seen = new Set(shown.map((e) => e.id));
  let horizon = shown.length ? Math.max(idTime(shown[shown.length - 1]!.id), Date.now() - LOOKBACK_MS) : Date.now();
  while (!options.signal?.aborted) {
    let after = idFloor(horizon - LOOKBACK_MS);
    for (;;) {
      const page = await repo.query({ ...options.filter, after, ascending: true, limit: PAGE });
      for (const e of page.events) {
        after = e.id;
        if (seen.has(e.id)) continue;
        seen.add(e.id);
        options.write(formatAuditEvent(e, options.json));
        horizon = Math.max(horizon, idTime(e.id));
      }
      if (page.events.length < PAGE) break;
    }
    for (const id of seen) if (idTime(id) < horizon - 2 * LOOKBACK_MS) seen.delete(id);
    await sleep(options.intervalMs ?? 1000, options.signal);
  }
}

export function registerAuditCommand(program: Command): void {
  const audit = program.command('audit').description('read the audit trail');

  withCommonOptions(audit.command('tail').description('print the latest audit events (oldest first); --follow for new ones'))
    .option('-f, --follow', 'keep printing new events until interrupted')
    .option('-n, --limit <n>', 'how many recent events to print first', '20')
    .option('--json', 'one JSON object per line')
    .option('--principal <id>', 'only events of this principal id (user:…, key:…)')
    .option('--action <action>', 'only this action (tools/call, auth/login, admin/users…)')
    .option('--outcome <outcome>', 'only this outcome (ok, error, denied…)')
    .option('--interval <ms>', 'poll interval for --follow', '1000')
    .action(async (flags: TailFlags) => {
      const limit = Number(flags.limit);
      if (!Number.isInteger(limit) || limit < 0 || limit > 1000) throw new CliExit(EXIT_USAGE, `--limit "${flags.limit}" must be a whole number from 0 to 1000`);
      const intervalMs = Number(flags.interval);
      if (!Number.isInteger(intervalMs) || intervalMs < 50) throw new CliExit(EXIT_USAGE, `--interval "${flags.interval}" must be at least 50 (ms)`);
      const store = await openStore(configFromFlags(flags));
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const repo = createAuditRepository(store.database.db);
        const filter: AuditFilter = { principalId: flags.principal, action: flags.action, outcome: flags.outcome };
        if (limit > 0 || flags.follow) {
          await tailAudit(repo, {
            filter,
            limit,
            json: flags.json === true,
            follow: flags.follow === true,
            intervalMs,
            signal: stop.signal,
            write: (text) => process.stdout.write(text),
          });
        }
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await store.database.close();
      }
    });
}
