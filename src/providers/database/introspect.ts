/**
 * Reads a table's columns and keys from the database itself (SQLite `pragma_table_info` /
 * PostgreSQL `information_schema`), with the table name always a bound parameter.
 */
import { sql } from 'kysely';
import { PorticoError } from '../../core/errors.js';
import type { TableExposure } from '../../config/sections/databases.js';
import { kindOfType, type CategoryColumn, type ColumnInfo, type TableConnection, type TableModel } from './table-model.js';

/** Text columns with at most this many distinct values become enum-style filters. */
const MAX_CATEGORY_VALUES = 20;

interface RawColumn {
  name: string;
  declaredType: string;
  nullable: boolean;
  hasDefault: boolean;
  primaryKey: boolean;
}

export async function sqliteColumns(conn: TableConnection, table: string): Promise<{ columns: RawColumn[]; unique: Set<string> } | undefined> {
  const exists = await sql<{ name: string }>`select name from sqlite_master where type in ('table', 'view') and name = ${table}`.execute(conn.db);
  if (exists.rows.length === 0) return undefined;
  const info = await sql<{ name: string; type: string; notnull: number; dflt_value: unknown; pk: number }>`select name, type, "notnull", dflt_value, pk from pragma_table_info(${table})`.execute(conn.db);
  const pkCount = info.rows.filter((r) => r.pk > 0).length;
  const columns = info.rows.map((r) => ({
    name: r.name,
    declaredType: r.type || 'text',
    nullable: r.notnull === 0 && r.pk === 0,
    // An INTEGER PRIMARY KEY is the rowid: SQLite assigns it.
    hasDefault: r.dflt_value !== null || (r.pk > 0 && pkCount === 1 && r.type.toLowerCase() === 'integer'),
    primaryKey: r.pk > 0,
  }));
  const unique = new Set<string>();
  const indexes = await sql<{ name: string }>`select name from pragma_index_list(${table}) where "unique" = 1`.execute(conn.db);
  for (const index of indexes.rows) {
    const cols = await sql<{ name: string }>`select name from pragma_index_info(${index.name})`.execute(conn.db);
    if (cols.rows.length === 1) unique.add(cols.rows[0]!.name);
  }
  return { columns, unique };
}

export async function postgresColumns(conn: TableConnection, table: string): Promise<{ columns: RawColumn[]; unique: Set<string> } | undefined> {
  const info = await sql<{ column_name: string; data_type: string; is_nullable: string; column_default: string | null; is_identity: string }>`
    select column_name, data_type, is_nullable, column_default, is_identity from information_schema.columns
    where table_schema = current_schema() and table_name = ${table} order by ordinal_position`.execute(conn.db);
  if (info.rows.length === 0) return undefined;
  const keys = await sql<{ constraint_name: string; constraint_type: string; column_name: string }>`
    select tc.constraint_name, tc.constraint_type, kcu.column_name
    from information_schema.table_constraints tc
    join information_schema.key_column_usage kcu
      on kcu.constraint_name = tc.constraint_name and kcu.table_schema = tc.table_schema and kcu.table_name = tc.table_name
    where tc.table_schema = current_schema() and tc.table_name = ${table} and tc.constraint_type in ('PRIMARY KEY', 'UNIQUE')`.execute(conn.db);
  const byConstraint = new Map<string, { type: string; columns: string[] }>();
  for (const k of keys.rows) {
    const entry = byConstraint.get(k.constraint_name) ?? { type: k.constraint_type, columns: [] };
    entry.columns.push(k.column_name);
    byConstraint.set(k.constraint_name, entry);
  }
  const primary = new Set<string>();
  const unique = new Set<string>();
  for (const c of byConstraint.values()) {
    if (c.type === 'PRIMARY KEY') c.columns.forEach((n) => primary.add(n));
    else if (c.columns.length === 1) unique.add(c.columns[0]!);
  }
  const columns = info.rows.map((r) => ({
    name: r.column_name,
    declaredType: r.data_type,
    nullable: r.is_nullable === 'YES',
    hasDefault: r.column_default !== null || r.is_identity === 'YES',
    primaryKey: primary.has(r.column_name),
  }));
  return { columns, unique };
}

/** Introspect one configured table; throws `config_invalid` naming what is wrong. */
export async function introspectTable(conn: TableConnection, table: string, exposure: TableExposure): Promise<TableModel> {
  const found = conn.dialect === 'postgres' ? await postgresColumns(conn, table) : await sqliteColumns(conn, table);
  if (!found) throw new PorticoError('config_invalid', `databases.connections.${conn.name}: table "${table}" does not exist.`);
  const hidden = new Set(exposure.hidden);
  const all: ColumnInfo[] = found.columns.map((c) => ({ ...c, kind: kindOfType(c.declaredType, conn.dialect), unique: found.unique.has(c.name) || (c.primaryKey && found.columns.filter((x) => x.primaryKey).length === 1) }));
  const keyName = exposure.key ?? all.find((c) => c.primaryKey)?.name ?? 'id';
  const key = all.find((c) => c.name === keyName);
  if (!key) throw new PorticoError('config_invalid', `databases.connections.${conn.name}.tables.${table}: key column "${keyName}" does not exist.`);
  if (hidden.has(key.name)) throw new PorticoError('config_invalid', `databases.connections.${conn.name}.tables.${table}: the key column cannot be hidden.`);
  const columns = all.filter((c) => !hidden.has(c.name));
  for (const name of [...exposure.searchable, ...exposure.hidden]) {
    if (!all.some((c) => c.name === name)) throw new PorticoError('config_invalid', `databases.connections.${conn.name}.tables.${table}: column "${name}" does not exist.`);
  }
  const searchable = exposure.searchable.filter((n) => !hidden.has(n));
  const name = exposure.name ?? table.toLowerCase();
  const singular = exposure.singular ?? (name.endsWith('ies') ? `${name.slice(0, -3)}y` : name.endsWith('s') ? name.slice(0, -1) : name);
  const categories = await categoryColumns(conn, table, columns.filter((c) => c.kind === 'text' && !c.unique && !c.primaryKey));
  return {
    connection: conn,
    table,
    name,
    singular,
    key,
    columns,
    searchable,
    writable: exposure.writable,
    categories,
    numeric: columns.filter((c) => (c.kind === 'integer' || c.kind === 'number') && !c.primaryKey).map((c) => c.name),
    dates: columns.filter((c) => c.kind === 'date' || c.kind === 'datetime').map((c) => c.name),
  };
}

/** Text columns with few distinct values (and clearly repeated ones), such as `category`. */
async function categoryColumns(conn: TableConnection, table: string, candidates: ColumnInfo[]): Promise<CategoryColumn[]> {
  const out: CategoryColumn[] = [];
  for (const column of candidates) {
    const ref = sql.ref(`${table}.${column.name}`);
    const distinct = await sql<{ value: string }>`select distinct ${ref} as value from ${sql.table(table)} where ${ref} is not null order by 1 limit ${MAX_CATEGORY_VALUES + 1}`.execute(conn.db);
    if (distinct.rows.length === 0 || distinct.rows.length > MAX_CATEGORY_VALUES) continue;
    const total = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)} where ${ref} is not null`.execute(conn.db);
    if (Number(total.rows[0]?.n ?? 0) < distinct.rows.length * 2) continue;
    out.push({ name: column.name, values: distinct.rows.map((r) => String(r.value)) });
  }
  // `category` first, then the rest in table order.
  return out.sort((a, b) => Number(b.name === 'category') - Number(a.name === 'category'));
}
