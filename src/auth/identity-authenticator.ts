/**
 * The authenticator for HTTP surfaces once identities exist: API keys (`pk_…`, as Bearer or
 * X-API-Key) through the identity service, any other bearer token through the registered verifiers.
 * No credential → undefined (the surface challenges); a credential nobody accepts → unauthenticated.
 */
import { PorticoError } from '../core/errors.js';
import type { Authenticator } from '../core/identity/authenticator.js';
import type { Principal } from '../core/identity/principal.js';
import { looksLikeApiKey } from './api-key-format.js';
import type { IdentityService } from './identity-service.js';
import type { TokenVerifier } from './token-verifier.js';

export interface IdentityAuthenticator extends Authenticator {
  /** Add a verifier (OAuth, external issuer) after construction. */
  addVerifier(verifier: TokenVerifier): void;
}

export function createIdentityAuthenticator(identity: IdentityService, verifiers: TokenVerifier[] = []): IdentityAuthenticator {
  const chain = [...verifiers];
  return {
    addVerifier(verifier) {
      chain.push(verifier);
    },
    async authenticate(credentials): Promise<Principal | undefined> {
      const value = credentials.apiKey ?? credentials.bearer;
      if (value === undefined) return undefined;
      if (value.length > 8192) throw new PorticoError('unauthenticated', 'The credential is not valid.');
      if (credentials.apiKey !== undefined || looksLikeApiKey(value)) return identity.principalForApiKey(value);
      for (const verifier of chain) {
        const principal = await verifier.verify(value);
        if (principal) return principal;
      }
      throw new PorticoError('unauthenticated', 'The credential is not valid.');
    },
  };
}
