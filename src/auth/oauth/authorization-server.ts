/**
 * Portico's OAuth 2.1 authorization server for remote MCP clients, built on oidc-provider (panva),
 * configured for what the MCP authorization specification asks and nothing more:
 *
 * - authorization code with PKCE (S256 only; required for every client); no implicit, no hybrid;
 * - refresh tokens for every client allowed the grant, rotated on every use (reuse of a rotated one
 *   revokes the whole grant);
 * - resource indicators (RFC 8707): access tokens are JWTs (RFC 9068, ES256) whose audience is this
 *   server's MCP resource — the only resources it knows; a client naming none gets the MCP resource;
 * - revocation (RFC 7009), dynamic client registration (RFC 7591) when configured, client ID
 *   metadata documents when a fetch policy is given;
 * - every endpoint under /oauth, the interaction (login + consent) pages served by Portico itself.
 *
 * Its state lives in the database (oauth-store.ts); its keys come from the installation secret
 * (oauth-keys.ts), so nodes agree. The library is loaded on first use, so commands that never serve
 * OAuth never pay for it.
 */
import type { Configuration, KoaContextWithOIDC, Provider } from 'oidc-provider';
import type { FrozenConfig } from '../../config/schema.js';
import type { Logger } from '../../logging/logger.js';
import type { IdentityService } from '../identity-service.js';
import { OAUTH_SIGNING_ALG, type OAuthKeys } from './oauth-keys.js';
import type { OAuthStore } from './oauth-store.js';
import { DEFAULT_SCOPE, MCP_SCOPES } from './scopes.js';

/** Paths of the authorization server's endpoints, all under /oauth. */
export const OAUTH_ROUTES = Object.freeze({
  authorization: '/oauth/authorize',
  token: '/oauth/token',
  registration: '/oauth/register',
  revocation: '/oauth/revoke',
  jwks: '/oauth/jwks',
  userinfo: '/oauth/userinfo',
  introspection: '/oauth/introspect',
  pushed_authorization_request: '/oauth/par',
  end_session: '/oauth/logout',
  code_verification: '/oauth/device',
  device_authorization: '/oauth/device/auth',
  backchannel_authentication: '/oauth/backchannel',
  challenge: '/oauth/challenge',
  credential: '/oauth/credential',
});

/** Where oidc-provider sends the browser for login and consent. */
export const INTERACTION_PATH = '/oauth/interaction';

const DAY = 86_400;
/** Longest life of one authorization (a chain of rotated refresh tokens) before the user is asked again. */
const GRANT_TTL_SECONDS = 365 * DAY;

export interface ClientMetadataDocumentPolicy {
  /** Whether the client ID metadata document at this URL may be fetched (SSRF guard). */
  allowFetch(url: string): Promise<boolean>;
  /** The fetch used for the documents (tests substitute one). */
  fetch?: (url: string | URL, init?: RequestInit) => Promise<Response>;
}

export interface AuthorizationServerOptions {
  /** The issuer identifier: this server's base URL. */
  issuer: string;
  /** Path prefix of the base URL (`/portico` when published under one), '' otherwise. */
  pathPrefix: string;
  /** Resource indicators this server issues tokens for; the first is the default. */
  resources: readonly string[];
  oauth: FrozenConfig['oauth'];
  keys: OAuthKeys;
  store: OAuthStore;
  identity: Pick<IdentityService, 'user'>;
  logger: Logger;
  /** Renders oidc-provider's error page (HTML, no external assets). */
  renderError(ctx: KoaContextWithOIDC, out: Record<string, string>, error: unknown): void | Promise<void>;
  /** Client ID metadata documents are accepted when a policy is given. */
  clientMetadataDocuments?: ClientMetadataDocumentPolicy | undefined;
}

/** Fields of oidc-provider's token objects that the hooks read. */
interface TokenLike {
  kind?: string;
  grantId?: string;
  clientId?: string;
  totalLifetime?: () => number;
}

interface ClientLike {
  clientAuthMethod?: string;
  redirectUris?: string[];
  grantTypeAllowed(type: string): boolean;
}

export async function createAuthorizationServer(options: AuthorizationServerOptions): Promise<Provider> {
  const { default: OidcProvider, errors } = await import('oidc-provider');
  const { resources, keys, store, identity, oauth, logger } = options;
  const cimd = options.clientMetadataDocuments;

  const configuration: Configuration = {
    adapter: (model: string) => store.adapterFor(model),
    clients: [],
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: OAUTH_SIGNING_ALG,
    },
    clientAuthMethods: ['none', 'client_secret_basic', 'client_secret_post'],
    responseTypes: ['code'],
    scopes: ['openid', 'offline_access', ...MCP_SCOPES],
    claims: { openid: ['sub'] },
    pkce: { required: () => true },
    allowOmittingSingleRegisteredRedirectUri: false,
    enabledJWA: {
      idTokenSigningAlgValues: [OAUTH_SIGNING_ALG],
      userinfoSigningAlgValues: [OAUTH_SIGNING_ALG],
      introspectionSigningAlgValues: [OAUTH_SIGNING_ALG],
      authorizationSigningAlgValues: [OAUTH_SIGNING_ALG],
    },
    jwks: { keys: [keys.signingJwk] },
    cookies: {
      keys: [...keys.cookieKeys],
      names: { session: 'portico_oauth_session', interaction: 'portico_oauth_interaction', resume: 'portico_oauth_resume' },
      long: { httpOnly: true, sameSite: 'lax', signed: true },
      short: { httpOnly: true, sameSite: 'lax', signed: true },
    },
    routes: { ...OAUTH_ROUTES },
    interactions: {
      url: (_ctx: unknown, interaction: { uid: string }) => `${options.pathPrefix}${INTERACTION_PATH}/${interaction.uid}`,
    },
    features: {
      devInteractions: { enabled: false },
      dPoP: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      userinfo: { enabled: false },
      introspection: { enabled: false },
      registration: { enabled: oauth.dynamicRegistration, initialAccessToken: false, issueRegistrationAccessToken: false },
      revocation: {
        enabled: true,
        // A client revokes only its own tokens.
        allowedPolicy: (_ctx: unknown, client: { clientId: string }, token: TokenLike) => token.clientId === client.clientId,
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx: unknown, _client: unknown, oneOf?: string[]) => oneOf ?? resources[0],
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, indicator: string) => {
          if (!resources.includes(indicator)) throw new errors.InvalidTarget(`this server issues tokens only for ${resources[0]}`);
          return {
            scope: MCP_SCOPES.join(' '),
            audience: indicator,
            accessTokenTTL: oauth.accessTokenTtlSeconds,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: OAUTH_SIGNING_ALG } },
          };
        },
      },
      clientIdMetadataDocument: cimd
        ? {
            enabled: true,
            ack: 'draft-02',
            allowFetch: (_ctx: unknown, clientId: string) => cimd.allowFetch(clientId),
            allowClient: () => true,
            cacheDuration: { min: 60, max: DAY },
          }
        : { enabled: false },
    },
    ...(cimd?.fetch ? { fetch: cimd.fetch } : {}),
    ttl: {
      AccessToken: () => oauth.accessTokenTtlSeconds,
      AuthorizationCode: () => 60,
      RefreshToken: () => oauth.refreshTokenTtlSeconds,
      Grant: () => GRANT_TTL_SECONDS,
      Interaction: () => 10 * 60,
      Session: () => DAY,
      IdToken: () => 60 * 60,
      ClientCredentials: () => 10 * 60,
      DeviceCode: () => 10 * 60,
      BackchannelAuthenticationRequest: () => 10 * 60,
      PreAuthorizedCode: () => 10 * 60,
    },
    // The access token names its grant, so the resource server sees a revocation (see oauth-token-verifier.ts).
    extraTokenClaims: (_ctx: unknown, token: TokenLike) => (token.kind === 'AccessToken' && token.grantId ? { gid: token.grantId } : undefined),
    expiresWithSession: () => false,
    issueRefreshToken: (_ctx: unknown, client: ClientLike) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: (ctx: { oidc: { entities: { RefreshToken?: TokenLike } } }) => (ctx.oidc.entities.RefreshToken?.totalLifetime?.() ?? 0) < GRANT_TTL_SECONDS,
    clientBasedCORS: (_ctx: unknown, origin: string, client: ClientLike) => {
      // Browser-based public clients may call the token endpoint from their redirect URI's origin.
      if (origin === 'null' || client.clientAuthMethod !== 'none') return false;
      return (client.redirectUris ?? []).some((uri) => URL.parse(uri)?.origin === origin);
    },
    findAccount: async (_ctx: unknown, sub: string) => {
      const user = await identity.user(sub);
      if (!user || user.id !== sub || !user.isActive) return undefined;
      return { accountId: user.id, claims: () => ({ sub: user.id }) };
    },
    renderError: options.renderError,
  };

  const provider = new OidcProvider(options.issuer, configuration);
  // URLs are built from X-Forwarded-Proto/Host, which the surface sets to the published base URL
  // on every request it hands over (never the client's own values).
  provider.proxy = true;

  // A client that names no scope is asking to use MCP: give it the default rather than a token
  // that can do nothing.
  provider.use(async (ctx, next) => {
    if (ctx.path === OAUTH_ROUTES.authorization && ctx.method === 'GET' && !ctx.query.scope) ctx.query = { ...ctx.query, scope: DEFAULT_SCOPE };
    await next();
    // An endpoint that does not exist (or is turned off) answers like the other endpoints do: JSON.
    if (ctx.status === 404 && ctx.body == null) {
      ctx.body = { error: 'not_found', error_description: 'There is no such endpoint.' };
      ctx.status = 404;
    }
  });

  provider.on('server_error', (_ctx, err) => logger.error({ err }, 'OAuth authorization server error'));
  provider.on('grant.revoked', (_ctx, grantId) => logger.info({ grantId }, 'OAuth grant revoked'));
  return provider;
}
