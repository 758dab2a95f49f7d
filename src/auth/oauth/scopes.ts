/**
 * The OAuth scopes Portico grants remote MCP clients, and what each does to the principal:
 *
 *   mcp       full use of MCP, exactly as the user's role allows (the default when none is asked)
 *   mcp:read  read-only: resources, prompts and tools annotated read-only; nothing that changes state
 *
 * Scopes only ever narrow a role; they never widen it. A token carrying neither scope is refused
 * with 403 `insufficient_scope` naming `mcp`, so a client can step up.
 */
import { PorticoError } from '../../core/errors.js';
import type { PermissionSet } from '../../core/identity/permissions.js';

export const SCOPE_FULL = 'mcp';
export const SCOPE_READ = 'mcp:read';
/** Advertised in metadata, in this order. */
export const MCP_SCOPES: readonly string[] = Object.freeze([SCOPE_FULL, SCOPE_READ]);
/** Asked for on behalf of a client that names no scope. */
export const DEFAULT_SCOPE = SCOPE_FULL;

export const SCOPE_DESCRIPTIONS: Readonly<Record<string, string>> = Object.freeze({
  [SCOPE_FULL]: 'Use Portico’s tools, resources and prompts as your role allows.',
  [SCOPE_READ]: 'Read resources and prompts and use read-only tools; change nothing.',
  offline_access: 'Stay connected: renew access without asking you again.',
  openid: 'Know who you are (your user id).',
});

/** Permissions a read-only token keeps, as the pipeline asks them (see core/identity/permissions.ts). */
const READ_PREFIXES = ['tools:read:', 'resources:read:', 'prompts:get:', 'db:read:'];
const READ_EXACT = new Set(['blobs:read', 'sessions:own']);

/**
 * The role's permissions seen through `mcp:read`: read-only tools stay usable even for a role that
 * grants them as `tools:call:*` (a read-only tool is asked for as `tools:read:{name}` too), every
 * other call is refused.
 */
export function readOnlyView(base: PermissionSet): PermissionSet {
  const cache = new Map<string, boolean>();
  return Object.freeze({
    patterns: Object.freeze([...base.patterns.map((p) => `(${p})`), '&', `(${SCOPE_READ})`]),
    key: `${base.key}\n&\n${SCOPE_READ}`,
    allows(permission: string): boolean {
      let hit = cache.get(permission);
      if (hit === undefined) {
        if (permission.startsWith('tools:read:')) hit = base.allows(permission) || base.allows(`tools:call:${permission.slice('tools:read:'.length)}`);
        else hit = (READ_EXACT.has(permission) || READ_PREFIXES.some((p) => permission.startsWith(p))) && base.allows(permission);
        if (cache.size >= 4096) cache.clear();
        cache.set(permission, hit);
      }
      return hit;
    },
  });
}

export type ScopeGrant = 'full' | 'read' | 'none';

/** What a token's `scope` claim grants. */
export function scopeGrant(scope: unknown): ScopeGrant {
  if (typeof scope !== 'string') return 'none';
  const scopes = new Set(scope.split(' '));
  if (scopes.has(SCOPE_FULL)) return 'full';
  if (scopes.has(SCOPE_READ)) return 'read';
  return 'none';
}

/** 403 with the scope a client must obtain (rendered as `WWW-Authenticate: Bearer error="insufficient_scope", scope="…"`). */
export function insufficientScope(required: string = SCOPE_FULL): PorticoError {
  return new PorticoError('forbidden', 'The access token does not carry the scope this needs.', { details: { requiredScope: required } });
}

/** The scope a 403 asks for, if it is an insufficient-scope refusal. */
export function requiredScopeOf(error: PorticoError): string | undefined {
  if (error.code !== 'forbidden') return undefined;
  const scope = (error.details as { requiredScope?: unknown } | undefined)?.requiredScope;
  return typeof scope === 'string' ? scope : undefined;
}
