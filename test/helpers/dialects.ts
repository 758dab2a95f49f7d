/**
 * Runs a storage test suite against every dialect: SQLite always, PostgreSQL when
 * TEST_DATABASE_URL is set. Each PostgreSQL suite gets its own schema, dropped afterwards, so
 * test files can run in parallel against one database.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe } from 'vitest';
import { openDatabase, type Database, type DatabaseOptions } from '../../src/store/database.js';
import type { DialectName } from '../../src/store/schema.js';

export interface DialectContext {
  readonly name: DialectName;
  /** Options for a fresh, empty database of this dialect. */
  freshOptions(): DatabaseOptions;
  /** Open a fresh, empty database of this dialect (closed after the suite). */
  open(): Promise<Database>;
}

const pgUrl = process.env.TEST_DATABASE_URL;

export const activeDialects: DialectName[] = pgUrl ? ['sqlite', 'postgres'] : ['sqlite'];

/** Drop PostgreSQL schemas a test used (TEST_DATABASE_URL), with everything in them. */
export async function dropPostgresSchemas(...schemas: string[]): Promise<void> {
  if (!schemas.length) return;
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

export function describeEachDialect(title: string, body: (ctx: DialectContext) => void): void {
  describe.each(activeDialects)(`${title} [%s]`, (name) => {
    const opened: Database[] = [];
    const schemas: string[] = [];
    const dirs: string[] = [];
    const freshOptions = (): DatabaseOptions => {
      if (name === 'sqlite') {
        const dir = mkdtempSync(join(tmpdir(), 'portico-test-'));
        dirs.push(dir);
        return { dialect: 'sqlite', file: join(dir, 'test.db') };
      }
      const schema = `t_${randomBytes(6).toString('hex')}`;
      schemas.push(schema);
      return { dialect: 'postgres', url: pgUrl!, schema, poolMax: 4 };
    };
    const ctx: DialectContext = {
      name,
      freshOptions,
      async open() {
        const db = await openDatabase(freshOptions());
        opened.push(db);
        return db;
      },
    };
    afterAll(async () => {
      await Promise.all(opened.map((d) => d.close()));
      await dropPostgresSchemas(...schemas);
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });
    body(ctx);
  });
}
