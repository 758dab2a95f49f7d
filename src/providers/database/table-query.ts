/**
 * Reads and writes of one exposed table, built with Kysely from the introspected allow-lists:
 * identifiers only ever come from the table model, values only ever travel as bound parameters.
 */
import { createHash } from 'node:crypto';
import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import { PorticoError } from '../../core/errors.js';
import type { JsonObject } from '../../core/catalog/mcp-shapes.js';

type JsonValue = unknown;
import { constraintError } from './constraint-errors.js';
import { DEFAULT_LIMIT, filterArguments, isAutoTimestamp, MAX_LIMIT } from './table-schemas.js';
import { columnOf, type ColumnInfo, type TableModel } from './table-model.js';

export type Row = Record<string, JsonValue>;

export interface SearchPage {
  results: Row[];
  returned_count: number;
  total_found: number;
  next_cursor: string | null;
}

/** Escape LIKE wildcards so user text matches literally. */
function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Normalise a date argument; `end` turns a bare date into the first instant of the next day. */
export function dateBound(column: ColumnInfo, value: string, end: boolean): string {
  const bare = /^\d{4}-\d{2}-\d{2}$/.test(value);
  if (column.kind === 'date') return value.slice(0, 10);
  const parsed = new Date(bare ? `${value}T00:00:00.000Z` : value);
  if (Number.isNaN(parsed.getTime())) throw new PorticoError('validation_failed', `"${value}" is not a valid date or timestamp.`);
  if (end && bare) parsed.setUTCDate(parsed.getUTCDate() + 1);
  return parsed.toISOString();
}

/** A value for a bound parameter of this column (SQLite keeps booleans as 0/1). */
function toDb(model: TableModel, column: ColumnInfo, value: JsonValue | undefined): unknown {
  if (value === null || value === undefined) return null;
  if (column.kind === 'boolean' && model.connection.dialect === 'sqlite') return value ? 1 : 0;
  if (column.kind === 'json' && model.connection.dialect === 'sqlite') return JSON.stringify(value);
  if (column.kind === 'datetime' && typeof value === 'string') return dateBound(column, value, false);
  return value;
}

/** Rows as JSON: booleans as booleans, timestamps as ISO strings. */
export function fromDb(model: TableModel, raw: Record<string, unknown>): Row {
  const row: Row = {};
  for (const column of model.columns) {
    const v = raw[column.name];
    if (v === null || v === undefined) row[column.name] = null;
    else if (column.kind === 'boolean') row[column.name] = v === true || v === 1 || v === '1' || v === 't';
    else if (v instanceof Date) row[column.name] = column.kind === 'date' ? localDay(v) : v.toISOString();
    else if (typeof v === 'bigint') row[column.name] = Number(v);
    else if (Buffer.isBuffer(v)) row[column.name] = v.toString('base64');
    else if (column.kind === 'json' && typeof v === 'string' && model.connection.dialect === 'sqlite') {
      try {
        row[column.name] = JSON.parse(v) as JsonValue;
      } catch {
        row[column.name] = v;
      }
    } else row[column.name] = v as JsonValue;
  }
  return row;
}

/** node-postgres turns a `date` into local midnight: read it back in local time, or it shifts a day east of UTC. */
function localDay(d: Date): string {
  return `${String(d.getFullYear()).padStart(4, '0')}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tables are known only at run time
type Eb = ExpressionBuilder<any, any>;

/** The WHERE conditions of `search_`/`analyze_` arguments; unknown arguments are ignored (the schema refuses them). */
export function conditions(model: TableModel, args: JsonObject): (eb: Eb) => Expression<SqlBool> {
  return (eb) => {
    const parts: Expression<SqlBool>[] = [];
    const query = typeof args.query === 'string' ? args.query.trim() : '';
    if (query && model.searchable.length) {
      const pattern = likePattern(query);
      parts.push(eb.or(model.searchable.map((c) => sql<SqlBool>`lower(cast(${sql.ref(c)} as text)) like ${pattern} escape '\\'`)));
    }
    for (const filter of filterArguments(model)) {
      const value = args[filter.argument];
      if (value === undefined) continue;
      const ref = sql.ref(filter.column.name);
      switch (filter.kind) {
        case 'eq':
          parts.push(value === null ? eb(ref, 'is', null) : eb(ref, '=', toDb(model, filter.column, value)));
          break;
        case 'in': {
          const values = Array.isArray(value) ? value : [value];
          parts.push(eb(ref, 'in', values.map((v) => toDb(model, filter.column, v))));
          break;
        }
        case 'min':
          parts.push(eb(ref, '>=', value));
          break;
        case 'max':
          parts.push(eb(ref, '<=', value));
          break;
        case 'from':
          parts.push(eb(ref, '>=', dateBound(filter.column, String(value), false)));
          break;
        case 'to': {
          const bare = /^\d{4}-\d{2}-\d{2}$/.test(String(value));
          const bound = dateBound(filter.column, String(value), true);
          parts.push(eb(ref, bare && filter.column.kind !== 'date' ? '<' : '<=', bound));
          break;
        }
      }
    }
    return eb.and(parts);
  };
}

/** A cursor names an offset into one particular search; it is refused for any other. */
function fingerprint(model: TableModel, args: JsonObject): string {
  const { cursor: _c, limit: _l, ...rest } = args;
  const sorted = Object.fromEntries(Object.entries(rest).sort(([a], [b]) => a.localeCompare(b)));
  return createHash('sha256').update(`${model.name}\n${JSON.stringify(sorted)}`).digest('base64url').slice(0, 16);
}

export function encodeCursor(model: TableModel, args: JsonObject, offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset, f: fingerprint(model, args) })).toString('base64url');
}

function decodeCursor(model: TableModel, args: JsonObject, cursor: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { o?: unknown; f?: unknown };
    if (typeof parsed.o === 'number' && Number.isSafeInteger(parsed.o) && parsed.o >= 0 && parsed.f === fingerprint(model, args)) return parsed.o;
  } catch {
    // fall through
  }
  throw new PorticoError('validation_failed', 'The cursor is invalid or belongs to a different search; start again without it.');
}

export async function searchRows(model: TableModel, args: JsonObject): Promise<SearchPage> {
  const limit = Math.min(typeof args.limit === 'number' ? args.limit : DEFAULT_LIMIT, MAX_LIMIT);
  const offset = typeof args.cursor === 'string' ? decodeCursor(model, args, args.cursor) : 0;
  const orderBy = typeof args.order_by === 'string' ? columnOf(model, args.order_by) : model.key;
  if (!orderBy) throw new PorticoError('validation_failed', `Cannot order by "${String(args.order_by)}".`);
  const direction = args.order === 'desc' ? 'desc' : 'asc';
  const where = conditions(model, args);
  const db = model.connection.db;
  let select = db
    .selectFrom(model.table)
    .select(model.columns.map((c) => c.name))
    .where(where)
    .orderBy(sql.ref(orderBy.name), direction);
  // The key breaks ties so pages never overlap or skip.
  if (orderBy.name !== model.key.name) select = select.orderBy(sql.ref(model.key.name), direction);
  const [rows, total] = await Promise.all([
    select.limit(limit + 1).offset(offset).execute(),
    db
      .selectFrom(model.table)
      .select((eb) => eb.fn.countAll().as('n'))
      .where(where)
      .executeTakeFirst(),
  ]);
  const more = rows.length > limit;
  const page = rows.slice(0, limit).map((r) => fromDb(model, r as Record<string, unknown>));
  return {
    results: page,
    returned_count: page.length,
    total_found: Number((total as { n?: unknown } | undefined)?.n ?? 0),
    next_cursor: more ? encodeCursor(model, args, offset + limit) : null,
  };
}

/** The key value from a tool argument or a URI segment, typed for the key column. */
export function keyValue(model: TableModel, raw: unknown): unknown {
  if (model.key.kind === 'integer') {
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d{1,15}$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(n)) throw new PorticoError('not_found', `No ${model.singular} with ${model.key.name} ${JSON.stringify(raw)}.`);
    return n;
  }
  return String(raw);
}

export async function getRow(model: TableModel, rawKey: unknown): Promise<Row> {
  const key = keyValue(model, rawKey);
  const row = await model.connection.db
    .selectFrom(model.table)
    .select(model.columns.map((c) => c.name))
    .where(sql.ref(model.key.name), '=', key)
    .executeTakeFirst();
  if (!row) throw new PorticoError('not_found', `No ${model.singular} with ${model.key.name} ${JSON.stringify(rawKey)}.`);
  return fromDb(model, row as Record<string, unknown>);
}

function writableValues(model: TableModel, args: JsonObject, includeKey: boolean): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const column of model.columns) {
    if (column.primaryKey && !includeKey) continue;
    if (args[column.name] !== undefined) values[column.name] = toDb(model, column, args[column.name]);
  }
  return values;
}

/** ISO-8601 UTC: sorts as text in SQLite and parses as timestamptz in PostgreSQL. */
const now = (): string => new Date().toISOString();

export async function createRow(model: TableModel, args: JsonObject): Promise<Row> {
  const values = writableValues(model, args, !model.key.hasDefault);
  for (const column of model.columns) if (isAutoTimestamp(column) && values[column.name] === undefined) values[column.name] = now();
  try {
    const inserted = await model.connection.db
      .insertInto(model.table)
      .values(values)
      .returning(model.columns.map((c) => c.name))
      .executeTakeFirstOrThrow();
    return fromDb(model, inserted as Record<string, unknown>);
  } catch (err) {
    throw constraintError(model, err, values) ?? err;
  }
}

export async function updateRow(model: TableModel, args: JsonObject): Promise<Row> {
  const key = keyValue(model, args[model.key.name]);
  const values = writableValues(model, args, false);
  const updatedAt = model.columns.find((c) => isAutoTimestamp(c) && /^updated|^modified/.test(c.name));
  if (updatedAt && values[updatedAt.name] === undefined) values[updatedAt.name] = now();
  if (Object.keys(values).length === 0) throw new PorticoError('validation_failed', `Nothing to change: give at least one column besides ${model.key.name}.`);
  try {
    const updated = await model.connection.db
      .updateTable(model.table)
      .set(values)
      .where(sql.ref(model.key.name), '=', key)
      .returning(model.columns.map((c) => c.name))
      .executeTakeFirst();
    if (!updated) throw new PorticoError('not_found', `No ${model.singular} with ${model.key.name} ${JSON.stringify(args[model.key.name])}.`);
    return fromDb(model, updated as Record<string, unknown>);
  } catch (err) {
    throw constraintError(model, err, values) ?? err;
  }
}

export async function deleteRow(model: TableModel, rawKey: unknown): Promise<Row> {
  const key = keyValue(model, rawKey);
  try {
    const deleted = await model.connection.db
      .deleteFrom(model.table)
      .where(sql.ref(model.key.name), '=', key)
      .returning(model.columns.map((c) => c.name))
      .executeTakeFirst();
    if (!deleted) throw new PorticoError('not_found', `No ${model.singular} with ${model.key.name} ${JSON.stringify(rawKey)}.`);
    return fromDb(model, deleted as Record<string, unknown>);
  } catch (err) {
    throw constraintError(model, err, {}) ?? err;
  }
}
