/**
 * PostgreSQL through a pooled `pg` client. An optional schema isolates Portico's tables (and lets
 * tests run side by side in one database); it is created on first connect.
 */
import { PostgresDialect } from 'kysely';
import pg from 'pg';

export interface PostgresOptions {
  url: string;
  schema?: string | undefined;
  poolMax: number;
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/** Counts and sums come back as int8/numeric; numbers are what callers expect below 2^53. */
const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

export async function ensureSchema(options: PostgresOptions): Promise<void> {
  if (!options.schema) return;
  const client = new pg.Client({ connectionString: options.url });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${options.schema}"`);
  } finally {
    await client.end();
  }
}

export function createPostgresDialect(options: PostgresOptions): { dialect: PostgresDialect; pool: pg.Pool } {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolMax,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    types: typeParsers as never,
    ...(options.schema ? { options: `-c search_path="${options.schema}"` } : {}),
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  return { dialect: new PostgresDialect({ pool }), pool };
}
