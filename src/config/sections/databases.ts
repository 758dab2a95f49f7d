/**
 * `databases`: which database tables Portico exposes as tools and resources, and the `database`
 * SQL tool. The default is the demo application (items, subscriptions) in Portico's own embedded
 * database, so the first start already has something to show.
 */
import { z } from 'zod';
import { meta } from '../key-meta.js';

const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'a plain SQL identifier (letters, digits, _)');

/** A password inside a URL (`postgres://user:secret@host`, or `?password=`). */
function hasPassword(value: string): boolean {
  try {
    const url = new URL(value);
    return url.password !== '' || [...url.searchParams.keys()].some((k) => /pass|secret|token/i.test(k));
  } catch {
    return false;
  }
}

export const tableExposureSchema = z.strictObject({
  /** Primary key column; default: the introspected primary key, else `id`. */
  key: identifier.optional(),
  /** Name used in tool names and URIs (`search_{name}`); default: the table name. */
  name: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,40}$/, 'lower-case letters, digits and _')
    .optional(),
  /** Singular for `get_{singular}`, `create_{singular}`; default: the name without a trailing `s`. */
  singular: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,40}$/, 'lower-case letters, digits and _')
    .optional(),
  /** Text columns the `query` argument of `search_{name}` matches (case-insensitive substring). */
  searchable: z.array(identifier).default([]),
  /** Columns never returned, filtered on or analysed (password hashes, tokens, …). */
  hidden: z.array(identifier).default([]),
  /** Adds `create_`, `update_`, `delete_{singular}` (permission `db:write:{name}`, delete `db:delete:{name}`). */
  writable: z.boolean().default(false),
});

export const connectionSchema = z.strictObject({
  /**
   * `embedded` (Portico's own database), a SQLite file path (`sqlite:/path/app.db` or a plain
   * path) or a `postgres://` URL without a password. A URL with a password goes in `urlEnv`, so
   * configuration stays safe to print (`portico config show` does not look inside this record).
   */
  url: z
    .string()
    .min(1)
    .refine((v) => !hasPassword(v), 'a URL with a password must not sit in the configuration: put it in an environment variable and name that in `urlEnv`')
    .optional(),
  /** Name of an environment variable holding the URL (keeps passwords out of config files). */
  urlEnv: z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/)
    .optional(),
  /** Tables to expose, by table name. */
  tables: z.record(identifier, tableExposureSchema).default({}),
  /** Allow the `database` SQL tool on this connection. */
  sql: z.boolean().default(true),
});

export type TableExposure = z.output<typeof tableExposureSchema>;
export type ConnectionConfig = z.output<typeof connectionSchema>;

/** The demo application: Portico's embedded database with the demo tables. */
export const demoConnections: Record<string, z.input<typeof connectionSchema>> = {
  main: {
    url: 'embedded',
    tables: {
      items: { searchable: ['name', 'description'], writable: true },
      subscriptions: { searchable: ['email'], writable: true },
    },
  },
};

export const databasesSchema = z.strictObject({
  enabled: z.boolean().default(true).meta(meta({ description: 'Expose configured database tables as tools and resources, and the `database` SQL tool.' })),
  demo: z
    .enum(['auto', 'on', 'off'])
    .default('auto')
    .meta(
      meta({
        description:
          'Demo application tables (items, subscriptions) created and filled once in Portico’s own database: auto = only with the embedded SQLite, on = also on PostgreSQL, off = never.',
      }),
    ),
  connections: z
    .record(identifier, connectionSchema)
    .prefault(demoConnections)
    .meta(
      meta({
        description:
          'Connections by name: `{ url | urlEnv, tables: { <table>: { key, searchable, hidden, writable } }, sql }` (JSON object in the environment). Default: the demo tables in the embedded database.',
      }),
    ),
  exposeUsers: z.boolean().default(true).meta(meta({ description: 'Add `search_users` (Portico’s own users, through the identity service; never password hashes).' })),
  sqlTimeoutMs: z.number().int().min(100).max(600_000).default(5000).meta(meta({ description: 'Statement timeout of the `database` SQL tool.' })),
  sqlMaxRows: z.number().int().min(1).max(100_000).default(500).meta(meta({ description: 'Rows the `database` SQL tool returns at most (the result says when it truncated).' })),
});

export type DatabasesConfig = z.output<typeof databasesSchema>;
