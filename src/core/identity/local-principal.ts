/**
 * The anonymous local principal: every permission, no credential. Used only for `--no-auth`
 * (refused unless bound to loopback) and for stdio, where whoever can start the process owns it.
 */
import type { Authenticator } from './authenticator.js';
import { createPermissionSet } from './permissions.js';
import type { Principal } from './principal.js';

export function localPrincipal(name = 'local'): Principal {
  return Object.freeze({ id: `local:${name}`, kind: 'local', name, roles: Object.freeze(['admin']), permissions: createPermissionSet(['*']) });
}

export function localAuthenticator(principal: Principal = localPrincipal()): Authenticator {
  return { authenticate: () => principal };
}
