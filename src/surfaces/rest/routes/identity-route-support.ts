/**
 * What the identity routes (auth, users, keys, roles) share: who is asking, what they may do, and
 * the rule that nobody hands out permissions they do not hold themselves.
 */
import type { FastifyRequest } from 'fastify';
import type { Actor } from '../../../auth/identity-service.js';
import { expandPermissions } from '../../../auth/roles.js';
import { PorticoError } from '../../../core/errors.js';
import type { Principal } from '../../../core/identity/principal.js';

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new PorticoError('unauthenticated');
  return request.principal;
}

/** The user id behind a principal (users, their keys and tokens), or undefined (ownerless keys, OAuth clients). */
export function userIdOf(principal: Principal): string | undefined {
  return principal.id.startsWith('user:') ? principal.id.slice('user:'.length) : undefined;
}

export function actorOf(request: FastifyRequest): Actor {
  const principal = principalOf(request);
  return { principal, userId: userIdOf(principal) };
}

export function allows(request: FastifyRequest, permission: string): boolean {
  return principalOf(request).permissions.allows(permission);
}

export function requirePermission(request: FastifyRequest, permission: string): void {
  if (!allows(request, permission)) throw new PorticoError('forbidden', `This needs the permission "${permission}".`);
}

/**
 * True if the principal holds every permission in the list (legacy names expanded). Guards role
 * assignment, role editing and acting on other accounts, so a delegated manager cannot mint an admin.
 */
export function holdsAll(principal: Principal, permissions: readonly string[]): boolean {
  return expandPermissions(permissions).every((p) => principal.permissions.allows(p));
}
