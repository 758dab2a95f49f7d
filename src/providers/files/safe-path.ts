/**
 * The first gate of every file access: a path as a caller wrote it (tool argument or the tail of a
 * resource URI) becomes a list of plain segments, or is refused with `path_not_allowed` naming the
 * reason. Nothing here touches the disk; symlinks are judged later against the real path.
 *
 * Refused outright rather than normalised, so what is checked is exactly what is used: absolute
 * paths, `..` and `.` segments, empty segments (`a//b`), backslashes (Windows separators), NUL and
 * other control characters, and any `%` (percent-encoding could hide `..` or `/` from a check made
 * before decoding, so none is decoded and none accepted). File names containing `%` therefore
 * cannot be addressed; that is the price of one unambiguous spelling per file.
 */
import { PorticoError } from '../../core/errors.js';

/** Longest accepted path and segment, in characters (well inside every filesystem's limits). */
const MAX_PATH = 1024;
const MAX_SEGMENT = 255;

/** Names Portico itself uses inside roots (temporary files of atomic writes); never addressable. */
export const INTERNAL_PREFIX = '.portico-';

function refuse(reason: string, path: string): never {
  throw new PorticoError('path_not_allowed', `Path not allowed: ${reason}.`, { details: { path: printable(path), reason } });
}

/** The path as it may be echoed back: control characters shown as escapes, length capped. */
function printable(path: string): string {
  // eslint-disable-next-line no-control-regex
  const shown = path.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return shown.length > 200 ? `${shown.slice(0, 200)}…` : shown;
}

/**
 * Split a relative path into segments. `''` (and a lone trailing `/` on a directory) is allowed
 * and means the root itself. Throws `path_not_allowed` for anything that is not plainly relative.
 */
export function parseRelativePath(path: string): string[] {
  if (path.length > MAX_PATH) refuse(`longer than ${MAX_PATH} characters`, path);
  if (path.includes('\u0000')) refuse('NUL bytes are not allowed', path);
  // eslint-disable-next-line no-control-regex
  if (/[\u0001-\u001f\u007f]/.test(path)) refuse('control characters are not allowed', path);
  if (path.includes('\\')) refuse('backslashes are not allowed; use / between segments', path);
  if (path.includes('%')) refuse('percent-encoding is not allowed; write the path as plain text', path);
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path) || path.startsWith('~')) refuse('absolute paths are not allowed; give a path relative to the root', path);
  if (path === '') return [];
  // One trailing slash may mark a directory; anything else empty is a doubled separator.
  const body = path.endsWith('/') ? path.slice(0, -1) : path;
  const segments = body.split('/');
  for (const segment of segments) {
    if (segment === '..') refuse('".." segments are not allowed', path);
    if (segment === '.') refuse('"." segments are not allowed', path);
    if (segment === '') refuse('empty segments ("//") are not allowed', path);
    if (segment.length > MAX_SEGMENT) refuse(`a segment is longer than ${MAX_SEGMENT} characters`, path);
    if (segment.startsWith(INTERNAL_PREFIX)) refuse(`names starting with ${INTERNAL_PREFIX} are reserved`, path);
  }
  return segments;
}
