/**
 * Roles, users and API keys. Plain data access; the rules (last admin, role ceilings, key scopes)
 * live in auth/identity-service.ts.
 */
import type { Kysely, Selectable } from 'kysely';
import type { ApiKeysTable, DatabaseSchema, RolesTable, UsersTable } from '../schema.js';

export type RoleRow = Selectable<RolesTable>;
export type UserRow = Selectable<UsersTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;

export interface IdentityRepository {
  roles(): Promise<RoleRow[]>;
  role(name: string): Promise<RoleRow | undefined>;
  upsertRole(row: RoleRow): Promise<void>;
  insertRoleIfAbsent(row: RoleRow): Promise<void>;
  deleteRole(name: string): Promise<boolean>;
  countUsersWithRole(name: string): Promise<number>;

  users(options?: { limit?: number; offset?: number; search?: string }): Promise<UserRow[]>;
  countUsers(): Promise<number>;
  userById(id: string): Promise<UserRow | undefined>;
  userByName(username: string): Promise<UserRow | undefined>;
  insertUser(row: UserRow): Promise<void>;
  updateUser(id: string, changes: Partial<Omit<UserRow, 'id' | 'created_at'>>): Promise<void>;
  deleteUser(id: string): Promise<void>;
  /** Active users whose role is `admin` (or grants `admin`). */
  activeAdmins(adminRoles: readonly string[]): Promise<UserRow[]>;

  keys(options?: { userId?: string }): Promise<ApiKeyRow[]>;
  key(id: string): Promise<ApiKeyRow | undefined>;
  insertKey(row: ApiKeyRow): Promise<void>;
  revokeKey(id: string, at: string): Promise<boolean>;
  touchKeys(ids: readonly string[], at: string): Promise<void>;
}

export function createIdentityRepository(db: Kysely<DatabaseSchema>): IdentityRepository {
  return {
    roles: () => db.selectFrom('roles').selectAll().orderBy('name').execute(),
    role: (name) => db.selectFrom('roles').selectAll().where('name', '=', name).executeTakeFirst(),
    async upsertRole(row) {
      await db
        .insertInto('roles')
        .values(row)
        .onConflict((oc) => oc.column('name').doUpdateSet({ description: row.description, permissions: row.permissions, updated_at: row.updated_at }))
        .execute();
    },
    async insertRoleIfAbsent(row) {
      await db.insertInto('roles').values(row).onConflict((oc) => oc.column('name').doNothing()).execute();
    },
    async deleteRole(name) {
      const r = await db.deleteFrom('roles').where('name', '=', name).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
    async countUsersWithRole(name) {
      const users = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).where('role', '=', name).executeTakeFirstOrThrow();
      const keys = await db.selectFrom('api_keys').select((eb) => eb.fn.countAll<number>().as('n')).where('role', '=', name).executeTakeFirstOrThrow();
      return Number(users.n) + Number(keys.n);
    },

    users({ limit = 100, offset = 0, search } = {}) {
      let q = db.selectFrom('users').selectAll();
      if (search) q = q.where((eb) => eb.or([eb('username', 'like', `%${search}%`), eb('email', 'like', `%${search}%`), eb('full_name', 'like', `%${search}%`)]));
      return q.orderBy('username').limit(limit).offset(offset).execute();
    },
    async countUsers() {
      const r = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      return Number(r.n);
    },
    userById: (id) => db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst(),
    userByName: (username) => db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst(),
    async insertUser(row) {
      await db.insertInto('users').values(row).execute();
    },
    async updateUser(id, changes) {
      await db.updateTable('users').set(changes).where('id', '=', id).execute();
    },
    async deleteUser(id) {
      await db.deleteFrom('users').where('id', '=', id).execute();
    },
    activeAdmins: (adminRoles) => db.selectFrom('users').selectAll().where('is_active', '=', 1).where('role', 'in', [...adminRoles]).execute(),

    keys({ userId } = {}) {
      let q = db.selectFrom('api_keys').selectAll();
      if (userId) q = q.where('user_id', '=', userId);
      return q.orderBy('created_at', 'desc').execute();
    },
    key: (id) => db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst(),
    async insertKey(row) {
      await db.insertInto('api_keys').values(row).execute();
    },
    async revokeKey(id, at) {
      const r = await db.updateTable('api_keys').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async touchKeys(ids, at) {
      if (ids.length) await db.updateTable('api_keys').set({ last_used_at: at }).where('id', 'in', [...ids]).execute();
    },
  };
}
