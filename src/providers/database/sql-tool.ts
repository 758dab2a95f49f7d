/**
 * The `database` tool (seed 004): one SQL statement with bound parameters against a configured
 * connection, and a schema resource per connection. Read-only by default, enforced by the
 * database; `mode: "write"` also needs `db:sql:write`. Seeing the tool at all needs `db:sql:read`:
 * raw SQL on the embedded connection can read every Portico table, so by default only admins
 * have it (a deployment can grant it for its own application database).
 */
import type { CatalogEntry } from '../../core/catalog/entries.js';
import { PorticoError } from '../../core/errors.js';
import type { DatabasesConfig } from '../../config/sections/databases.js';
import type { OpenConnection } from './connections.js';
import { jsonResource, jsonResult } from './json-result.js';
import { checkStatement } from './read-only-guard.js';
import { describeSchema } from './schema-description.js';
import type { SqlParams } from './sql-runner.js';

export const SQL_READ = 'db:sql:read';
export const SQL_WRITE = 'db:sql:write';
const MAX_SQL_LENGTH = 100_000;

export function sqlEntries(connections: readonly OpenConnection[], settings: Pick<DatabasesConfig, 'sqlTimeoutMs' | 'sqlMaxRows'>, scheme: string, source: string): CatalogEntry[] {
  const usable = connections.filter((c) => c.sqlEnabled && c.sqlRunner() !== undefined);
  if (usable.length === 0) return [];
  const byName = new Map(usable.map((c) => [c.name, c]));
  const names = usable.map((c) => c.name);
  const entries: CatalogEntry[] = [
    {
      kind: 'tool',
      name: 'database',
      title: 'Run SQL',
      description: `Run one SQL statement with bound parameters against a database connection (${names.join(', ')}). Read-only unless mode is "write" (needs ${SQL_WRITE}). Results are capped at max_rows (flag \`truncated\`); statements stop after ${settings.sqlTimeoutMs} ms. The schema is at ${scheme}://db-schema/{connection}.`,
      inputSchema: {
        type: 'object',
        properties: {
          query: { type: 'string', minLength: 1, maxLength: MAX_SQL_LENGTH, description: 'One SQL statement. Use ? (SQLite) or $1 (PostgreSQL) placeholders for values.' },
          params: {
            description: 'Values for the placeholders: an array (positional) or, on SQLite, an object (named :name / @name / $name).',
            anyOf: [{ type: 'array', maxItems: 1000 }, { type: 'object' }],
          },
          connection: { type: 'string', enum: names, default: names[0], description: 'Which configured connection.' },
          mode: { type: 'string', enum: ['read', 'write'], default: 'read' },
          max_rows: { type: 'integer', minimum: 1, maximum: settings.sqlMaxRows, default: Math.min(100, settings.sqlMaxRows) },
        },
        required: ['query'],
        additionalProperties: false,
      },
      annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: false },
      permission: SQL_READ,
      source,
      handler: async (args, ctx) => {
        const write = args.mode === 'write';
        if (write && !ctx.principal.permissions.allows(SQL_WRITE)) throw new PorticoError('forbidden', `Write mode needs the permission "${SQL_WRITE}".`);
        const connection = byName.get(typeof args.connection === 'string' ? args.connection : names[0]!);
        if (!connection) throw new PorticoError('validation_failed', `Unknown connection; use one of ${names.join(', ')}.`);
        const query = String(args.query);
        checkStatement(query, write);
        const result = await connection.sqlRunner()!.run({
          sql: query,
          params: (args.params ?? []) as SqlParams,
          write,
          timeoutMs: settings.sqlTimeoutMs,
          maxRows: typeof args.max_rows === 'number' ? args.max_rows : Math.min(100, settings.sqlMaxRows),
          signal: ctx.signal,
        });
        return jsonResult({ connection: connection.name, mode: write ? 'write' : 'read', ...result });
      },
    },
  ];
  for (const connection of usable) {
    entries.push({
      kind: 'resource',
      uri: `${scheme}://db-schema/${connection.name}`,
      name: `db-schema-${connection.name}`,
      title: `Schema of ${connection.name}`,
      description: `Tables, columns, types and keys of the ${connection.name} connection (${connection.dialect}).`,
      mimeType: 'application/json',
      permission: SQL_READ,
      source,
      read: async (uri) => jsonResource(uri, await describeSchema(connection)),
    });
  }
  return entries;
}
