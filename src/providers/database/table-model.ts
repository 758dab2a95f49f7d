/**
 * What the provider knows about one exposed table after introspection: its columns (hidden ones
 * already removed) with a kind derived from the declared type, its key, and which columns suit
 * text search, enum-style filters, numeric distributions and date trends. Every identifier the
 * provider ever puts into SQL comes from one of these allow-lists.
 */
import type { Kysely } from 'kysely';
import type { DialectName } from '../../store/schema.js';

export type ColumnKind = 'integer' | 'number' | 'text' | 'boolean' | 'date' | 'datetime' | 'json';

export interface ColumnInfo {
  readonly name: string;
  readonly kind: ColumnKind;
  /** As the database declares it (`varchar(200)`, `timestamptz`, …). */
  readonly declaredType: string;
  readonly nullable: boolean;
  /** A default or an auto-generated value exists, so create may omit it. */
  readonly hasDefault: boolean;
  readonly primaryKey: boolean;
  /** A single-column unique constraint (for clear duplicate errors). */
  readonly unique: boolean;
}

/** A low-cardinality text column, with the values seen at start (shown as examples, not enforced). */
export interface CategoryColumn {
  readonly name: string;
  readonly values: readonly string[];
}

/** A database connection the provider reads and writes tables through. */
export interface TableConnection {
  readonly name: string;
  readonly dialect: DialectName;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- exposed tables are only known at run time
  readonly db: Kysely<any>;
}

export interface TableModel {
  readonly connection: TableConnection;
  /** The table's real name. */
  readonly table: string;
  /** Name in tool names and URIs: `search_{name}`, `portico://db/{name}`. */
  readonly name: string;
  readonly singular: string;
  readonly key: ColumnInfo;
  /** Visible columns in table order (hidden ones never appear here). */
  readonly columns: readonly ColumnInfo[];
  readonly searchable: readonly string[];
  readonly writable: boolean;
  readonly categories: readonly CategoryColumn[];
  readonly numeric: readonly string[];
  readonly dates: readonly string[];
}

/** Map a declared SQL type (SQLite affinity rules, PostgreSQL data_type) to a column kind. */
export function kindOfType(declared: string, dialect: DialectName): ColumnKind {
  const t = declared.toLowerCase();
  if (dialect === 'postgres') {
    if (/^(smallint|integer|bigint|int[248]?|serial|bigserial)$/.test(t)) return 'integer';
    if (/^(numeric|decimal|real|double precision|float[48]?|money)/.test(t)) return 'number';
    if (t === 'boolean') return 'boolean';
    if (t === 'date') return 'date';
    if (t.startsWith('timestamp')) return 'datetime';
    if (t === 'json' || t === 'jsonb') return 'json';
    return 'text';
  }
  if (t.includes('bool')) return 'boolean';
  if (t.includes('int')) return 'integer';
  if (/real|floa|doub|numeric|decimal/.test(t)) return 'number';
  if (t === 'date') return 'date';
  if (t.includes('datetime') || t.includes('timestamp')) return 'datetime';
  if (t === 'json') return 'json';
  return 'text';
}

export const isNumeric = (c: ColumnInfo) => c.kind === 'integer' || c.kind === 'number';
export const isDate = (c: ColumnInfo) => c.kind === 'date' || c.kind === 'datetime';

export function columnOf(model: TableModel, name: string): ColumnInfo | undefined {
  return model.columns.find((c) => c.name === name);
}
