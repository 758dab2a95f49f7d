/**
 * Turns a database constraint violation into a tool error a person understands ("ada@example.com
 * is already subscribed"), without passing the driver's message (it can name internals) through.
 * Anything that is not a recognised constraint violation is left to become an internal error.
 */
import { PorticoError } from '../../core/errors.js';
import type { TableModel } from './table-model.js';

interface DriverError {
  code?: unknown;
  message?: unknown;
  detail?: unknown;
  column?: unknown;
}

/** The column a unique/not-null violation names, from SQLite's message or PostgreSQL's detail. */
function violatedColumn(model: TableModel, err: DriverError): string | undefined {
  const text = `${typeof err.message === 'string' ? err.message : ''} ${typeof err.detail === 'string' ? err.detail : ''}`;
  if (typeof err.column === 'string') return err.column;
  const sqlite = /constraint failed: ([\w.]+(?:, [\w.]+)*)/.exec(text)?.[1]?.split(', ')[0]?.split('.').pop();
  const pg = /Key \(([^)]+)\)=/.exec(text)?.[1]?.split(',')[0]?.trim();
  const name = sqlite ?? pg;
  return name && model.columns.some((c) => c.name === name) ? name : undefined;
}

export function constraintError(model: TableModel, err: unknown, values: Record<string, unknown>): PorticoError | undefined {
  if (err instanceof PorticoError || !err || typeof err !== 'object') return undefined;
  const e = err as DriverError;
  const code = typeof e.code === 'string' ? e.code : '';
  const column = violatedColumn(model, e);
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505') {
    const value = column === undefined ? undefined : values[column];
    if (model.singular === 'subscription' && column === 'email' && typeof value === 'string') {
      return new PorticoError('conflict', `${value} is already subscribed.`, { details: { column } });
    }
    return new PorticoError('conflict', column ? `A ${model.singular} with this ${column}${value === undefined ? '' : ` (${JSON.stringify(value)})`} already exists.` : `This ${model.singular} already exists.`, {
      details: column ? { column } : undefined,
    });
  }
  if (code === 'SQLITE_CONSTRAINT_NOTNULL' || code === '23502') {
    return new PorticoError('validation_failed', column ? `${column} is required.` : 'A required value is missing.', { details: column ? { column } : undefined });
  }
  if (code === 'SQLITE_CONSTRAINT_CHECK' || code === '23514') {
    return new PorticoError('validation_failed', `The values break a rule of the ${model.name} table.`);
  }
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === '23503') {
    return new PorticoError('conflict', `This ${model.singular} refers to, or is referred to by, a row that does not allow it.`);
  }
  // Bad values the schema could not catch (e.g. a text that is not a timestamp for PostgreSQL).
  if (code === '22007' || code === '22008' || code === '22P02' || code === '22003' || code === '22001') {
    return new PorticoError('validation_failed', `A value does not fit its column in the ${model.name} table.`);
  }
  return undefined;
}
