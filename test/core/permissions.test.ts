import { describe, expect, it } from 'vitest';
import { createPermissionSet, matchesPermission, permissionFor } from '../../src/core/identity/permissions.js';

describe('permissions', () => {
  it('matches exact grants, globs and superuser grants', () => {
    expect(matchesPermission('tools:call:echo', 'tools:call:echo')).toBe(true);
    expect(matchesPermission('tools:call:echo', 'tools:call:echo2')).toBe(false);
    expect(matchesPermission('tools:call:search_*', 'tools:call:search_users')).toBe(true);
    expect(matchesPermission('tools:call:search_*', 'tools:call:create_user')).toBe(false);
    expect(matchesPermission('resources:read:portico://blobs/*', 'resources:read:portico://blobs/abc/def')).toBe(true);
    expect(matchesPermission('tools:call:t?', 'tools:call:t1')).toBe(true);
    expect(matchesPermission('admin', 'anything:at:all')).toBe(true);
    expect(matchesPermission('*', 'tools:call:x')).toBe(true);
  });

  it('treats regex metacharacters in grants literally', () => {
    expect(matchesPermission('resources:read:portico://db/items(1)', 'resources:read:portico://db/items(1)')).toBe(true);
    expect(matchesPermission('tools:call:a.b', 'tools:call:aXb')).toBe(false);
    expect(matchesPermission('tools:call:[ab]', 'tools:call:a')).toBe(false);
  });

  it('builds sets with a stable key and cached answers', () => {
    const a = createPermissionSet(['prompts:get:*', 'tools:call:echo', 'tools:call:echo']);
    const b = createPermissionSet(['tools:call:echo', 'prompts:get:*']);
    expect(a.key).toBe(b.key);
    expect(a.patterns).toEqual(['prompts:get:*', 'tools:call:echo']);
    expect(a.allows(permissionFor.tool('echo'))).toBe(true);
    expect(a.allows(permissionFor.prompt('anything'))).toBe(true);
    expect(a.allows(permissionFor.resource('portico://x'))).toBe(false);
    expect(a.allows(permissionFor.resource('portico://x'))).toBe(false);
    expect(createPermissionSet([]).allows('tools:call:echo')).toBe(false);
    expect(createPermissionSet(['admin']).allows('users:manage')).toBe(true);
  });
});
