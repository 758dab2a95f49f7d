/**
 * The schema resource of a connection (for the `database` tool): every table with its columns,
 * types, nullability, primary key, single-column unique keys and foreign keys.
 */
import { sql } from 'kysely';
import { postgresColumns, sqliteColumns } from './introspect.js';
import type { TableConnection } from './table-model.js';

export interface TableDescription {
  name: string;
  columns: { name: string; type: string; nullable: boolean; has_default: boolean }[];
  primary_key: string[];
  unique: string[];
  foreign_keys: { column: string; references_table: string; references_column: string | null }[];
}

export async function describeSchema(conn: TableConnection): Promise<{ connection: string; dialect: string; tables: TableDescription[] }> {
  const names =
    conn.dialect === 'postgres'
      ? (await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() order by table_name`.execute(conn.db)).rows
      : (await sql<{ name: string }>`select name from sqlite_master where type in ('table', 'view') and name not like 'sqlite_%' order by name`.execute(conn.db)).rows;
  const tables: TableDescription[] = [];
  for (const { name } of names) {
    const found = conn.dialect === 'postgres' ? await postgresColumns(conn, name) : await sqliteColumns(conn, name);
    if (!found) continue;
    tables.push({
      name,
      columns: found.columns.map((c) => ({ name: c.name, type: c.declaredType, nullable: c.nullable, has_default: c.hasDefault })),
      primary_key: found.columns.filter((c) => c.primaryKey).map((c) => c.name),
      unique: [...found.unique],
      foreign_keys: await foreignKeys(conn, name),
    });
  }
  return { connection: conn.name, dialect: conn.dialect, tables };
}

async function foreignKeys(conn: TableConnection, table: string): Promise<TableDescription['foreign_keys']> {
  if (conn.dialect === 'sqlite') {
    const rows = await sql<{ from: string; table: string; to: string | null }>`select "from", "table", "to" from pragma_foreign_key_list(${table})`.execute(conn.db);
    return rows.rows.map((r) => ({ column: r.from, references_table: r.table, references_column: r.to }));
  }
  const rows = await sql<{ column_name: string; foreign_table: string; foreign_column: string }>`
    select kcu.column_name, ccu.table_name as foreign_table, ccu.column_name as foreign_column
    from information_schema.table_constraints tc
    join information_schema.key_column_usage kcu on kcu.constraint_name = tc.constraint_name and kcu.table_schema = tc.table_schema
    join information_schema.constraint_column_usage ccu on ccu.constraint_name = tc.constraint_name and ccu.table_schema = tc.table_schema
    where tc.constraint_type = 'FOREIGN KEY' and tc.table_schema = current_schema() and tc.table_name = ${table}`.execute(conn.db);
  return rows.rows.map((r) => ({ column: r.column_name, references_table: r.foreign_table, references_column: r.foreign_column }));
}
