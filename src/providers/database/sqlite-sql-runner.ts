/**
 * The `database` tool on SQLite. better-sqlite3 runs a statement synchronously and cannot be
 * interrupted from JavaScript, so statements run in a child Node process that is killed (SIGKILL)
 * when the statement timeout passes or the call is cancelled, and started again for the next
 * call. Each statement gets a fresh connection inside the child: read-only mode opens the file
 * with `readonly: true` and sets `PRAGMA query_only`, so SQLite itself refuses every write; a
 * statement that SQLite does not report as read-only (`sqlite3_stmt_readonly`) is refused before
 * it runs; a statement that leaves a database ATTACHed or `writable_schema` on is refused (the
 * connection is thrown away either way). better-sqlite3's `prepare` refuses multiple statements.
 * The child gets an empty environment: no Portico secret reaches it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { PorticoError } from '../../core/errors.js';
import { jsonCell, type SqlRequest, type SqlResult, type SqlRunner } from './sql-runner.js';

const WORKER = String.raw`
'use strict';
const Database = require(process.argv[1]);
process.on('message', (m) => {
  let db;
  let result;
  try {
    db = new Database(m.file, { readonly: !m.write, fileMustExist: true, timeout: m.busyTimeoutMs });
    if (!m.write) db.pragma('query_only = ON');
    const stmt = db.prepare(m.sql);
    if (!m.write && !stmt.readonly) {
      result = { ok: false, code: 'PORTICO_NOT_READ_ONLY', message: 'statement is not read-only' };
    } else {
      const params = Array.isArray(m.params) ? m.params : [m.params];
      if (stmt.reader) {
        stmt.raw(true);
        const columns = stmt.columns().map((c) => ({ name: c.name, type: c.type }));
        const rows = [];
        let truncated = false;
        for (const row of stmt.iterate(...params)) {
          if (rows.length >= m.maxRows) { truncated = true; break; }
          rows.push(row);
        }
        result = { ok: true, columns, rows, truncated };
      } else {
        const info = stmt.run(...params);
        result = { ok: true, columns: [], rows: [], truncated: false, changes: info.changes };
      }
      const attached = db.pragma('database_list').filter((d) => d.name !== 'main' && d.name !== 'temp');
      if (attached.length) result = { ok: false, code: 'PORTICO_ATTACH', message: 'ATTACH is not allowed' };
      else if (db.pragma('writable_schema', { simple: true })) result = { ok: false, code: 'PORTICO_WRITABLE_SCHEMA', message: 'PRAGMA writable_schema is not allowed' };
    }
  } catch (e) {
    result = { ok: false, code: String((e && e.code) || ''), message: String((e && e.message) || e) };
  } finally {
    try { if (db) db.close(); } catch (e) {}
  }
  process.send(result);
});
`;

interface WorkerReply {
  ok: boolean;
  code?: string;
  message?: string;
  columns?: { name: string; type: string | null }[];
  rows?: unknown[][];
  truncated?: boolean;
  changes?: number;
}

export interface SqliteRunnerOptions {
  file: string;
  busyTimeoutMs?: number;
}

export function createSqliteSqlRunner(options: SqliteRunnerOptions): SqlRunner {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  let child: ChildProcess | undefined;
  // One statement at a time per runner: the child handles one message at a time anyway.
  let queue: Promise<unknown> = Promise.resolve();

  const start = (): ChildProcess => {
    const proc = spawn(process.execPath, ['-e', WORKER, driver], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'], serialization: 'advanced', env: {} });
    proc.on('exit', () => {
      if (child === proc) child = undefined;
    });
    proc.on('error', () => undefined);
    proc.unref();
    proc.channel?.unref();
    return proc;
  };

  const once = (request: SqlRequest): Promise<SqlResult> =>
    new Promise<SqlResult>((resolve, reject) => {
      const proc = (child ??= start());
      let settled = false;
      const finish = (err: unknown, result?: SqlResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        request.signal?.removeEventListener('abort', onAbort);
        proc.off('message', onMessage);
        proc.off('exit', onExit);
        proc.channel?.unref();
        if (err) reject(err instanceof Error ? err : new Error(String(err)));
        else resolve(result!);
      };
      const kill = (err: PorticoError) => {
        proc.kill('SIGKILL');
        if (child === proc) child = undefined;
        finish(err);
      };
      const onAbort = () => kill(new PorticoError('cancelled'));
      const onExit = () => finish(new PorticoError('internal_error', 'The SQL worker stopped unexpectedly.'));
      const onMessage = (message: WorkerReply) => {
        if (!message.ok) return finish(toError(message));
        finish(undefined, {
          columns: message.columns ?? [],
          rows: (message.rows ?? []).map((row) => row.map(jsonCell)),
          row_count: message.rows?.length ?? 0,
          truncated: message.truncated === true,
          ...(message.changes !== undefined ? { changes: message.changes } : {}),
        });
      };
      const timer = setTimeout(() => kill(new PorticoError('timeout', `The statement did not finish within ${request.timeoutMs} ms and was stopped.`)), request.timeoutMs);
      if (request.signal?.aborted) return onAbort();
      request.signal?.addEventListener('abort', onAbort, { once: true });
      proc.on('message', onMessage);
      proc.on('exit', onExit);
      proc.channel?.ref();
      proc.send({ file: options.file, busyTimeoutMs: options.busyTimeoutMs ?? 5000, sql: request.sql, params: request.params, write: request.write, maxRows: request.maxRows });
    });

  return {
    run(request) {
      const next = queue.then(() => once(request));
      queue = next.catch(() => undefined);
      return next;
    },
    async close() {
      child?.kill('SIGKILL');
      child = undefined;
    },
  };
}

/** Driver messages are about the caller's own SQL (syntax, missing table): safe and useful to show. */
function toError(reply: WorkerReply): PorticoError {
  const code = reply.code ?? '';
  const message = reply.message ?? 'The statement failed.';
  if (code === 'PORTICO_NOT_READ_ONLY' || code === 'SQLITE_READONLY' || /readonly|read-only|query_only/i.test(message)) {
    return new PorticoError('forbidden', 'This connection is read-only for you: the statement would change the database (writes need the permission "db:sql:write" and mode "write").');
  }
  if (code === 'PORTICO_ATTACH') return new PorticoError('forbidden', 'ATTACH is not allowed.');
  if (code === 'PORTICO_WRITABLE_SCHEMA') return new PorticoError('forbidden', 'PRAGMA writable_schema is not allowed.');
  if (/more than one statement/i.test(message)) return new PorticoError('validation_failed', 'Send exactly one SQL statement.');
  return new PorticoError('validation_failed', `SQL error: ${message}`, { details: { sqlite_code: code } });
}
