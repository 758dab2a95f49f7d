/**
 * Permissions are strings such as `tools:call:search_users` or `resources:read:portico://blobs/abc`.
 * Grants are glob patterns over them: `*` matches any run of characters (including `:` and `/`),
 * `?` one character; `admin` and `*` grant everything. A compiled PermissionSet answers `allows`
 * from a cache, because the same few permissions are asked about on every call.
 */

export interface PermissionSet {
  /** The grant patterns, sorted and de-duplicated. */
  readonly patterns: readonly string[];
  /** Stable identity of this set: equal sets share list caches. */
  readonly key: string;
  allows(permission: string): boolean;
}

const SUPERUSER = new Set(['*', 'admin']);

function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (const ch of pattern) {
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** True if `pattern` (a grant) covers `permission` (a concrete permission string). */
export function matchesPermission(pattern: string, permission: string): boolean {
  if (SUPERUSER.has(pattern)) return true;
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern === permission;
  return globToRegExp(pattern).test(permission);
}

const MAX_CACHE = 4096;

export function createPermissionSet(grants: Iterable<string>): PermissionSet {
  const patterns = [...new Set([...grants].map((g) => g.trim()).filter(Boolean))].sort();
  const superuser = patterns.some((p) => SUPERUSER.has(p));
  const exact = new Set(patterns.filter((p) => !p.includes('*') && !p.includes('?')));
  const globs = patterns.filter((p) => p.includes('*') || p.includes('?')).map(globToRegExp);
  const cache = new Map<string, boolean>();
  return Object.freeze({
    patterns: Object.freeze(patterns),
    key: patterns.join('\n'),
    allows(permission: string): boolean {
      if (superuser || exact.has(permission)) return true;
      let hit = cache.get(permission);
      if (hit === undefined) {
        hit = globs.some((g) => g.test(permission));
        if (cache.size >= MAX_CACHE) cache.clear();
        cache.set(permission, hit);
      }
      return hit;
    },
  });
}

/**
 * A set that allows only what both allow: an API key's scopes narrowing its role, or a key's role
 * narrowing its owner's.
 */
export function intersectPermissionSets(a: PermissionSet, b: PermissionSet): PermissionSet {
  const cache = new Map<string, boolean>();
  return Object.freeze({
    patterns: Object.freeze([...a.patterns.map((p) => `(${p})`), '&', ...b.patterns.map((p) => `(${p})`)]),
    key: `${a.key}\n&\n${b.key}`,
    allows(permission: string): boolean {
      let hit = cache.get(permission);
      if (hit === undefined) {
        hit = a.allows(permission) && b.allows(permission);
        if (cache.size >= MAX_CACHE) cache.clear();
        cache.set(permission, hit);
      }
      return hit;
    },
  });
}

/** Permission strings for catalog entries, so every surface asks the same question. */
export const permissionFor = {
  tool: (name: string) => `tools:call:${name}`,
  /** Also accepted for tools annotated read-only, so a read-only role can use exactly those. */
  readTool: (name: string) => `tools:read:${name}`,
  resource: (uri: string) => `resources:read:${uri}`,
  prompt: (name: string) => `prompts:get:${name}`,
} as const;
