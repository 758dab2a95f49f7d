/**
 * Users, roles and API keys, with their rules: the last active admin stays; nobody raises their own
 * role; a key never grants more than its role, its owner's role and its scopes allow together;
 * deactivated users' keys stop working. The CLI, the REST API and the `manage_users` tool all use
 * this one service. It also turns credentials into principals for the authenticator, with a short
 * cache invalidated by every change made here.
 */
import { randomUUID } from 'node:crypto';
import { PorticoError } from '../core/errors.js';
import { createPermissionSet, intersectPermissionSets, type PermissionSet } from '../core/identity/permissions.js';
import type { Principal } from '../core/identity/principal.js';
import type { SurfaceName } from '../core/pipeline/execution-context.js';
import type { ApiKeyRow, IdentityRepository, RoleRow, UserRow } from '../store/repositories/identity.repository.js';
import { createKeyHasher, newApiKey, parseApiKey } from './api-key-format.js';
import { dummyHash, hashPassword, passwordProblem, randomPassword, verifyPassword } from './passwords.js';
import { BUILTIN_ROLES, ROLE_NAME, expandPermissions } from './roles.js';

export interface Role {
  name: string;
  description: string;
  permissions: string[];
  builtin: boolean;
}

export interface User {
  id: string;
  username: string;
  email: string | null;
  fullName: string | null;
  role: string;
  isActive: boolean;
  createdAt: string;
  updatedAt: string;
  lastLoginAt: string | null;
}

export interface ApiKey {
  id: string;
  name: string;
  userId: string | null;
  role: string;
  scopes: string[] | null;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** Who asks for a change (for the rules and the audit trail); undefined means the local operator (CLI). */
export interface Actor {
  principal: Principal;
  userId?: string | undefined;
  /** Where the change came from, for the audit trail (default `internal`). */
  surface?: SurfaceName | undefined;
  requestId?: string | undefined;
}

/** One administrative change, reported after it is made (the audit trail listens). Never holds a secret. */
export interface IdentityChange {
  action: 'admin/users' | 'admin/keys' | 'admin/roles';
  /** What changed: the username, the key id, the role name. */
  target: string;
  /** `create`, `update`, `delete`, `revoke`. */
  operation: 'create' | 'update' | 'delete' | 'revoke';
  /** Undefined: the local operator (CLI). */
  actor: Actor | undefined;
  /** Non-secret facts: the fields changed, the role given. */
  details?: Record<string, unknown>;
}

export interface IdentityServiceOptions {
  /** Called after every change to users, roles or keys. Must not throw or block. */
  onAudit?: (change: IdentityChange) => void;
}

export interface NewUser {
  username: string;
  email?: string | null | undefined;
  fullName?: string | null | undefined;
  password?: string | undefined;
  role: string;
}

export interface UserChanges {
  email?: string | null | undefined;
  fullName?: string | null | undefined;
  role?: string | undefined;
  isActive?: boolean | undefined;
  password?: string | undefined;
}

export interface NewKey {
  name: string;
  role: string;
  userId?: string | null | undefined;
  scopes?: string[] | null | undefined;
  expiresAt?: string | null | undefined;
}

export interface IdentityService {
  /** Seed the built-in roles (idempotent). */
  ensureBuiltinRoles(): Promise<void>;
  /** With no users: create `admin` with the given or a random password (returned once). */
  firstStart(adminPassword?: string): Promise<{ created: false } | { created: true; username: string; password: string; generated: boolean }>;

  roles(): Promise<Role[]>;
  saveRole(role: { name: string; description?: string; permissions: string[] }, actor?: Actor): Promise<Role>;
  deleteRole(name: string, actor?: Actor): Promise<void>;

  users(options?: { limit?: number; offset?: number; search?: string }): Promise<User[]>;
  user(idOrName: string): Promise<User | undefined>;
  createUser(input: NewUser, actor?: Actor): Promise<User>;
  updateUser(id: string, changes: UserChanges, actor?: Actor): Promise<User>;
  deleteUser(id: string, actor?: Actor): Promise<void>;
  /** The user if the password matches and the account is active; constant work either way. */
  verifyLogin(username: string, password: string): Promise<User | undefined>;

  keys(options?: { userId?: string }): Promise<ApiKey[]>;
  key(id: string): Promise<ApiKey | undefined>;
  createKey(input: NewKey, actor?: Actor): Promise<{ key: ApiKey; secret: string }>;
  revokeKey(id: string, actor?: Actor): Promise<void>;

  /** Principal for an API key value; throws `unauthenticated` (expired, revoked, unknown, deactivated owner). */
  principalForApiKey(value: string): Promise<Principal>;
  /** Principal for an active user (tokens carry the user id); throws `unauthenticated` if inactive or gone. */
  principalForUser(userId: string, narrowTo?: PermissionSet): Promise<Principal>;
  /** The permission set of a role (legacy names expanded). */
  permissionsOf(role: string): Promise<PermissionSet>;

  /** Bumped on every change to users, roles or keys; listeners run after the change. */
  readonly generation: number;
  onChange(listener: () => void): () => void;
  /** Write batched `last_used_at` updates (called periodically and at shutdown). */
  flush(): Promise<void>;
}

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PRINCIPAL_TTL_MS = 5_000;

const now = () => new Date().toISOString();
const toRole = (r: RoleRow): Role => ({ name: r.name, description: r.description, permissions: JSON.parse(r.permissions) as string[], builtin: r.builtin === 1 });
const toUser = (u: UserRow): User => ({
  id: u.id,
  username: u.username,
  email: u.email,
  fullName: u.full_name,
  role: u.role,
  isActive: u.is_active === 1,
  createdAt: u.created_at,
  updatedAt: u.updated_at,
  lastLoginAt: u.last_login_at,
});
const toKey = (k: ApiKeyRow): ApiKey => ({
  id: k.id,
  name: k.name,
  userId: k.user_id,
  role: k.role,
  scopes: k.scopes ? (JSON.parse(k.scopes) as string[]) : null,
  createdAt: k.created_at,
  expiresAt: k.expires_at,
  lastUsedAt: k.last_used_at,
  revokedAt: k.revoked_at,
});

export function createIdentityService(repo: IdentityRepository, secretKey: Buffer, options: IdentityServiceOptions = {}): IdentityService {
  const hasher = createKeyHasher(secretKey);
  const audit = (change: IdentityChange) => {
    try {
      options.onAudit?.(change);
    } catch {
      // The change is made; a failing listener must not turn it into an error.
    }
  };
  const listeners = new Set<() => void>();
  let generation = 0;
  const roleSets = new Map<string, PermissionSet>();
  /**
   * Verified key principals by the exact key value presented, so a hot key costs a map lookup: no
   * database, no hash. Entries live seconds and die with any identity change.
   */
  const principals = new Map<string, { principal: Principal; until: number; generation: number }>();
  const usedKeys = new Set<string>();

  const changed = () => {
    generation++;
    roleSets.clear();
    principals.clear();
    for (const l of listeners) l();
  };

  async function permissionsOf(role: string): Promise<PermissionSet> {
    let set = roleSets.get(role);
    if (!set) {
      const row = await repo.role(role);
      set = createPermissionSet(row ? expandPermissions(JSON.parse(row.permissions) as string[]) : []);
      roleSets.set(role, set);
    }
    return set;
  }

  async function adminRoles(): Promise<string[]> {
    const roles = await repo.roles();
    return roles.filter((r) => createPermissionSet(expandPermissions(JSON.parse(r.permissions) as string[])).allows('admin')).map((r) => r.name);
  }

  /** Refuse a change that would leave no active admin. */
  async function keepAnAdmin(userId: string, after: { role?: string; isActive?: boolean; deleted?: boolean }): Promise<void> {
    const admins = await adminRoles();
    const active = await repo.activeAdmins(admins);
    if (!active.some((u) => u.id === userId)) return;
    const staysAdmin = !after.deleted && after.isActive !== false && (after.role === undefined || admins.includes(after.role));
    if (!staysAdmin && active.length <= 1) throw new PorticoError('conflict', 'This is the last active admin: it cannot be removed, demoted or deactivated.');
  }

  async function requireRole(name: string): Promise<void> {
    if (!(await repo.role(name))) throw new PorticoError('validation_failed', `Unknown role "${name}".`, { details: { role: name } });
  }

  function checkEmail(email: string | null | undefined): void {
    if (email && !EMAIL.test(email)) throw new PorticoError('validation_failed', 'The e-mail address is not valid.');
  }

  async function uniqueViolation<T>(run: () => Promise<T>, what: string): Promise<T> {
    try {
      return await run();
    } catch (err) {
      const text = String((err as { code?: string; message?: string }).code ?? '') + String((err as Error).message ?? '');
      if (/unique|23505|SQLITE_CONSTRAINT/i.test(text)) throw new PorticoError('conflict', `${what} already exists.`);
      throw err;
    }
  }

  const service: IdentityService = {
    get generation() {
      return generation;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async ensureBuiltinRoles() {
      const at = now();
      let synced = false;
      for (const role of BUILTIN_ROLES) {
        const permissions = JSON.stringify(role.permissions);
        await repo.insertRoleIfAbsent({ name: role.name, description: role.description, permissions, builtin: 1, created_at: at, updated_at: at });
        // A new version may grant built-in roles new permissions (a new provider's, say). A role
        // nobody has edited (updated_at still equals created_at) follows the code; an edited one
        // is the operator's and stays as they left it.
        const stored = await repo.role(role.name);
        if (stored?.builtin && stored.updated_at === stored.created_at && stored.permissions !== permissions) {
          await repo.upsertRole({ ...stored, description: role.description, permissions });
          synced = true;
        }
      }
      if (synced) changed();
    },

    async firstStart(adminPassword) {
      await service.ensureBuiltinRoles();
      if ((await repo.countUsers()) > 0) return { created: false };
      const generated = !adminPassword;
      const password = adminPassword ?? randomPassword();
      const problem = passwordProblem(password);
      if (problem) throw new PorticoError('config_invalid', `PORTICO_ADMIN_PASSWORD ${problem}`);
      try {
        await service.createUser({ username: 'admin', role: 'admin', password, fullName: 'Administrator' });
      } catch (err) {
        // Another node created it first: that is fine.
        if (err instanceof PorticoError && err.code === 'conflict') return { created: false };
        throw err;
      }
      return { created: true, username: 'admin', password, generated };
    },

    async roles() {
      return (await repo.roles()).map(toRole);
    },

    async saveRole(input, actor) {
      if (!ROLE_NAME.test(input.name)) throw new PorticoError('validation_failed', 'Role names are 1-64 lower-case letters, digits, _ or -, starting with a letter.');
      if (!Array.isArray(input.permissions) || input.permissions.some((p) => typeof p !== 'string' || p.trim() === '' || p.length > 300)) {
        throw new PorticoError('validation_failed', 'Permissions must be a list of non-empty pattern strings.');
      }
      const existing = await repo.role(input.name);
      if (existing?.builtin && input.name === 'admin') throw new PorticoError('forbidden', 'The admin role cannot be changed.');
      const at = now();
      const row: RoleRow = {
        name: input.name,
        description: input.description ?? existing?.description ?? '',
        permissions: JSON.stringify(input.permissions),
        builtin: existing?.builtin ?? 0,
        created_at: existing?.created_at ?? at,
        // An edited built-in role must look edited (ensureBuiltinRoles leaves those alone).
        updated_at: existing?.builtin && at === existing.created_at ? new Date(Date.parse(at) + 1).toISOString() : at,
      };
      await repo.upsertRole(row);
      changed();
      audit({ action: 'admin/roles', target: row.name, operation: existing ? 'update' : 'create', actor, details: { permissions: input.permissions } });
      return toRole(row);
    },

    async deleteRole(name, actor) {
      const existing = await repo.role(name);
      if (!existing) throw new PorticoError('not_found', `Unknown role "${name}".`);
      if (existing.builtin) throw new PorticoError('forbidden', `The built-in role "${name}" cannot be deleted.`);
      if ((await repo.countUsersWithRole(name)) > 0) throw new PorticoError('conflict', `Role "${name}" is still assigned to users or keys.`);
      await repo.deleteRole(name);
      changed();
      audit({ action: 'admin/roles', target: name, operation: 'delete', actor });
    },

    async users(options) {
      return (await repo.users(options)).map(toUser);
    },
    async user(idOrName) {
      const row = (await repo.userById(idOrName)) ?? (await repo.userByName(idOrName));
      return row ? toUser(row) : undefined;
    },

    async createUser(input, actor) {
      if (!USERNAME.test(input.username)) throw new PorticoError('validation_failed', 'Usernames are 1-64 letters, digits, . _ @ or -, starting with a letter or digit.');
      checkEmail(input.email);
      await requireRole(input.role);
      if (input.password !== undefined) {
        const problem = passwordProblem(input.password);
        if (problem) throw new PorticoError('validation_failed', `The password ${problem}.`);
      }
      const at = now();
      const row: UserRow = {
        id: randomUUID(),
        username: input.username,
        email: input.email ?? null,
        full_name: input.fullName ?? null,
        password_hash: input.password === undefined ? null : await hashPassword(input.password),
        role: input.role,
        is_active: 1,
        created_at: at,
        updated_at: at,
        last_login_at: null,
      };
      await uniqueViolation(() => repo.insertUser(row), `A user named "${input.username}" or with that e-mail`);
      changed();
      audit({ action: 'admin/users', target: row.username, operation: 'create', actor, details: { role: row.role } });
      return toUser(row);
    },

    async updateUser(id, changes, actor) {
      const current = await repo.userById(id);
      if (!current) throw new PorticoError('not_found', 'No such user.');
      if (changes.role !== undefined && changes.role !== current.role) {
        await requireRole(changes.role);
        // Nobody changes their own role: an admin demoting themselves goes through another admin.
        if (actor?.userId === id) throw new PorticoError('forbidden', 'You cannot change your own role.');
      }
      if (changes.isActive === false && actor?.userId === id) throw new PorticoError('forbidden', 'You cannot deactivate yourself.');
      checkEmail(changes.email);
      await keepAnAdmin(id, { ...(changes.role !== undefined ? { role: changes.role } : {}), ...(changes.isActive !== undefined ? { isActive: changes.isActive } : {}) });
      const update: Partial<UserRow> = { updated_at: now() };
      if (changes.email !== undefined) update.email = changes.email;
      if (changes.fullName !== undefined) update.full_name = changes.fullName;
      if (changes.role !== undefined) update.role = changes.role;
      if (changes.isActive !== undefined) update.is_active = changes.isActive ? 1 : 0;
      if (changes.password !== undefined) {
        const problem = passwordProblem(changes.password);
        if (problem) throw new PorticoError('validation_failed', `The password ${problem}.`);
        update.password_hash = await hashPassword(changes.password);
      }
      await uniqueViolation(() => repo.updateUser(id, update), 'A user with that e-mail');
      changed();
      const fields = Object.keys(changes).filter((k) => changes[k as keyof UserChanges] !== undefined);
      audit({
        action: 'admin/users',
        target: current.username,
        operation: 'update',
        actor,
        details: { fields, ...(changes.role !== undefined ? { role: changes.role } : {}), ...(changes.isActive !== undefined ? { active: changes.isActive } : {}) },
      });
      return toUser((await repo.userById(id))!);
    },

    async deleteUser(id, actor) {
      const current = await repo.userById(id);
      if (!current) throw new PorticoError('not_found', 'No such user.');
      if (actor?.userId === id) throw new PorticoError('forbidden', 'You cannot delete yourself.');
      await keepAnAdmin(id, { deleted: true });
      await repo.deleteUser(id);
      changed();
      audit({ action: 'admin/users', target: current.username, operation: 'delete', actor });
    },

    async verifyLogin(username, password) {
      const row = await repo.userByName(username);
      if (!row?.password_hash) {
        await verifyPassword(await dummyHash(), password);
        return undefined;
      }
      const ok = await verifyPassword(row.password_hash, password);
      if (!ok || row.is_active !== 1) return undefined;
      const at = now();
      await repo.updateUser(row.id, { last_login_at: at });
      return toUser({ ...row, last_login_at: at });
    },

    async keys(options) {
      return (await repo.keys(options)).map(toKey);
    },
    async key(id) {
      const row = await repo.key(id);
      return row ? toKey(row) : undefined;
    },

    async createKey(input, actor) {
      const name = input.name.trim();
      if (!name || name.length > 100) throw new PorticoError('validation_failed', 'Key names are 1-100 characters.');
      await requireRole(input.role);
      if (input.userId && !(await repo.userById(input.userId))) throw new PorticoError('not_found', 'No such user.');
      if (input.scopes && (!Array.isArray(input.scopes) || input.scopes.some((s) => typeof s !== 'string' || !s.trim()))) {
        throw new PorticoError('validation_failed', 'Scopes must be a list of permission patterns.');
      }
      if (input.expiresAt && !(Date.parse(input.expiresAt) > Date.now())) throw new PorticoError('validation_failed', 'The expiry must be in the future.');
      const fresh = newApiKey();
      const row: ApiKeyRow = {
        id: fresh.id,
        name,
        user_id: input.userId ?? null,
        role: input.role,
        scopes: input.scopes ? JSON.stringify(input.scopes) : null,
        secret_hash: hasher.hash(fresh.secret),
        created_at: now(),
        expires_at: input.expiresAt ? new Date(input.expiresAt).toISOString() : null,
        last_used_at: null,
        revoked_at: null,
      };
      await repo.insertKey(row);
      changed();
      audit({
        action: 'admin/keys',
        target: row.id,
        operation: 'create',
        actor,
        details: { name, role: row.role, ...(row.user_id ? { owner: row.user_id } : {}), ...(input.scopes ? { scopes: input.scopes } : {}), ...(row.expires_at ? { expires: row.expires_at } : {}) },
      });
      return { key: toKey(row), secret: fresh.value };
    },

    async revokeKey(id, actor) {
      if (!(await repo.revokeKey(id, now()))) {
        if (!(await repo.key(id))) throw new PorticoError('not_found', 'No such key.');
      }
      changed();
      audit({ action: 'admin/keys', target: id, operation: 'revoke', actor });
    },

    async principalForApiKey(value) {
      const nowMs = Date.now();
      const cached = principals.get(value);
      if (cached && cached.until > nowMs && cached.generation === generation) return cached.principal;
      const parsed = parseApiKey(value);
      if (!parsed) throw new PorticoError('unauthenticated', 'The credential is not valid.');
      const row = await repo.key(parsed.id);
      if (!row || !hasher.matches(parsed.secret, row.secret_hash)) throw new PorticoError('unauthenticated', 'The credential is not valid.');
      if (row.revoked_at) throw new PorticoError('unauthenticated', 'The API key has been revoked.');
      if (row.expires_at && Date.parse(row.expires_at) <= nowMs) throw new PorticoError('unauthenticated', 'The API key has expired.');
      let permissions = await permissionsOf(row.role);
      if (row.scopes) permissions = intersectPermissionSets(permissions, createPermissionSet(JSON.parse(row.scopes) as string[]));
      let principal: Principal;
      if (row.user_id) {
        principal = await service.principalForUser(row.user_id, permissions);
      } else {
        principal = { id: `key:${row.id}`, kind: 'api-key', name: `key:${row.name}`, roles: [row.role], permissions };
      }
      const until = row.expires_at ? Math.min(Date.parse(row.expires_at), nowMs + PRINCIPAL_TTL_MS) : nowMs + PRINCIPAL_TTL_MS;
      const frozen = Object.freeze(principal);
      if (principals.size > 10_000) principals.clear();
      principals.set(value, { principal: frozen, until, generation });
      usedKeys.add(parsed.id);
      return frozen;
    },

    async principalForUser(userId, narrowTo) {
      const row = await repo.userById(userId);
      if (!row || row.is_active !== 1) throw new PorticoError('unauthenticated', 'The account is not active.');
      let permissions = await permissionsOf(row.role);
      if (narrowTo) permissions = intersectPermissionSets(permissions, narrowTo);
      return { id: `user:${row.id}`, kind: 'user', name: row.username, roles: [row.role], permissions };
    },

    permissionsOf,

    async flush() {
      if (!usedKeys.size) return;
      const ids = [...usedKeys];
      usedKeys.clear();
      await repo.touchKeys(ids, now());
    },
  };
  return service;
}
