/**
 * The catalog entries generated for one exposed table: the paginated resource and its row
 * template, `search_`, `get_`, `analyze_`, and where writable `create_`, `update_`, `delete_`.
 * Reads use the default tool/resource permissions (so `readonly` gets the read-only tools);
 * writes need `db:write:{name}`, deletes `db:delete:{name}` (seed 002: only admins delete).
 */
import type { CatalogEntry } from '../../core/catalog/entries.js';
import type { JsonObject } from '../../core/catalog/mcp-shapes.js';
import { PorticoError } from '../../core/errors.js';
import { analyze, analyzeInputSchema } from './table-analysis.js';
import { createRow, deleteRow, getRow, searchRows, updateRow } from './table-query.js';
import { createInputSchema, keyInputSchema, searchInputSchema, updateInputSchema } from './table-schemas.js';
import type { TableModel } from './table-model.js';
import { jsonResource, jsonResult } from './json-result.js';

/** Rows per page of the `portico://db/{table}` resource. */
export const RESOURCE_PAGE_SIZE = 50;

export const dbPermission = {
  write: (name: string) => `db:write:${name}`,
  delete: (name: string) => `db:delete:${name}`,
} as const;

export function tableEntries(model: TableModel, scheme: string, source: string): CatalogEntry[] {
  const base = `${scheme}://db/${model.name}`;
  const { name, singular, key } = model;
  const where = `the ${model.table} table (connection ${model.connection.name})`;
  const readPage = async (uri: string, cursor: string | undefined) => {
    const page = await searchRows(model, { limit: RESOURCE_PAGE_SIZE, ...(cursor ? { cursor } : {}) });
    return jsonResource(uri, {
      table: name,
      rows: page.results,
      total: page.total_found,
      next_cursor: page.next_cursor,
      next: page.next_cursor ? `${base}?cursor=${page.next_cursor}` : null,
    });
  };
  const entries: CatalogEntry[] = [
    {
      kind: 'resource',
      uri: base,
      name: `db-${name}`,
      title: `${name} (first page)`,
      description: `Rows of ${where}, ${RESOURCE_PAGE_SIZE} per page; follow \`next\` for more.`,
      mimeType: 'application/json',
      source,
      read: (uri) => readPage(uri, undefined),
    },
    {
      kind: 'resourceTemplate',
      uriTemplate: `${base}{?cursor}`,
      name: `db-${name}-page`,
      title: `${name} (a page)`,
      description: `A page of ${where}; the cursor comes from the previous page.`,
      mimeType: 'application/json',
      source,
      read: (uri, variables) => readPage(uri, typeof variables.cursor === 'string' && variables.cursor ? variables.cursor : undefined),
    },
    {
      kind: 'resourceTemplate',
      uriTemplate: `${base}/{${key.name}}`,
      name: `db-${singular}`,
      title: `One ${singular}`,
      description: `One row of ${where} by ${key.name}.`,
      mimeType: 'application/json',
      source,
      read: async (uri, variables) => jsonResource(uri, await getRow(model, variables[key.name])),
    },
    {
      kind: 'tool',
      name: `search_${name}`,
      title: `Search ${name}`,
      description: `Search ${where}${model.searchable.length ? ` by text in ${model.searchable.join(', ')}` : ''} with typed filters, ordering and cursor pagination (at most 100 per page).`,
      inputSchema: searchInputSchema(model),
      annotations: { readOnlyHint: true, openWorldHint: false },
      source,
      handler: async (args) => jsonResult({ ...(await searchRows(model, args)) }),
    },
    {
      kind: 'tool',
      name: `get_${singular}`,
      title: `Get a ${singular}`,
      description: `One row of ${where} by ${key.name}.`,
      inputSchema: keyInputSchema(model),
      annotations: { readOnlyHint: true, openWorldHint: false },
      source,
      handler: async (args) => jsonResult({ [singular]: await getRow(model, args[key.name]) }),
    },
  ];
  if (model.numeric.length || model.categories.length || model.dates.length) {
    entries.push({
      kind: 'tool',
      name: `analyze_${name}`,
      title: `Analyse ${name}`,
      description: `Statistics over ${where}: distribution of a number (buckets, min/max/mean/median), breakdown by category, trend by day/week/month. Accepts the search filters.`,
      inputSchema: analyzeInputSchema(model),
      annotations: { readOnlyHint: true, openWorldHint: false },
      source,
      handler: async (args: JsonObject) => jsonResult(await analyze(model, args)),
    });
  }
  if (model.writable) {
    entries.push(
      {
        kind: 'tool',
        name: `create_${singular}`,
        title: `Create a ${singular}`,
        description: `Insert a row into ${where}.`,
        inputSchema: createInputSchema(model),
        annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
        permission: dbPermission.write(name),
        source,
        handler: async (args) => {
          const row = await createRow(model, args);
          return jsonResult({ [singular]: row, message: `Created ${singular} ${String(row[key.name])}.` });
        },
      },
      {
        kind: 'tool',
        name: `update_${singular}`,
        title: `Update a ${singular}`,
        description: `Change columns of one row of ${where}, found by ${key.name}.`,
        inputSchema: updateInputSchema(model),
        annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
        permission: dbPermission.write(name),
        source,
        handler: async (args) => jsonResult({ [singular]: await updateRow(model, args) }),
      },
      {
        kind: 'tool',
        name: `delete_${singular}`,
        title: `Delete a ${singular}`,
        description: `Delete one row of ${where} by ${key.name}.`,
        inputSchema: keyInputSchema(model),
        annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
        permission: dbPermission.delete(name),
        source,
        handler: async (args) => jsonResult({ deleted: await deleteRow(model, args[key.name]) }),
      },
    );
  }
  return entries;
}

/** Two tables exposed under one name would shadow each other's tools. */
export function assertUniqueNames(models: readonly TableModel[]): void {
  const seen = new Map<string, TableModel>();
  for (const m of models) {
    for (const n of [m.name, m.singular]) {
      const other = seen.get(n);
      if (other && other !== m) throw new PorticoError('config_invalid', `databases: tables ${other.connection.name}.${other.table} and ${m.connection.name}.${m.table} are both exposed as "${n}"; set \`name\` or \`singular\` on one.`);
      seen.set(n, m);
    }
  }
}
