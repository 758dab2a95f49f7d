/**
 * `search_users` and `manage_users` over Portico's own users, through the identity service: no
 * password hashes ever, e-mails masked for non-managers, admin-only management with the same
 * rules as the REST user endpoints, and the changes in the audit trail.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { activeDialects } from '../../helpers/dialects.js';
import { startDatabaseHarness, type DatabaseHarness } from './database-harness.js';

interface UserOut {
  id: string;
  username: string;
  email: string | null;
  role: string;
  is_active: boolean;
}

describe.each(activeDialects)('search_users and manage_users [%s]', (dialect) => {
  let h: DatabaseHarness;
  beforeAll(async () => {
    h = await startDatabaseHarness(dialect);
  });

  it('search_users finds users by name or e-mail, never with a password hash', async () => {
    await h.runtime.identity.createUser({ username: 'grace', email: 'grace@navy.example', fullName: 'Grace Hopper', password: 'a-long-enough-password-1', role: 'user' });
    const asUser = await h.ok<{ results: UserOut[] }>('search_users', { query: 'grace' }, 'ai_agent');
    expect(asUser.results.map((u) => u.username)).toEqual(['grace']);
    expect(asUser.results[0]!.email).toBe('g***@navy.example');
    const asAdmin = await h.ok<{ results: UserOut[] }>('search_users', { query: 'navy.example' }, 'admin');
    expect(asAdmin.results[0]!.email).toBe('grace@navy.example');
    const everything = JSON.stringify(await h.ok('search_users', { limit: 100 }, 'admin'));
    expect(everything).not.toMatch(/password|hash|\$argon2/i);
    expect(await h.ok('search_users', { query: "' OR 1=1 --" }, 'admin')).toMatchObject({ results: [] });
  });

  it('search_users pages with a cursor', async () => {
    const first = await h.ok<{ results: UserOut[]; next_cursor: string }>('search_users', { limit: 2 }, 'admin');
    expect(first.results).toHaveLength(2);
    const second = await h.ok<{ results: UserOut[] }>('search_users', { limit: 2, cursor: first.next_cursor }, 'admin');
    expect(second.results[0]!.id).not.toBe(first.results[0]!.id);
    expect(await h.fails('search_users', { cursor: 'nope' }, 'admin')).toMatch(/cursor is invalid/);
  });

  it('manage_users lists, creates, updates and deactivates (admin only)', async () => {
    const created = await h.ok<{ user: UserOut }>('manage_users', { action: 'create', user_data: { username: 'newbie', email: 'newbie@example.com', role: 'user', password: 'another-long-password-2' } }, 'admin');
    expect(created.user).toMatchObject({ username: 'newbie', role: 'user', is_active: true });
    const listed = await h.ok<{ users: UserOut[] }>('manage_users', { action: 'list', query: 'newbie' }, 'admin');
    expect(listed.users.map((u) => u.username)).toEqual(['newbie']);
    const updated = await h.ok<{ user: UserOut }>('manage_users', { action: 'update', user_id: created.user.id, user_data: { role: 'readonly', email: 'n@example.com' } }, 'admin');
    expect(updated.user).toMatchObject({ role: 'readonly', email: 'n@example.com' });
    const deactivated = await h.ok<{ user: UserOut }>('manage_users', { action: 'deactivate', user_id: 'newbie' }, 'admin');
    expect(deactivated.user.is_active).toBe(false);
    expect((await h.runtime.identity.user(created.user.id))!.isActive).toBe(false);
    // The identity service wrote the changes to the audit trail, attributed to the admin; the
    // tool call's own audit record has the password redacted.
    await h.runtime.audit.flush();
    const events = await h.runtime.store.database.db.selectFrom('audit_events').selectAll().where('target', 'in', ['newbie', 'manage_users']).execute();
    const admin = h.principals.admin.id;
    expect(events.filter((e) => e.action === 'admin/users' && e.principal_id === admin).length).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(events)).not.toContain('another-long-password-2');
  });

  it('manage_users applies the account rules and refuses bad input', async () => {
    const me = h.principals.admin.id.replace('user:', '');
    expect(await h.fails('manage_users', { action: 'deactivate', user_id: me }, 'admin')).toMatch(/cannot deactivate yourself/);
    expect(await h.fails('manage_users', { action: 'create', user_data: { username: 'x', role: 'emperor' } }, 'admin')).toMatch(/Unknown role/);
    expect(await h.fails('manage_users', { action: 'create', user_data: { username: 'bad name!', role: 'user' } }, 'admin')).toMatch(/Usernames/);
    expect(await h.fails('manage_users', { action: 'create', user_data: { username: 'grace', role: 'user' } }, 'admin')).toMatch(/already/);
    expect(await h.fails('manage_users', { action: 'update', user_id: 'nobody-here' }, 'admin')).toMatch(/No such user/);
    expect(await h.fails('manage_users', { action: 'update' }, 'admin')).toMatch(/needs user_id/);
    expect(await h.fails('manage_users', { action: 'explode' }, 'admin')).toMatch(/Invalid arguments/);
  });

  it('is invisible to every role but admin, and a delegated manager cannot mint an admin', async () => {
    for (const role of ['user', 'ai_agent', 'readonly'] as const) {
      expect(h.toolNames(role)).not.toContain('manage_users');
      await expect(h.call('manage_users', { action: 'list' }, role)).rejects.toThrow(/Unknown tool/);
    }
    await h.runtime.identity.saveRole({ name: 'user-manager', permissions: ['users:manage', 'tools:call:*'] });
    const manager = await h.runtime.identity.createUser({ username: 'manager', role: 'user-manager' });
    const principal = await h.runtime.identity.principalForUser(manager.id);
    expect(await h.fails('manage_users', { action: 'create', user_data: { username: 'wannabe', role: 'admin' } }, principal)).toMatch(/grants more than yours/);
    const admins = await h.ok<{ users: UserOut[] }>('manage_users', { action: 'list', query: 'admin-tester' }, principal);
    expect(await h.fails('manage_users', { action: 'deactivate', user_id: admins.users[0]!.id }, principal)).toMatch(/grants more than yours/);
  });
});
