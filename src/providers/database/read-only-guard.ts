/**
 * A front line before the database's own enforcement: refuses, with a clear message, statements
 * that are never allowed (ATTACH/DETACH open other files) or that read mode will refuse anyway
 * (writes, DDL, PRAGMA, transaction control), and more than one statement. It is not what keeps
 * read-only mode read-only — the read-only connection/transaction is — so its job is a helpful
 * error, and a test shows the database refuses the same statements without it.
 */
import { PorticoError } from '../../core/errors.js';

const READ_STARTS = new Set(['select', 'with', 'values', 'explain', 'show', 'table']);
const NEVER = new Set(['attach', 'detach']);

/** The statement with comments and string literals blanked, so keywords and `;` are seen truly. */
function code(sqlText: string): string {
  return sqlText.replace(/--[^\n]*|\/\*[\s\S]*?(\*\/|$)|'(?:[^']|'')*'?|"(?:[^"]|"")*"?|`[^`]*`?|\$\$[\s\S]*?(\$\$|$)/g, (m) => (m.startsWith("'") || m.startsWith('"') || m.startsWith('`') || m.startsWith('$$') ? 'x' : ' '));
}

export function checkStatement(sqlText: string, write: boolean): void {
  const stripped = code(sqlText).trim();
  const withoutTrailing = stripped.replace(/;\s*$/, '');
  if (!withoutTrailing) throw new PorticoError('validation_failed', 'The SQL statement is empty.');
  if (withoutTrailing.includes(';')) throw new PorticoError('validation_failed', 'Send exactly one SQL statement.');
  const first = /^[\s(]*([A-Za-z]+)/.exec(withoutTrailing)?.[1]?.toLowerCase() ?? '';
  if (NEVER.has(first)) throw new PorticoError('forbidden', `${first.toUpperCase()} is not allowed.`);
  if (!write && !READ_STARTS.has(first)) {
    throw new PorticoError('forbidden', `Read-only mode runs queries only (SELECT, WITH, VALUES, EXPLAIN); "${first.toUpperCase() || '?'}" needs mode "write" and the permission "db:sql:write".`);
  }
}
