import { describe, expect, it } from 'vitest';
import { PorticoError } from '../../../src/core/errors.js';
import { createPermissionSet } from '../../../src/core/identity/permissions.js';
import { insufficientScope, readOnlyView, requiredScopeOf, scopeGrant } from '../../../src/auth/oauth/scopes.js';

describe('OAuth scopes', () => {
  it('reads what a scope claim grants', () => {
    expect(scopeGrant('mcp')).toBe('full');
    expect(scopeGrant('mcp:read mcp')).toBe('full');
    expect(scopeGrant('offline_access mcp:read')).toBe('read');
    expect(scopeGrant('openid offline_access')).toBe('none');
    expect(scopeGrant('')).toBe('none');
    expect(scopeGrant(undefined)).toBe('none');
    expect(scopeGrant(['mcp'])).toBe('none');
  });

  it('mcp:read keeps read-only use of what the role allows, and nothing else', () => {
    const user = readOnlyView(createPermissionSet(['tools:call:*', 'resources:read:*', 'prompts:get:*', 'prompts:manage', 'blobs:read', 'blobs:write', 'db:read:*', 'db:write:*']));
    expect(user.allows('tools:read:echo')).toBe(true);
    expect(user.allows('tools:call:echo')).toBe(false);
    expect(user.allows('resources:read:portico://docs/x')).toBe(true);
    expect(user.allows('prompts:get:summarize')).toBe(true);
    expect(user.allows('blobs:read')).toBe(true);
    expect(user.allows('db:read:items')).toBe(true);
    expect(user.allows('blobs:write')).toBe(false);
    expect(user.allows('db:write:items')).toBe(false);
    expect(user.allows('prompts:manage')).toBe(false);

    const admin = readOnlyView(createPermissionSet(['admin']));
    expect(admin.allows('admin')).toBe(false);
    expect(admin.allows('users:manage')).toBe(false);
    expect(admin.allows('tools:read:anything')).toBe(true);

    // Never wider than the role.
    const narrow = readOnlyView(createPermissionSet(['tools:call:echo']));
    expect(narrow.allows('tools:read:echo')).toBe(true);
    expect(narrow.allows('tools:read:other')).toBe(false);
    expect(narrow.allows('resources:read:portico://x')).toBe(false);
  });

  it('keys list caches apart from the full set', () => {
    const base = createPermissionSet(['tools:call:*']);
    expect(readOnlyView(base).key).not.toBe(base.key);
    expect(readOnlyView(base).key).toBe(readOnlyView(createPermissionSet(['tools:call:*'])).key);
  });

  it('an insufficient-scope refusal is a 403 carrying the scope to ask for', () => {
    const err = insufficientScope();
    expect(err.status).toBe(403);
    expect(requiredScopeOf(err)).toBe('mcp');
    expect(requiredScopeOf(new PorticoError('forbidden'))).toBeUndefined();
    expect(requiredScopeOf(new PorticoError('unauthenticated'))).toBeUndefined();
  });
});
