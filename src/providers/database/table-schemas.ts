/**
 * JSON Schemas (2020-12) for a table's generated tools, derived from its introspected columns:
 * typed filters for `search_`/`analyze_`, and the row shapes `create_` and `update_` accept.
 * Filter argument names are fixed by column kind so the query builder can read them back.
 */
import type { JsonObject } from '../../core/catalog/mcp-shapes.js';
import { isDate, isNumeric, type ColumnInfo, type TableModel } from './table-model.js';

export const MAX_LIMIT = 100;
export const DEFAULT_LIMIT = 20;
export const MAX_QUERY_LENGTH = 200;

/** A timestamp or a date (`2026-03-01`, `2026-03-01T12:00:00Z`). */
const DATE_VALUE: JsonObject = { type: 'string', minLength: 10, maxLength: 40, pattern: '^\\d{4}-\\d{2}-\\d{2}([T ][0-9:.]+(Z|[+-]\\d{2}:?\\d{2})?)?$' };

/** The value schema of a column for writes and equality filters. */
export function valueSchema(column: ColumnInfo): JsonObject {
  switch (column.kind) {
    case 'integer':
      return { type: 'integer' };
    case 'number':
      return { type: 'number' };
    case 'boolean':
      return { type: 'boolean' };
    case 'date':
    case 'datetime':
      return { ...DATE_VALUE };
    case 'json':
      return {};
    case 'text':
      return { type: 'string', maxLength: 10_000 };
  }
}

export type FilterKind = 'eq' | 'in' | 'min' | 'max' | 'from' | 'to';
export interface FilterArgument {
  readonly argument: string;
  readonly column: ColumnInfo;
  readonly kind: FilterKind;
}

/**
 * The filter arguments of a table: `{col}` equality (text columns accept one value or a list),
 * `min_{col}`/`max_{col}` for numbers, `{col}_from`/`{col}_to` for dates.
 */
export function filterArguments(model: TableModel): readonly FilterArgument[] {
  let known = filtersByModel.get(model);
  if (!known) filtersByModel.set(model, (known = buildFilterArguments(model)));
  return known;
}

/** Built once per table: every search and analysis reads them. */
const filtersByModel = new WeakMap<TableModel, readonly FilterArgument[]>();

function buildFilterArguments(model: TableModel): FilterArgument[] {
  const out: FilterArgument[] = [];
  for (const column of model.columns) {
    if (column.kind === 'json') continue;
    if (isNumeric(column)) {
      out.push({ argument: column.name, column, kind: 'eq' });
      if (!column.primaryKey) out.push({ argument: `min_${column.name}`, column, kind: 'min' }, { argument: `max_${column.name}`, column, kind: 'max' });
    } else if (isDate(column)) {
      out.push({ argument: `${column.name}_from`, column, kind: 'from' }, { argument: `${column.name}_to`, column, kind: 'to' });
    } else if (column.kind === 'text') {
      out.push({ argument: column.name, column, kind: 'in' });
    } else {
      out.push({ argument: column.name, column, kind: 'eq' });
    }
  }
  // A column literally named like a generated range argument would be ambiguous: keep the first.
  const seen = new Set<string>(['query', 'order_by', 'order', 'limit', 'cursor', 'analysis_type', 'column', 'buckets', 'interval', 'date_range', 'group_by', 'value_column']);
  return out.filter((f) => (seen.has(f.argument) ? false : (seen.add(f.argument), true)));
}

function filterSchema(model: TableModel, filter: FilterArgument): JsonObject {
  const c = filter.column;
  switch (filter.kind) {
    case 'min':
      return { ...valueSchema(c), description: `Only rows with ${c.name} >= this.` };
    case 'max':
      return { ...valueSchema(c), description: `Only rows with ${c.name} <= this.` };
    case 'from':
      return { ...DATE_VALUE, description: `Only rows with ${c.name} at or after this (date or timestamp).` };
    case 'to':
      return { ...DATE_VALUE, description: `Only rows with ${c.name} at or before this (a date includes the whole day).` };
    case 'eq':
      return { ...valueSchema(c), description: `Only rows with this ${c.name}.` };
    case 'in': {
      const category = model.categories.find((k) => k.name === c.name);
      const one: JsonObject = { type: 'string', maxLength: 1000 };
      return {
        description: category
          ? `Only rows whose ${c.name} is this value or one of these values (known: ${category.values.join(', ')}).`
          : `Only rows whose ${c.name} equals this value or one of these values.`,
        anyOf: [one, { type: 'array', items: one, minItems: 1, maxItems: 50 }],
        ...(category ? { examples: [...category.values] } : {}),
      };
    }
  }
}

export function filterProperties(model: TableModel): Record<string, JsonObject> {
  return Object.fromEntries(filterArguments(model).map((f) => [f.argument, filterSchema(model, f)]));
}

export function searchInputSchema(model: TableModel): JsonObject {
  const columns = model.columns.map((c) => c.name);
  return {
    type: 'object',
    properties: {
      ...(model.searchable.length
        ? { query: { type: 'string', maxLength: MAX_QUERY_LENGTH, description: `Text to find (case-insensitive) in ${model.searchable.join(', ')}.` } }
        : {}),
      ...filterProperties(model),
      order_by: { type: 'string', enum: columns, description: `Column to sort by (default ${model.key.name}).` },
      order: { type: 'string', enum: ['asc', 'desc'], default: 'asc' },
      limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT },
      cursor: { type: 'string', maxLength: 500, description: 'next_cursor of a previous page (same filters).' },
    },
    additionalProperties: false,
  };
}

/** Columns create may set: everything visible except a generated key. */
export function createInputSchema(model: TableModel): JsonObject {
  const settable = model.columns.filter((c) => !(c.primaryKey && c.hasDefault));
  const required = settable.filter((c) => !c.nullable && !c.hasDefault && !isAutoTimestamp(c)).map((c) => c.name);
  return {
    type: 'object',
    properties: Object.fromEntries(settable.map((c) => [c.name, describe(c)])),
    required,
    additionalProperties: false,
  };
}

export function updateInputSchema(model: TableModel): JsonObject {
  const settable = model.columns.filter((c) => !c.primaryKey);
  return {
    type: 'object',
    properties: {
      [model.key.name]: { ...valueSchema(model.key), description: `${model.key.name} of the ${model.singular} to change.` },
      ...Object.fromEntries(settable.map((c) => [c.name, describe(c)])),
    },
    required: [model.key.name],
    additionalProperties: false,
  };
}

export function keyInputSchema(model: TableModel): JsonObject {
  return { type: 'object', properties: { [model.key.name]: valueSchema(model.key) }, required: [model.key.name], additionalProperties: false };
}

function describe(c: ColumnInfo): JsonObject {
  const value = valueSchema(c);
  const base = c.nullable ? { anyOf: [value, { type: 'null' }] } : value;
  return { ...base, description: `${c.name} (${c.declaredType}${c.nullable ? ', nullable' : ''}${isAutoTimestamp(c) ? ', defaults to now' : ''})` };
}

/** `created_at`/`updated_at` style columns the provider fills itself when not given. */
export function isAutoTimestamp(c: ColumnInfo): boolean {
  return isDate(c) && /^(created|updated|modified)_(at|on)$/.test(c.name);
}
