/**
 * The audit trail in the database. `record` only puts the event in a bounded ring (O(1), no
 * promise, no I/O); a timer writes the ring in batches every `flushIntervalMs`, redacting and
 * truncating details on the way (off the hot path). `close` writes everything left, so a graceful
 * shutdown loses nothing. If the database stays down, the ring keeps the newest events and drops
 * the oldest, counting and logging what it dropped. Old events are deleted daily.
 */
import type { AuditEvent, AuditSink, CallAction } from '../../core/pipeline/audit-sink.js';
import type { Logger } from '../../logging/logger.js';
import { newAuditId, type AuditPage, type AuditQuery, type AuditRepository, type AuditRow } from '../../store/repositories/audit.repository.js';
import { redactForAudit, redactValue } from './redact.js';

export interface DbAuditSinkOptions {
  repository: AuditRepository;
  logger: Logger;
  /** How often buffered events are written. */
  flushIntervalMs: number;
  /** Budget for the stored arguments of one call (0: arguments are not stored). */
  maxArgumentBytes: number;
  /** Events older than this are deleted (daily, and once at start). */
  retentionDays: number;
  /** Most events held while waiting for the database (default 50 000). */
  maxBuffered?: number;
  /** Run the retention clean-up (default true; the CLI turns it off). */
  retention?: boolean;
}

export interface AuditSinkStats {
  /** Events waiting to be written. */
  buffered: number;
  written: number;
  /** Events lost because the buffer was full (database unreachable for long). */
  dropped: number;
  /** Failed batch writes. */
  failures: number;
}

export interface DbAuditSink extends AuditSink {
  readonly withArguments: boolean;
  /** Write everything buffered now (and what arrives meanwhile). Rejects if the database refuses. */
  flush(): Promise<void>;
  stats(): AuditSinkStats;
  /** Read the trail, newest first, after writing what is buffered (a reader sees its own calls). */
  read(query: AuditQuery): Promise<AuditPage>;
  /** Delete events older than the retention period; resolves to how many. */
  purge(): Promise<number>;
  /** Stop the timers and write what is left. Idempotent; never rejects (a failure is logged). */
  close(): Promise<void>;
}

const CALL_ACTIONS: ReadonlySet<string> = new Set<CallAction>(['tools/call', 'resources/read', 'prompts/get', 'completion/complete']);
const DAY_MS = 86_400_000;
const WARN_EVERY_MS = 60_000;
/** Rows per write: a few milliseconds of work, then the event loop gets a turn. */
const WRITE_CHUNK = 250;

const cut = (text: string, max: number) => (text.length > max ? text.slice(0, max) : text);

/** Fixed-size ring: push is O(1); a full ring overwrites its oldest entry. */
class Ring<T> {
  private readonly items: (T | undefined)[];
  private start = 0;
  private count = 0;
  constructor(private readonly capacity: number) {
    this.items = new Array<T | undefined>(capacity);
  }
  get size(): number {
    return this.count;
  }
  /** False if the oldest entry was overwritten. */
  push(item: T): boolean {
    if (this.count < this.capacity) {
      this.items[(this.start + this.count) % this.capacity] = item;
      this.count++;
      return true;
    }
    this.items[this.start] = item;
    this.start = (this.start + 1) % this.capacity;
    return false;
  }
  drain(): T[] {
    const out = new Array<T>(this.count);
    for (let i = 0; i < this.count; i++) {
      const at = (this.start + i) % this.capacity;
      out[i] = this.items[at]!;
      this.items[at] = undefined;
    }
    this.start = 0;
    this.count = 0;
    return out;
  }
}

export function createDbAuditSink(options: DbAuditSinkOptions): DbAuditSink {
  const { repository } = options;
  const log = options.logger.child({ component: 'audit' });
  const max = Math.max(1, options.maxBuffered ?? 50_000);
  const ring = new Ring<AuditEvent>(max);
  /** Rows of a batch the database refused, written first next time. */
  let retry: AuditRow[] = [];
  let written = 0;
  let dropped = 0;
  let failures = 0;
  let lastWarn = 0;
  let droppedAtWarn = 0;
  let writing: Promise<void> | undefined;
  let closed: Promise<void> | undefined;
  let purging: Promise<unknown> | undefined;

  function toRow(e: AuditEvent): AuditRow {
    const parsed = e.atMs ?? (e.at ? Date.parse(e.at) : Date.now());
    const atMs = Number.isFinite(parsed) ? parsed : Date.now();
    const budget = CALL_ACTIONS.has(e.action) ? options.maxArgumentBytes : Math.max(1024, options.maxArgumentBytes);
    const client = e.client && (e.client.name || e.client.version) ? cut([e.client.name ?? '?', e.client.version].filter(Boolean).join('/'), 300) : null;
    return {
      id: newAuditId(atMs),
      at: e.at ?? new Date(atMs).toISOString(),
      principal_id: cut(e.principalId, 200),
      principal_name: cut(e.principalName, 200),
      surface: cut(e.surface, 20),
      action: cut(e.action, 40),
      // A URI can carry a credential in its query; mask anything that looks like one.
      target: redactValue(e.target, 2000) as string,
      outcome: cut(e.outcome, 20),
      duration_ms: Number.isFinite(e.durationMs) ? e.durationMs : 0,
      request_id: cut(e.requestId, 100),
      session_id: e.sessionId ? cut(e.sessionId, 100) : null,
      client,
      error_code: e.errorCode ? cut(e.errorCode, 40) : null,
      details: e.details ? (redactForAudit(e.details, { maxBytes: budget }) ?? null) : null,
    };
  }

  function warnDropped(force = false): void {
    const now = Date.now();
    if (dropped === droppedAtWarn || (!force && now - lastWarn < WARN_EVERY_MS)) return;
    lastWarn = now;
    log.warn({ dropped, lost: dropped - droppedAtWarn }, 'audit buffer full: oldest events dropped while the database was unavailable');
    droppedAtWarn = dropped;
  }

  function rowsOf(events: readonly AuditEvent[]): AuditRow[] {
    const rows: AuditRow[] = [];
    for (const e of events) {
      try {
        rows.push(toRow(e));
      } catch (err) {
        // A malformed event must not poison the batch.
        log.error({ err }, 'could not prepare an audit event');
      }
    }
    return rows;
  }

  /**
   * Write what is buffered, in chunks, letting the event loop serve requests between them (on
   * SQLite every write runs on this thread). On failure, what was not written waits for a retry.
   */
  async function writeBatch(): Promise<void> {
    const events = ring.drain();
    const queue = retry;
    retry = [];
    let next = 0;
    while (queue.length > 0 || next < events.length) {
      const chunk = queue.length > 0 ? queue.splice(0, WRITE_CHUNK) : rowsOf(events.slice(next, (next += WRITE_CHUNK)));
      if (!chunk.length) continue;
      try {
        await repository.insertMany(chunk);
        written += chunk.length;
      } catch (err) {
        failures++;
        let rest = chunk.concat(queue, rowsOf(events.slice(next)));
        if (rest.length > max) {
          dropped += rest.length - max;
          rest = rest.slice(rest.length - max);
        }
        retry = rest;
        if (Date.now() - lastWarn >= WARN_EVERY_MS) {
          lastWarn = Date.now();
          log.warn({ err, pending: rest.length + ring.size }, 'could not write audit events; will retry');
        }
        warnDropped();
        throw err;
      }
      if (queue.length > 0 || next < events.length) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** One batch at a time; a caller arriving during a write waits for it and then writes its own. */
  function writeSerial(): Promise<void> {
    const run = (writing ?? Promise.resolve()).catch(() => undefined).then(writeBatch);
    const mine = run.finally(() => {
      if (writing === mine) writing = undefined;
    });
    writing = mine;
    return mine;
  }

  const timer = setInterval(() => {
    if (writing || (ring.size === 0 && retry.length === 0)) return;
    writeSerial().catch(() => undefined);
  }, options.flushIntervalMs);
  timer.unref();

  const retentionMs = options.retentionDays * DAY_MS;
  const purge = async (): Promise<number> => {
    const n = await repository.deleteOlderThan(new Date(Date.now() - retentionMs).toISOString());
    if (n) log.info({ deleted: n, retentionDays: options.retentionDays }, 'old audit events deleted');
    return n;
  };
  const runPurge = () => {
    purging ??= purge()
      .catch((err: unknown) => log.warn({ err }, 'could not delete old audit events'))
      .finally(() => (purging = undefined));
  };
  let daily: NodeJS.Timeout | undefined;
  let first: NodeJS.Timeout | undefined;
  if (options.retention !== false) {
    // Soon after start (not during it), then daily.
    first = setTimeout(runPurge, 10_000);
    first.unref();
    daily = setInterval(runPurge, DAY_MS);
    daily.unref();
  }

  async function flush(): Promise<void> {
    // Events recorded while a batch is written are written by the next one.
    for (let i = 0; i < 1000 && (ring.size > 0 || retry.length > 0 || writing); i++) await writeSerial();
  }

  return {
    withArguments: options.maxArgumentBytes > 0,
    record(event) {
      if (!ring.push(event)) {
        dropped++;
        warnDropped();
      }
    },
    flush,
    stats: () => ({ buffered: ring.size + retry.length, written, dropped, failures }),
    async read(query) {
      await flush().catch(() => undefined);
      return repository.query(query);
    },
    purge,
    close() {
      closed ??= (async () => {
        clearInterval(timer);
        if (first) clearTimeout(first);
        if (daily) clearInterval(daily);
        await purging;
        try {
          await flush();
        } catch (err) {
          log.error({ err, lost: ring.size + retry.length }, 'audit events could not be written at shutdown');
        }
        warnDropped(true);
        repository.close?.();
      })();
      return closed;
    },
  };
}
