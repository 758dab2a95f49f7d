/**
 * Authenticator contract: turns the credentials a surface found into a Principal.
 * Returns undefined when no credential was given (the surface answers 401 with a challenge);
 * throws PorticoError('unauthenticated') when a credential was given but is not valid.
 */
import type { Credentials, Principal } from './principal.js';

export interface Authenticator {
  authenticate(credentials: Credentials): Promise<Principal | undefined> | Principal | undefined;
}
