/**
 * The `database` tool on PostgreSQL. Each statement gets its own connection (so nothing a
 * statement sets — search_path, roles, GUCs — outlives it) inside a transaction that is READ ONLY
 * unless write mode was granted, with `SET LOCAL statement_timeout`. The statement always goes
 * through the extended query protocol, which refuses more than one command, so `…; COMMIT; DROP …`
 * cannot escape the transaction. Read-only transactions always roll back.
 */
import pg from 'pg';
import { PorticoError } from '../../core/errors.js';
import { jsonCell, type SqlRequest, type SqlResult, type SqlRunner } from './sql-runner.js';

export interface PostgresRunnerOptions {
  url: string;
  /** search_path for the statement (Portico's schema when it keeps its tables in one). */
  schema?: string | undefined;
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (v: string) => (Number.isSafeInteger(Number(v)) || oid === NUMERIC_OID ? Number(v) : v);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

export function createPostgresSqlRunner(options: PostgresRunnerOptions): SqlRunner {
  return {
    async run(request: SqlRequest): Promise<SqlResult> {
      if (!Array.isArray(request.params)) throw new PorticoError('validation_failed', 'PostgreSQL takes positional parameters ($1, $2, …): pass `params` as an array.');
      const client = new pg.Client({
        connectionString: options.url,
        types: types as never,
        ...(options.schema ? { options: `-c search_path="${options.schema}"` } : {}),
        // A last resort if the server ignores statement_timeout (e.g. stuck in the network).
        query_timeout: request.timeoutMs + 2000,
      });
      // Closing the socket alone leaves the backend working until statement_timeout: cancel it too.
      const onAbort = () => {
        const pid = (client as unknown as { processID: number | null }).processID;
        void cancelBackend(options, pid).finally(() => client.end().catch(() => undefined));
      };
      try {
        await client.connect();
        if (request.signal?.aborted) throw new PorticoError('cancelled');
        request.signal?.addEventListener('abort', onAbort, { once: true });
        await client.query(request.write ? 'BEGIN' : 'BEGIN READ ONLY');
        await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.trunc(request.timeoutMs))}`);
        // A query takes the snapshot: from here on `SET TRANSACTION READ WRITE` is refused.
        if (!request.write) await client.query('SELECT 1');
        const result = await client.query({ text: request.sql, values: [...request.params], rowMode: 'array', queryMode: 'extended' } as pg.QueryArrayConfig);
        await client.query(request.write ? 'COMMIT' : 'ROLLBACK');
        const all = (result.rows ?? []) as unknown[][];
        const rows = all.slice(0, request.maxRows).map((row) => row.map(jsonCell));
        return {
          columns: (result.fields ?? []).map((f) => ({ name: f.name, type: typeName(f.dataTypeID) })),
          rows,
          row_count: rows.length,
          truncated: all.length > request.maxRows,
          ...(result.command && result.command !== 'SELECT' && result.rowCount !== null ? { changes: result.rowCount } : {}),
        };
      } catch (err) {
        if (request.signal?.aborted) throw new PorticoError('cancelled');
        throw toError(err);
      } finally {
        request.signal?.removeEventListener('abort', onAbort);
        await client.end().catch(() => undefined);
      }
    },
    async close() {},
  };
}

async function cancelBackend(options: PostgresRunnerOptions, pid: number | null): Promise<void> {
  if (!pid) return;
  const client = new pg.Client({ connectionString: options.url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('select pg_cancel_backend($1)', [pid]);
  } catch {
    // Best effort: statement_timeout still bounds the statement.
  } finally {
    await client.end().catch(() => undefined);
  }
}

const TYPE_NAMES: Record<number, string> = { 16: 'boolean', 20: 'bigint', 21: 'smallint', 23: 'integer', 25: 'text', 700: 'real', 701: 'double precision', 1043: 'varchar', 1082: 'date', 1114: 'timestamp', 1184: 'timestamptz', 1700: 'numeric', 114: 'json', 3802: 'jsonb', 2950: 'uuid' };
const typeName = (oid: number): string | null => TYPE_NAMES[oid] ?? null;

function toError(err: unknown): PorticoError {
  if (err instanceof PorticoError) return err;
  const e = (err ?? {}) as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : 'The statement failed.';
  // 25006: a write in a READ ONLY transaction; 25001: trying to switch it to READ WRITE.
  if (code === '25006' || code === '25001') {
    return new PorticoError('forbidden', 'This connection is read-only for you: the statement would change the database (writes need the permission "db:sql:write" and mode "write").');
  }
  if (code === '57014') return new PorticoError('timeout', 'The statement ran past the statement timeout and was cancelled.');
  if (code === '42601' && /multiple commands/i.test(message)) return new PorticoError('validation_failed', 'Send exactly one SQL statement.');
  if (/^(22|23|25|42|0A|2B|3F|40|44)/.test(code)) return new PorticoError('validation_failed', `SQL error: ${message}`, { details: { sqlstate: code } });
  // Connection failures and the like: never pass their text on (it can hold the host or user).
  return new PorticoError('unavailable', 'The database connection failed.', { cause: err });
}
