/**
 * Wire shapes of users, API keys, roles and tokens (snake_case, as the rest of the REST API), and
 * the mappers from the identity service's types. The mappers pick fields one by one: a hash can
 * never reach a response by being added to a service type later.
 */
import { z } from 'zod';
import type { ApiKey, Role, User } from '../../auth/identity-service.js';

const timestamp = z.string().describe('ISO-8601 UTC');

export const userSchema = z
  .object({
    id: z.string(),
    username: z.string(),
    email: z.string().nullable(),
    full_name: z.string().nullable(),
    role: z.string(),
    is_active: z.boolean(),
    created_at: timestamp,
    updated_at: timestamp,
    last_login_at: timestamp.nullable(),
  })
  .meta({ id: 'User' });

export const apiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    user_id: z.string().nullable().describe('Owner; null for a key that acts on its own'),
    role: z.string(),
    scopes: z.array(z.string()).nullable().describe('Permission patterns narrowing the role'),
    created_at: timestamp,
    expires_at: timestamp.nullable(),
    last_used_at: timestamp.nullable(),
    revoked_at: timestamp.nullable(),
  })
  .meta({ id: 'ApiKey' });

export const roleSchema = z
  .object({
    name: z.string(),
    description: z.string(),
    permissions: z.array(z.string()),
    builtin: z.boolean(),
  })
  .meta({ id: 'Role' });

export const tokenResponseSchema = z
  .object({
    access_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int().describe('Seconds until the access token expires'),
    refresh_token: z.string().describe('Single use: each refresh returns a new one'),
  })
  .meta({ id: 'TokenResponse' });

export const toUserBody = (u: User): z.output<typeof userSchema> => ({
  id: u.id,
  username: u.username,
  email: u.email,
  full_name: u.fullName,
  role: u.role,
  is_active: u.isActive,
  created_at: u.createdAt,
  updated_at: u.updatedAt,
  last_login_at: u.lastLoginAt,
});

export const toKeyBody = (k: ApiKey): z.output<typeof apiKeySchema> => ({
  id: k.id,
  name: k.name,
  user_id: k.userId,
  role: k.role,
  scopes: k.scopes,
  created_at: k.createdAt,
  expires_at: k.expiresAt,
  last_used_at: k.lastUsedAt,
  revoked_at: k.revokedAt,
});

export const toRoleBody = (r: Role): z.output<typeof roleSchema> => ({ name: r.name, description: r.description, permissions: r.permissions, builtin: r.builtin });

/** Pagination query shared by list routes. */
export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
};
