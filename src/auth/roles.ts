/**
 * Built-in roles and what they may do. Roles are data (the `roles` table); these are the defaults
 * seeded on first start and restored if deleted. Permissions are glob patterns (see
 * core/identity/permissions.ts). Read-only tools (annotation `readOnlyHint`) are also reachable with
 * `tools:read:{name}`, which is what `readonly` is granted.
 */

export interface RoleDefinition {
  name: string;
  description: string;
  permissions: string[];
}

/**
 * Administrative permissions no built-in role but `admin` holds (grant them through a custom role):
 * `users:manage`, `keys:manage`, `roles:manage`, `sessions:manage`, `audit:read`, and
 * `upstreams:manage` — connecting upstream MCP servers makes this server open connections and, for
 * stdio upstreams, run commands, so it is the most powerful of them.
 */
export const BUILTIN_ROLES: readonly RoleDefinition[] = Object.freeze([
  { name: 'admin', description: 'Everything, including users, keys, roles, upstreams and audit.', permissions: ['admin'] },
  {
    name: 'user',
    description: 'A person using Portico: every tool, resource and prompt, their own keys and sessions.',
    permissions: ['tools:call:*', 'resources:read:*', 'prompts:get:*', 'prompts:manage', 'blobs:read', 'blobs:write', 'db:read:*', 'db:write:*', 'keys:own', 'sessions:own', 'audit:own', 'prompts:generate', 'files:read', 'files:write'],
  },
  {
    name: 'ai_agent',
    description: 'An AI agent: tools, resources and prompts, no administration.',
    permissions: ['tools:call:*', 'resources:read:*', 'prompts:get:*', 'blobs:read', 'blobs:write', 'db:read:*', 'db:write:*', 'sessions:own', 'prompts:generate', 'files:read', 'files:write'],
  },
  {
    name: 'readonly',
    description: 'Look, never change: read-only tools, resources and prompts.',
    permissions: ['tools:read:*', 'resources:read:*', 'prompts:get:*', 'blobs:read', 'db:read:*', 'sessions:own', 'files:read'],
  },
]);

/**
 * The permission names of the system Portico replaces (seed 002), mapped onto Portico's. A custom
 * role may list either; legacy names expand when the role is loaded.
 */
export const LEGACY_PERMISSIONS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  'read:items': ['db:read:items', 'resources:read:portico://db/items*', 'tools:call:search_items', 'tools:call:get_item', 'tools:call:analyze_items'],
  'write:items': ['db:write:items', 'tools:call:create_item', 'tools:call:update_item'],
  'delete:items': ['db:delete:items', 'tools:call:delete_item'],
  'manage:users': ['users:manage', 'tools:call:manage_users'],
  'use:mcp_tools': ['tools:call:*', 'resources:read:*', 'prompts:get:*'],
  'admin:mcp': ['admin'],
});

export function expandPermissions(permissions: readonly string[]): string[] {
  return permissions.flatMap((p) => LEGACY_PERMISSIONS[p] ?? [p]);
}

export const ROLE_NAME = /^[a-z][a-z0-9_-]{0,63}$/;
