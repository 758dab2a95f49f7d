/**
 * Runs one SQL statement for the `database` tool. The database enforces read-only mode (SQLite: a
 * read-only connection with `query_only`; PostgreSQL: a READ ONLY transaction); implementations
 * enforce the statement timeout and the row cap and refuse more than one statement.
 */
export type SqlParams = readonly unknown[] | Readonly<Record<string, unknown>>;

export interface SqlRequest {
  readonly sql: string;
  readonly params: SqlParams;
  /** Allow statements that change data or schema. */
  readonly write: boolean;
  readonly timeoutMs: number;
  readonly maxRows: number;
  readonly signal?: AbortSignal | undefined;
}

export interface SqlColumn {
  readonly name: string;
  readonly type: string | null;
}

export interface SqlResult {
  readonly columns: SqlColumn[];
  /** Rows as arrays in column order (duplicate column names stay distinct). */
  readonly rows: unknown[][];
  readonly row_count: number;
  /** More rows existed than the cap allowed. */
  readonly truncated: boolean;
  /** Rows changed by a write (absent for queries). */
  readonly changes?: number;
}

export interface SqlRunner {
  run(request: SqlRequest): Promise<SqlResult>;
  close(): Promise<void>;
}

/** JSON-safe cell values: bigint as number or string, bytes as base64, dates as ISO strings. */
export function jsonCell(value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value instanceof Date) return value.toISOString();
  return value;
}
