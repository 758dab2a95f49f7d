/**
 * The OAuth 2.1 surface for remote MCP clients:
 *
 *   /.well-known/oauth-protected-resource[/mcp|/sse]  protected resource metadata (RFC 9728)
 *   /.well-known/oauth-authorization-server           authorization server metadata (RFC 8414)
 *   /.well-known/openid-configuration                 the same, as OpenID discovery
 *   /oauth/authorize, /token, /register, /revoke, /jwks  oidc-provider (Koa), passed the raw request
 *   /oauth/interaction/:uid[/login|/consent|/abort]    Portico's login and consent pages
 *
 * and the pieces the rest of the server needs: the access-token verifier for the authenticator
 * chain and the `WWW-Authenticate` challenge pointing clients at the metadata.
 *
 * The base URL is `server.publicUrl`, else the address the server listens on — known only once it
 * listens, so everything derived from it is resolved on first use.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Interaction, InteractionResults, Provider } from 'oidc-provider';
import { createAuthorizationServer, INTERACTION_PATH, type ClientMetadataDocumentPolicy } from '../../auth/oauth/authorization-server.js';
import { publicClientMetadataPolicy } from '../../auth/oauth/client-metadata-policy.js';
import { deriveOAuthKeys } from '../../auth/oauth/oauth-keys.js';
import { createOAuthStore } from '../../auth/oauth/oauth-store.js';
import { createOAuthTokenVerifier } from '../../auth/oauth/oauth-token-verifier.js';
import { MCP_SCOPES, SCOPE_DESCRIPTIONS } from '../../auth/oauth/scopes.js';
import { auditAuth } from '../../auth/audit/audit-events.js';
import type { IdentityService } from '../../auth/identity-service.js';
import { createMemoryLoginLimiter, type LoginLimiter } from '../../auth/login-limiter.js';
import { resourceIdentifier, serverBaseUrl } from '../../auth/resource.js';
import type { TokenVerifier } from '../../auth/token-verifier.js';
import type { FrozenConfig } from '../../config/schema.js';
import { PorticoError } from '../../core/errors.js';
import type { AuditOutcome, AuditSink } from '../../core/pipeline/audit-sink.js';
import type { Logger } from '../../logging/logger.js';
import type { Database } from '../../store/database.js';
import { oauthBearerChallenge } from './bearer-challenge.js';
import { createCsrf } from './csrf.js';
import { consentPage, errorPage, loginPage, pageCsp, redirectSources } from './interaction-pages.js';

export interface OAuthSurfaceOptions {
  config: FrozenConfig;
  identity: IdentityService;
  database: Database;
  secretKey: Buffer;
  logger: Logger;
  /** Brute-force brake shared with the other password logins (default: one of its own). */
  loginLimiter?: LoginLimiter;
  /** Where sign-ins and consents are recorded. */
  audit?: AuditSink;
  /**
   * Client ID metadata documents: the default fetches them from public https hosts only; `false`
   * turns them off; tests pass a policy with their own fetch.
   */
  clientMetadataDocuments?: ClientMetadataDocumentPolicy | false;
}

/** URLs that depend on the base URL. */
export interface OAuthEndpoints {
  /** Base URL of this server, also the issuer. */
  readonly base: string;
  readonly issuer: string;
  /** The MCP resource identifier (`<base>/mcp`), the default audience. */
  readonly mcpResource: string;
  /** The legacy SSE transport's resource (`<base>/sse`). */
  readonly sseResource: string;
  /** Every resource indicator tokens may be issued for (and audience accepted). */
  readonly resources: readonly string[];
  /** Protected resource metadata of the resource a request URL belongs to. */
  metadataUrlFor(url: string | undefined): string;
}

export interface OAuthSurface {
  /** Verifies the access tokens this server issues; add it to the authenticator chain. */
  readonly verifier: TokenVerifier;
  endpoints(): OAuthEndpoints;
}

const WELL_KNOWN_PRM = '/.well-known/oauth-protected-resource';
/** For what oidc-provider answers itself (JSON, and the form_post page whose script it hashes in). */
const PROVIDER_CSP = "default-src 'none'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'";

function isSsePath(url: string | undefined): boolean {
  const path = (url ?? '').split('?', 1)[0]!;
  return path === '/sse' || path === '/messages' || path.startsWith('/sse/') || path.startsWith('/messages/');
}

export function registerOAuth(app: FastifyInstance, options: OAuthSurfaceOptions): OAuthSurface {
  const { config, identity, logger } = options;
  const log = logger.child({ component: 'oauth' });
  const keys = deriveOAuthKeys(options.secretKey);
  const store = createOAuthStore(options.database.db, { onPurgeError: (err) => log.warn({ err }, 'could not purge expired OAuth records') });
  const csrf = createCsrf(keys.csrfKey);
  const limiter = options.loginLimiter ?? createMemoryLoginLimiter({ maxAttempts: config.auth.loginMaxAttempts, windowSeconds: config.auth.loginWindowSeconds });
  const audit = (request: FastifyRequest, input: { action: 'auth/login' | 'auth/token'; outcome: AuditOutcome; target: string; userId?: string | undefined; username?: string | undefined; details?: Record<string, unknown> }) => {
    if (!options.audit) return;
    auditAuth(options.audit, {
      action: input.action,
      outcome: input.outcome,
      target: input.target,
      principal: input.userId ? { id: `user:${input.userId}`, name: input.username ?? input.userId } : undefined,
      surface: 'ui',
      requestId: request.id,
      client: { name: `ip:${request.ip}` },
      details: { via: 'oauth', ...input.details },
    });
  };
  const cimd = options.clientMetadataDocuments === false ? undefined : (options.clientMetadataDocuments ?? publicClientMetadataPolicy());
  if (!config.server.publicUrl && ['0.0.0.0', '::', '[::]'].includes(config.server.host)) {
    log.warn({ host: config.server.host }, 'OAuth needs server.publicUrl when listening on all interfaces: its issuer and resource URLs would name an unroutable address');
  }

  let resolved: OAuthEndpoints | undefined;
  function endpoints(): OAuthEndpoints {
    if (resolved) return resolved;
    const address = app.server.address();
    const listening = typeof address === 'object' && address !== null;
    const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
    const listenUrl = `http://${host}:${listening ? address.port : config.server.port}`;
    const base = serverBaseUrl(config, listenUrl);
    const mcpResource = resourceIdentifier(config, listenUrl);
    const sseResource = `${base}/sse`;
    const value: OAuthEndpoints = Object.freeze({
      base,
      issuer: base,
      mcpResource,
      sseResource,
      resources: Object.freeze([mcpResource, sseResource, base]),
      metadataUrlFor: (url: string | undefined) => `${base}${WELL_KNOWN_PRM}${isSsePath(url) ? '/sse' : '/mcp'}`,
    });
    // Before listening on port 0 the port is unknown: resolve again next time.
    if (listening || config.server.publicUrl) resolved = value;
    return value;
  }
  const pathPrefix = () => new URL(endpoints().base).pathname.replace(/\/+$/, '');

  /**
   * oidc-provider builds the URLs it publishes (endpoints, redirects) from the request. Make them
   * the base URL's whatever Host a client used or a proxy forwarded, so they always agree with the
   * issuer and the resource metadata. (The provider trusts these headers; they are set here.)
   */
  function asPublished(req: IncomingMessage): IncomingMessage {
    const published = new URL(endpoints().base);
    req.headers['x-forwarded-proto'] = published.protocol.slice(0, -1);
    req.headers['x-forwarded-host'] = published.host;
    return req;
  }

  const verifier = createOAuthTokenVerifier({
    identity,
    kid: keys.kid,
    publicKey: keys.publicKey,
    target: () => ({ issuer: endpoints().issuer, audiences: endpoints().resources }),
    grantAlive: (grantId) => store.grantAlive(grantId),
  });

  app.decorate('bearerChallenge', oauthBearerChallenge((url) => endpoints().metadataUrlFor(url)));

  let provider: Promise<{ provider: Provider; handle: (req: IncomingMessage, res: ServerResponse) => Promise<void> }> | undefined;
  function authorizationServer() {
    provider ??= createAuthorizationServer({
      issuer: endpoints().issuer,
      pathPrefix: pathPrefix(),
      resources: endpoints().resources,
      oauth: config.oauth,
      keys,
      store,
      identity,
      logger: log,
      clientMetadataDocuments: cimd,
      renderError: (ctx, out) => {
        ctx.type = 'html';
        ctx.set('content-security-policy', pageCsp());
        ctx.body = errorPage('Authorization failed', 'The authorization request could not be completed. Return to the application and try again.', out);
      },
    }).then(
      (p) => ({ provider: p, handle: p.callback() }),
      (err: unknown) => {
        provider = undefined;
        throw err;
      },
    );
    return provider;
  }

  function answerRaw(res: ServerResponse, status: number, body: string): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': pageCsp(), 'cache-control': 'no-store' });
    res.end(body);
  }

  /** Hand the raw request to oidc-provider, optionally under another path. */
  async function passThrough(request: FastifyRequest, reply: FastifyReply, path?: string): Promise<void> {
    reply.hijack();
    const req = request.raw as IncomingMessage & { originalUrl?: string };
    try {
      const { handle } = await authorizationServer();
      if (path !== undefined) req.url = path + (req.url?.includes('?') ? req.url.slice(req.url.indexOf('?')) : '');
      // oidc-provider derives the URLs it publishes from the mount path.
      const prefix = pathPrefix();
      if (prefix) req.originalUrl = prefix + (req.url ?? '');
      // oidc-provider's own pages: the form_post response adds its inline script's hash to script-src.
      reply.raw.setHeader('content-security-policy', PROVIDER_CSP);
      await handle(asPublished(req), reply.raw);
    } catch (err) {
      log.error({ err }, 'OAuth request failed');
      answerRaw(reply.raw, 500, errorPage('Server error', 'The authorization server failed. Try again later.'));
    }
  }

  // oidc-provider reads the bodies itself: nothing in this scope may consume the stream.
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    const methods = ['GET', 'HEAD', 'POST', 'OPTIONS', 'PUT', 'DELETE'] as const;
    scope.route({ method: [...methods], url: '/oauth/*', schema: { hide: true }, handler: (request, reply) => passThrough(request, reply) });
    scope.route({ method: ['GET', 'OPTIONS'], url: '/.well-known/openid-configuration', schema: { hide: true }, handler: (request, reply) => passThrough(request, reply) });
    // RFC 8414 metadata is the OpenID discovery document (a superset) under the OAuth name.
    scope.route({
      method: ['GET', 'OPTIONS'],
      url: '/.well-known/oauth-authorization-server',
      schema: { hide: true },
      handler: (request, reply) => passThrough(request, reply, '/.well-known/openid-configuration'),
    });
  });

  // Protected resource metadata (RFC 9728): public, cacheable, readable from browsers.
  const resourceMetadata = (resource: string) => ({
    resource,
    authorization_servers: [endpoints().issuer],
    scopes_supported: [...MCP_SCOPES],
    bearer_methods_supported: ['header'],
    resource_name: 'Portico',
  });
  for (const [url, which] of [
    [WELL_KNOWN_PRM, 'mcp'],
    [`${WELL_KNOWN_PRM}/mcp`, 'mcp'],
    [`${WELL_KNOWN_PRM}/sse`, 'sse'],
  ] as const) {
    app.get(url, { schema: { hide: true } }, async (_request, reply) => {
      const e = endpoints();
      void reply.header('cache-control', 'public, max-age=300').header('access-control-allow-origin', '*');
      return resourceMetadata(which === 'sse' ? e.sseResource : e.mcpResource);
    });
  }

  // Login and consent: Portico's own pages, driven by the pending oidc-provider interaction.
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });

    const base = () => `${pathPrefix()}${INTERACTION_PATH}`;
    const form = (request: FastifyRequest) => (request.body && typeof request.body === 'object' ? (request.body as Record<string, string>) : {});

    function sendPage(reply: FastifyReply, status: number, html: string, interaction?: Interaction): FastifyReply {
      return reply
        .status(status)
        .header('content-type', 'text/html; charset=utf-8')
        .header('content-security-policy', pageCsp(redirectSources(interaction?.params.redirect_uri)))
        .header('cache-control', 'no-store')
        .send(html);
    }

    const expired = (reply: FastifyReply) =>
      sendPage(reply, 400, errorPage('Sign-in expired', 'This sign-in request is no longer valid. Return to the application and connect again.'));

    /** The pending interaction for this browser and URL, or undefined after answering. */
    async function pending(request: FastifyRequest<{ Params: { uid: string } }>, reply: FastifyReply): Promise<{ provider: Provider; interaction: Interaction } | undefined> {
      const { provider: p } = await authorizationServer();
      let interaction: Interaction;
      try {
        interaction = await p.interactionDetails(asPublished(request.raw), reply.raw);
      } catch {
        expired(reply);
        return undefined;
      }
      if (interaction.uid !== request.params.uid) {
        expired(reply);
        return undefined;
      }
      return { provider: p, interaction };
    }

    /** Same-origin check for form posts (in addition to the CSRF token and SameSite cookies). */
    function crossSite(request: FastifyRequest): boolean {
      const origin = request.headers.origin;
      if (origin === undefined || origin === 'null') return request.headers['sec-fetch-site'] === 'cross-site';
      return origin !== `${request.protocol}://${request.host}` && origin !== new URL(endpoints().base).origin;
    }

    /** End the interaction: oidc-provider redirects the browser on (to the client, eventually). */
    async function finish(request: FastifyRequest, reply: FastifyReply, p: Provider, result: InteractionResults, merge: boolean): Promise<FastifyReply> {
      reply.hijack();
      try {
        await p.interactionFinished(asPublished(request.raw), reply.raw, result, { mergeWithLastSubmission: merge });
      } catch (err) {
        log.error({ err }, 'could not finish an OAuth interaction');
        answerRaw(reply.raw, 500, errorPage('Server error', 'The sign-in could not be completed. Return to the application and try again.'));
      }
      return reply;
    }

    async function clientName(p: Provider, interaction: Interaction): Promise<string> {
      const clientId = String(interaction.params.client_id ?? '');
      const client = await p.Client.find(clientId).catch(() => undefined);
      return client?.clientName ?? clientId;
    }

    async function renderLogin(reply: FastifyReply, p: Provider, interaction: Interaction, status = 200, error?: string, username?: string) {
      const uid = interaction.uid;
      return sendPage(
        reply,
        status,
        loginPage({
          action: `${base()}/${uid}/login`,
          csrf: csrf.token(uid, 'login'),
          abortAction: `${base()}/${uid}/abort`,
          abortCsrf: csrf.token(uid, 'abort'),
          clientName: await clientName(p, interaction),
          username,
          error,
        }),
        interaction,
      );
    }

    async function renderConsent(reply: FastifyReply, p: Provider, interaction: Interaction) {
      const uid = interaction.uid;
      const accountId = interaction.session?.accountId;
      const user = accountId ? await identity.user(accountId) : undefined;
      if (!user || user.id !== accountId) return expired(reply);
      const requested = String(interaction.params.scope ?? '')
        .split(' ')
        .filter(Boolean);
      const resourceParam = interaction.params.resource;
      const resources = Array.isArray(resourceParam) ? resourceParam.map(String) : resourceParam ? [String(resourceParam)] : [endpoints().mcpResource];
      return sendPage(
        reply,
        200,
        consentPage({
          action: `${base()}/${uid}/consent`,
          csrf: csrf.token(uid, 'consent'),
          clientName: await clientName(p, interaction),
          clientId: String(interaction.params.client_id ?? ''),
          redirectUri: typeof interaction.params.redirect_uri === 'string' ? interaction.params.redirect_uri : undefined,
          username: user.username,
          scopes: requested.map((name) => ({ name, description: SCOPE_DESCRIPTIONS[name] ?? 'Access named by the application.' })),
          resources,
        }),
        interaction,
      );
    }

    type UidRequest = FastifyRequest<{ Params: { uid: string } }>;
    const route = { schema: { hide: true } } as const;

    scope.get(`${INTERACTION_PATH}/:uid`, route, async (request: UidRequest, reply) => {
      const found = await pending(request, reply);
      if (!found) return reply;
      const { provider: p, interaction } = found;
      if (interaction.prompt.name === 'login') return renderLogin(reply, p, interaction);
      if (interaction.prompt.name === 'consent') return renderConsent(reply, p, interaction);
      return sendPage(reply, 400, errorPage('Cannot continue', 'This request needs a step Portico does not offer.'), interaction);
    });

    scope.post(`${INTERACTION_PATH}/:uid/login`, route, async (request: UidRequest, reply) => {
      const found = await pending(request, reply);
      if (!found) return reply;
      const { provider: p, interaction } = found;
      const body = form(request);
      if (crossSite(request) || !csrf.valid(interaction.uid, 'login', body.csrf)) {
        return sendPage(reply, 403, errorPage('Request refused', 'The form could not be verified. Reload the sign-in page and try again.'), interaction);
      }
      if (interaction.prompt.name !== 'login') return expired(reply);
      const username = typeof body.username === 'string' ? body.username.trim().slice(0, 64) : '';
      const password = typeof body.password === 'string' ? body.password.slice(0, 1024) : '';
      const clientId = String(interaction.params.client_id ?? '');
      const attempt = { account: username, address: request.ip };
      try {
        await limiter.check(attempt);
      } catch (err) {
        if (!(err instanceof PorticoError) || err.code !== 'rate_limited') throw err;
        const wait = Math.max(1, Math.ceil(((err.details as { retryAfterMs?: number } | undefined)?.retryAfterMs ?? 1000) / 1000));
        audit(request, { action: 'auth/login', outcome: 'rate_limited', target: username, details: { clientId } });
        void reply.header('retry-after', String(wait));
        return renderLogin(reply, p, interaction, 429, `Too many failed sign-in attempts. Try again in ${wait} seconds.`, username);
      }
      const user = username && password ? await identity.verifyLogin(username, password) : undefined;
      if (!user) {
        await limiter.failed(attempt);
        audit(request, { action: 'auth/login', outcome: 'denied', target: username, details: { clientId } });
        return renderLogin(reply, p, interaction, 400, 'The username or password is not correct.', username);
      }
      await limiter.succeeded(attempt);
      audit(request, { action: 'auth/login', outcome: 'ok', target: user.username, userId: user.id, username: user.username, details: { clientId } });
      return finish(request, reply, p, { login: { accountId: user.id } }, false);
    });

    scope.post(`${INTERACTION_PATH}/:uid/consent`, route, async (request: UidRequest, reply) => {
      const found = await pending(request, reply);
      if (!found) return reply;
      const { provider: p, interaction } = found;
      const body = form(request);
      if (crossSite(request) || !csrf.valid(interaction.uid, 'consent', body.csrf)) {
        return sendPage(reply, 403, errorPage('Request refused', 'The form could not be verified. Reload the page and try again.'), interaction);
      }
      const accountId = interaction.session?.accountId;
      if (interaction.prompt.name !== 'consent' || !accountId) return expired(reply);
      const clientId = String(interaction.params.client_id ?? '');
      const scope = String(interaction.params.scope ?? '');
      if (body.decision !== 'allow') {
        audit(request, { action: 'auth/token', outcome: 'denied', target: clientId, userId: accountId, details: { consent: 'denied', scope } });
        return finish(request, reply, p, { error: 'access_denied', error_description: 'The user denied the request.' }, false);
      }
      const { details } = interaction.prompt;
      const grant = (interaction.grantId ? await p.Grant.find(interaction.grantId) : undefined) ?? new p.Grant({ accountId, clientId });
      if (details.missingOIDCScope?.length) grant.addOIDCScope(details.missingOIDCScope.join(' '));
      if (details.missingOIDCClaims?.length) grant.addOIDCClaims(details.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
      const grantId = await grant.save();
      audit(request, { action: 'auth/token', outcome: 'ok', target: clientId, userId: accountId, details: { consent: 'given', scope, grantId } });
      return finish(request, reply, p, { consent: { grantId } }, true);
    });

    scope.post(`${INTERACTION_PATH}/:uid/abort`, route, async (request: UidRequest, reply) => {
      const found = await pending(request, reply);
      if (!found) return reply;
      const { provider: p, interaction } = found;
      if (crossSite(request) || !csrf.valid(interaction.uid, 'abort', form(request).csrf)) {
        return sendPage(reply, 403, errorPage('Request refused', 'The form could not be verified. Reload the page and try again.'), interaction);
      }
      return finish(request, reply, p, { error: 'access_denied', error_description: 'The user cancelled the sign-in.' }, false);
    });
  });

  return { verifier, endpoints };
}
