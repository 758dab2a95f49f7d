/**
 * Token verifier contract: one per kind of bearer token Portico accepts (its own access JWTs, MCP
 * access tokens, OAuth access tokens, an external OIDC issuer's JWTs). A verifier returns undefined
 * for a token that is not its kind (so the next one may try) and throws
 * PorticoError('unauthenticated' | 'forbidden') for one that is its kind but not acceptable.
 */
import type { Principal } from '../core/identity/principal.js';

export interface TokenVerifier {
  readonly name: string;
  verify(token: string): Promise<Principal | undefined>;
}
