/**
 * Everything behind REST sessions and MCP tokens, built once from configuration and the store:
 * signing keys, access tokens, refresh tokens, the login limiter and the verifier the
 * authenticator consults. The server and the CLI (`portico token`) both build it here.
 */
import type { FrozenConfig } from '../config/schema.js';
import type { Database } from '../store/database.js';
import { createRefreshTokenRepository } from '../store/repositories/refresh-token.repository.js';
import { createSigningKeyRepository } from '../store/repositories/signing-key.repository.js';
import { createAccessTokenVerifier } from './access-token-verifier.js';
import { createAccessTokens, type AccessTokens } from './access-tokens.js';
import type { IdentityService } from './identity-service.js';
import { createMemoryLoginLimiter, type LoginLimiter } from './login-limiter.js';
import { createRefreshTokens, type RefreshTokens } from './refresh-tokens.js';
import { acceptedAudiences, configuredServerUrl, resourceIdentifier, tokenIssuer } from './resource.js';
import { createSigningKeys, signingKeyOptions, type SigningKeys } from './signing-keys.js';
import type { TokenVerifier } from './token-verifier.js';

export interface SessionAuth {
  readonly signingKeys: SigningKeys;
  readonly accessTokens: AccessTokens;
  readonly refreshTokens: RefreshTokens;
  readonly loginLimiter: LoginLimiter;
  /** Accepts Portico access and MCP tokens; goes into the authenticator's verifier chain. */
  readonly verifier: TokenVerifier;
  /** Where the server listens (with port 0 it is known only after listening); sets the audience. */
  setServerUrl(url: string): void;
}

export interface SessionAuthOptions {
  /** The server's URL if known now (the CLI reads it from the running server's lock file). */
  serverUrl?: string | undefined;
}

export function createSessionAuth(
  config: FrozenConfig,
  store: { readonly database: Database; readonly secretKey: Buffer },
  identity: IdentityService,
  options: SessionAuthOptions = {},
): SessionAuth {
  let serverUrl = options.serverUrl ?? configuredServerUrl(config);
  const signingKeys = createSigningKeys(createSigningKeyRepository(store.database.db), store.secretKey, signingKeyOptions(config));
  const accessTokens = createAccessTokens({
    signingKeys,
    issuer: tokenIssuer(config),
    audiences: () => ({ resource: resourceIdentifier(config, serverUrl), accepted: acceptedAudiences(config, serverUrl) }),
  });
  const refreshTokens = createRefreshTokens(createRefreshTokenRepository(store.database.db), store.secretKey, { ttlSeconds: config.auth.refreshTokenTtlSeconds });
  return {
    signingKeys,
    accessTokens,
    refreshTokens,
    loginLimiter: createMemoryLoginLimiter({ maxAttempts: config.auth.loginMaxAttempts, windowSeconds: config.auth.loginWindowSeconds }),
    verifier: createAccessTokenVerifier({ tokens: accessTokens, identity, sessions: refreshTokens }),
    setServerUrl(url) {
      serverUrl = url;
    },
  };
}
