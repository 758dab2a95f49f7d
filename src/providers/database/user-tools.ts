/**
 * Portico's own users as the seeds' `users` table: `search_users` (seed 000) and `manage_users`
 * (seed 002). Both go through the identity service — the same one the REST user endpoints and
 * the CLI use — so the account rules (last admin stays, nobody changes their own role) and the
 * audit trail apply, and password hashes never leave it.
 */
import type { Actor, IdentityService, User } from '../../auth/identity-service.js';
import { expandPermissions } from '../../auth/roles.js';
import type { CatalogEntry } from '../../core/catalog/entries.js';
import type { JsonObject } from '../../core/catalog/mcp-shapes.js';
import { PorticoError } from '../../core/errors.js';
import type { Principal } from '../../core/identity/principal.js';
import type { ExecutionContext } from '../../core/pipeline/execution-context.js';
import { jsonResult } from './json-result.js';

export const USERS_MANAGE = 'users:manage';
const MAX_LIMIT = 100;

function userBody(u: User, showEmail: boolean): JsonObject {
  return {
    id: u.id,
    username: u.username,
    email: showEmail ? u.email : maskEmail(u.email),
    full_name: u.fullName,
    role: u.role,
    is_active: u.isActive,
    created_at: u.createdAt,
    updated_at: u.updatedAt,
    last_login_at: u.lastLoginAt,
  };
}

/** `ada@example.com` → `a***@example.com`: enough to recognise, not enough to harvest. */
export function maskEmail(email: string | null): string | null {
  if (!email) return email;
  const at = email.lastIndexOf('@');
  return at <= 0 ? '***' : `${email[0]}***${email.slice(at)}`;
}

function offsetFrom(cursor: unknown): number {
  if (cursor === undefined) return 0;
  const n = typeof cursor === 'string' && /^o\d{1,9}$/.test(cursor) ? Number(cursor.slice(1)) : NaN;
  if (!Number.isSafeInteger(n)) throw new PorticoError('validation_failed', 'The cursor is invalid; start again without it.');
  return n;
}

async function page(identity: IdentityService, args: JsonObject, showEmail: boolean, key: string): Promise<JsonObject> {
  const limit = Math.min(typeof args.limit === 'number' ? args.limit : 20, MAX_LIMIT);
  const offset = offsetFrom(args.cursor);
  const search = typeof args.query === 'string' && args.query.trim() ? args.query.trim() : undefined;
  const rows = await identity.users({ limit: limit + 1, offset, ...(search ? { search } : {}) });
  const users = rows.slice(0, limit).map((u) => userBody(u, showEmail));
  return { [key]: users, returned_count: users.length, next_cursor: rows.length > limit ? `o${offset + limit}` : null };
}

function actorOf(ctx: ExecutionContext): Actor {
  const { principal } = ctx;
  return { principal, userId: principal.id.startsWith('user:') ? principal.id.slice('user:'.length) : undefined, surface: ctx.surface, requestId: ctx.requestId };
}

/** Nobody hands out, or acts on holders of, a role that grants more than their own (as the REST routes). */
async function mayWield(identity: IdentityService, principal: Principal, role: string): Promise<void> {
  const found = (await identity.roles()).find((r) => r.name === role);
  if (!found) throw new PorticoError('validation_failed', `Unknown role "${role}".`);
  if (!expandPermissions(found.permissions).every((p) => principal.permissions.allows(p))) {
    throw new PorticoError('forbidden', `You cannot manage accounts with the role "${role}": it grants more than yours.`);
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function userEntries(identity: IdentityService, source: string, options: { search: boolean }): CatalogEntry[] {
  const userData = {
    type: 'object',
    properties: {
      username: { type: 'string', minLength: 1, maxLength: 64 },
      email: { anyOf: [{ type: 'string', maxLength: 320 }, { type: 'null' }] },
      full_name: { anyOf: [{ type: 'string', maxLength: 200 }, { type: 'null' }] },
      password: { type: 'string', minLength: 1, maxLength: 1000, description: 'Optional; without one the user signs in through another way (API key, SSO).' },
      role: { type: 'string', minLength: 1, maxLength: 64 },
      is_active: { type: 'boolean' },
    },
    additionalProperties: false,
  };
  const entries: CatalogEntry[] = [
    {
      kind: 'tool',
      name: 'manage_users',
      title: 'Manage users',
      description: 'List, create, update or deactivate Portico users (admin only). Same rules as the REST user endpoints.',
      inputSchema: {
        type: 'object',
        properties: {
          action: { type: 'string', enum: ['list', 'create', 'update', 'deactivate'] },
          user_id: { type: 'string', minLength: 1, maxLength: 100, description: 'Id or username (update, deactivate).' },
          user_data: userData,
          query: { type: 'string', maxLength: 100, description: 'list: part of a username, e-mail or name.' },
          limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: 20 },
          cursor: { type: 'string', maxLength: 20 },
        },
        required: ['action'],
        additionalProperties: false,
      },
      annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: false },
      permission: USERS_MANAGE,
      source,
      handler: async (args, ctx) => {
        const data = (args.user_data ?? {}) as JsonObject;
        switch (args.action) {
          case 'list':
            return jsonResult({ action: 'list', ...(await page(identity, args, true, 'users')) });
          case 'create': {
            const username = str(data.username);
            if (!username) throw new PorticoError('validation_failed', 'create needs user_data.username.');
            const role = str(data.role) ?? 'user';
            await mayWield(identity, ctx.principal, role);
            let user = await identity.createUser({ username, email: data.email as string | null | undefined, fullName: data.full_name as string | null | undefined, password: str(data.password), role }, actorOf(ctx));
            if (data.is_active === false) user = await identity.updateUser(user.id, { isActive: false }, actorOf(ctx));
            return jsonResult({ action: 'create', user: userBody(user, true), message: `User "${user.username}" created.` });
          }
          case 'update':
          case 'deactivate': {
            const target = str(args.user_id);
            if (!target) throw new PorticoError('validation_failed', `${String(args.action)} needs user_id.`);
            const current = await identity.user(target);
            if (!current) throw new PorticoError('not_found', 'No such user.');
            await mayWield(identity, ctx.principal, current.role);
            if (args.action === 'deactivate') {
              const user = await identity.updateUser(current.id, { isActive: false }, actorOf(ctx));
              return jsonResult({ action: 'deactivate', user: userBody(user, true), message: `User "${user.username}" deactivated.` });
            }
            if (data.username !== undefined && data.username !== current.username) throw new PorticoError('validation_failed', 'Usernames cannot be changed.');
            if (typeof data.role === 'string') await mayWield(identity, ctx.principal, data.role);
            const user = await identity.updateUser(
              current.id,
              {
                email: data.email as string | null | undefined,
                fullName: data.full_name as string | null | undefined,
                role: str(data.role),
                isActive: typeof data.is_active === 'boolean' ? data.is_active : undefined,
                password: str(data.password),
              },
              actorOf(ctx),
            );
            return jsonResult({ action: 'update', user: userBody(user, true), message: `User "${user.username}" updated.` });
          }
          default:
            throw new PorticoError('validation_failed', 'action must be list, create, update or deactivate.');
        }
      },
    },
  ];
  if (options.search) {
    entries.push({
      kind: 'tool',
      name: 'search_users',
      title: 'Search users',
      description: 'Find Portico users by part of their username, e-mail or name. E-mail addresses are shown in full only to user managers.',
      inputSchema: {
        type: 'object',
        properties: {
          query: { type: 'string', maxLength: 100, description: 'Part of a username, e-mail or name; empty lists everyone.' },
          limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: 20 },
          cursor: { type: 'string', maxLength: 20 },
        },
        additionalProperties: false,
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
      source,
      handler: async (args, ctx) => {
        const result = await page(identity, args, ctx.principal.permissions.allows(USERS_MANAGE), 'results');
        return jsonResult({ query: typeof args.query === 'string' ? args.query : '', ...result });
      },
    });
  }
  return entries;
}
