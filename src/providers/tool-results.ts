/**
 * How provider tools answer: a success with text for the model and structured content
 * for programs, or a failure that keeps Portico's stable error code visible (`path_not_allowed: …`)
 * both in the text and as `structuredContent.error`, so callers can branch on it.
 */
import { PorticoError } from '../core/errors.js';
import type { CallToolResult, ContentBlock, JsonObject } from '../core/catalog/mcp-shapes.js';

export function ok(text: string, structured?: JsonObject, extra: ContentBlock[] = []): CallToolResult {
  return { content: [{ type: 'text', text }, ...extra], ...(structured ? { structuredContent: structured } : {}) };
}

export function failure(err: PorticoError): CallToolResult {
  const error: JsonObject = { code: err.code, message: err.message };
  if (err.details !== undefined) error.details = err.details;
  return { content: [{ type: 'text', text: `${err.code}: ${err.message}` }], structuredContent: { error }, isError: true };
}

/** Run a tool body; known refusals become error results, anything else stays an internal error. */
export async function guarded(run: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof PorticoError && err.code !== 'internal_error' && err.code !== 'cancelled') return failure(err);
    throw err;
  }
}

/** Refuse unless the caller holds `permission` (for tools whose visibility needs only part of it). */
export function requirePermission(principal: { permissions: { allows(p: string): boolean } }, permission: string, what: string): void {
  if (!principal.permissions.allows(permission)) throw new PorticoError('forbidden', `${what} needs the permission ${permission}.`, { details: { permission } });
}
