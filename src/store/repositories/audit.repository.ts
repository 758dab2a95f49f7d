/**
 * The audit trail's storage: batched inserts, filtered newest-first pages with an opaque cursor,
 * and retention. Ids sort by time, so "newer than" and "older than" are comparisons on the key.
 */
import { randomBytes } from 'node:crypto';
import SqliteDatabase from 'better-sqlite3';
import { PostgresAdapter, sql, type Kysely, type Selectable } from 'kysely';
import type { AuditEventsTable, DatabaseSchema } from '../schema.js';

export type AuditRow = Selectable<AuditEventsTable>;

export interface AuditFilter {
  principalId?: string | undefined;
  action?: string | undefined;
  outcome?: string | undefined;
  /** Targets starting with this (a tool name, a URI prefix). */
  targetPrefix?: string | undefined;
  /** ISO-8601 bounds on `at`, inclusive. */
  since?: string | undefined;
  until?: string | undefined;
}

export interface AuditQuery extends AuditFilter {
  /** Cursor from a previous page: only events older than it. */
  before?: string | undefined;
  /** Only events newer than this id (tail --follow). */
  after?: string | undefined;
  /** Page size, 1-1000 (default 100). */
  limit?: number | undefined;
  /** Oldest first instead of newest first (only with `after`). */
  ascending?: boolean | undefined;
}

export interface AuditPage {
  events: AuditRow[];
  /** Pass as `before` for the next (older) page; absent on the last page. */
  nextCursor?: string;
}

export interface AuditRepository {
  insertMany(rows: readonly AuditRow[]): Promise<void>;
  /** Release the dedicated write connection, if any. */
  close?(): void;
  query(query?: AuditQuery): Promise<AuditPage>;
  deleteOlderThan(isoTime: string): Promise<number>;
}

/** A well-formed cursor (ids are made only by newAuditId). */
export const AUDIT_ID = /^[0-9a-z]{9}-[0-9a-z]{4}-[0-9a-f]{8}$/;

let seq = 0;
/** Random per process: with the sequence number it keeps ids of two processes apart, for free. */
let processTag = randomBytes(4).toString('hex');
/** `<ms base36, 9>-<seq base36, 4>-<process tag hex, 8>`: sortable by time, unique across processes. */
export function newAuditId(atMs: number): string {
  seq = (seq + 1) % 1_679_616;
  // A new tag each time the sequence wraps, so it never repeats an id.
  if (seq === 0) processTag = randomBytes(4).toString('hex');
  return `${Math.max(0, Math.floor(atMs)).toString(36).padStart(9, '0')}-${seq.toString(36).padStart(4, '0')}-${processTag}`;
}

/** The smallest id of an event at or after `ms`. */
export function auditIdFloor(ms: number): string {
  return Math.max(0, Math.floor(Number.isFinite(ms) ? ms : 0)).toString(36).padStart(9, '0');
}

const COLUMNS = ['id', 'at', 'principal_id', 'principal_name', 'surface', 'action', 'target', 'outcome', 'duration_ms', 'request_id', 'session_id', 'client', 'error_code', 'details'] as const;
const COLUMN_LIST = sql.raw(COLUMNS.join(', '));
// Rows travel as one JSON parameter per chunk: one statement to compile and bind, however many
// rows, which is what keeps a busy server's batch write short. (Kysely's multi-row VALUES builds
// a node per value: ~15 µs a row.)
const SQLITE_SELECT = sql.raw(COLUMNS.map((c) => `json_extract(value, '$[${COLUMNS.indexOf(c)}]')`).join(', '));
const PG_TYPES: Record<(typeof COLUMNS)[number], string> = {
  id: 'varchar',
  at: 'varchar',
  principal_id: 'varchar',
  principal_name: 'varchar',
  surface: 'varchar',
  action: 'varchar',
  target: 'text',
  outcome: 'varchar',
  duration_ms: 'double precision',
  request_id: 'varchar',
  session_id: 'varchar',
  client: 'varchar',
  error_code: 'varchar',
  details: 'text',
};
const PG_SELECT = sql.raw(COLUMNS.map((c, i) => `(value->>${i})::${PG_TYPES[c]}`).join(', '));
const CHUNK = 2000;

/**
 * On SQLite the trail is written through its own connection with one prepared statement: a few
 * microseconds a row instead of a statement built per batch, and never inside a transaction some
 * other query holds open on the main connection. WAL lets both connections work side by side.
 */
function sqliteWriter(file: string, busyTimeoutMs: number) {
  const raw = new SqliteDatabase(file, { timeout: busyTimeoutMs });
  raw.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
  raw.pragma('synchronous = NORMAL');
  const insert = raw.prepare(`insert into audit_events (${COLUMNS.join(', ')}) values (${COLUMNS.map(() => '?').join(', ')})`);
  const insertAll = raw.transaction((rows: readonly AuditRow[]) => {
    for (const r of rows) insert.run(COLUMNS.map((c) => r[c]));
  });
  return { insertAll: (rows: readonly AuditRow[]) => insertAll(rows), close: () => raw.close() };
}

export function createAuditRepository(db: Kysely<DatabaseSchema>, sqlite?: { file: string; busyTimeoutMs: number }): AuditRepository {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  let writer: ReturnType<typeof sqliteWriter> | undefined;
  const insertChunk = (target: Kysely<DatabaseSchema>, chunk: readonly AuditRow[]) => {
    const json = JSON.stringify(chunk.map((r) => COLUMNS.map((c) => r[c])));
    return postgres
      ? sql`insert into audit_events (${COLUMN_LIST}) select ${PG_SELECT} from json_array_elements(${json}::json) as value`.execute(target)
      : sql`insert into audit_events (${COLUMN_LIST}) select ${SQLITE_SELECT} from json_each(${json})`.execute(target);
  };
  return {
    async insertMany(rows) {
      if (!rows.length) return;
      if (sqlite && !postgres) {
        writer ??= sqliteWriter(sqlite.file, sqlite.busyTimeoutMs);
        writer.insertAll(rows);
        return;
      }
      if (rows.length <= CHUNK) {
        await insertChunk(db, rows);
        return;
      }
      await db.transaction().execute(async (trx) => {
        for (let i = 0; i < rows.length; i += CHUNK) await insertChunk(trx, rows.slice(i, i + CHUNK));
      });
    },

    async query(query = {}) {
      const limit = Math.min(1000, Math.max(1, Math.floor(query.limit ?? 100)));
      let q = db.selectFrom('audit_events').selectAll();
      if (query.principalId !== undefined) q = q.where('principal_id', '=', query.principalId);
      if (query.action !== undefined) q = q.where('action', '=', query.action);
      if (query.outcome !== undefined) q = q.where('outcome', '=', query.outcome);
      if (query.targetPrefix) {
        // substr, not LIKE: no wildcards to escape, and case-sensitive in both dialects.
        const prefix = query.targetPrefix;
        q = q.where(sql<string>`substr(target, 1, ${[...prefix].length})`, '=', prefix);
      }
      // Ids start with the event's time: bound them too, so the primary key does the walking.
      if (query.since !== undefined) q = q.where('id', '>=', auditIdFloor(Date.parse(query.since))).where('at', '>=', query.since);
      if (query.until !== undefined) q = q.where('id', '<', auditIdFloor(Date.parse(query.until) + 1)).where('at', '<=', query.until);
      if (query.before !== undefined) q = q.where('id', '<', query.before);
      if (query.after !== undefined) q = q.where('id', '>', query.after);
      const ascending = query.ascending === true;
      const rows = await q
        .orderBy('id', ascending ? 'asc' : 'desc')
        .limit(limit + 1)
        .execute();
      const events = rows.slice(0, limit).map((r) => ({ ...r, duration_ms: Number(r.duration_ms) }));
      return rows.length > limit && !ascending ? { events, nextCursor: events[events.length - 1]!.id } : { events };
    },

    close() {
      writer?.close();
      writer = undefined;
    },

    async deleteOlderThan(isoTime) {
      const result = await db.deleteFrom('audit_events').where('id', '<', auditIdFloor(Date.parse(isoTime))).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
