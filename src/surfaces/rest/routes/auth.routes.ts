/**
 * Sessions for people and scripts: login (JSON or the OAuth2 password form), refresh with rotating
 * refresh tokens, logout, the caller's own profile, and MCP access tokens for one client.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { TokenClaims } from '../../../auth/access-tokens.js';
import { auditAuth, type AuthAuditInput } from '../../../auth/audit/audit-events.js';
import type { IdentityService } from '../../../auth/identity-service.js';
import type { SessionAuth } from '../../../auth/session-auth.js';
import type { FrozenConfig } from '../../../config/schema.js';
import { PorticoError } from '../../../core/errors.js';
import type { AuditSink } from '../../../core/pipeline/audit-sink.js';
import type { Pipeline } from '../../../core/pipeline/pipeline.js';
import { authenticateRequest, credentialsFrom } from '../../http/request-principal.js';
import { errorResponses, errorSchema } from '../error-schema.js';
import { tokenResponseSchema, toUserBody, userSchema } from '../identity-schemas.js';
import { actorOf, principalOf, userIdOf } from './identity-route-support.js';

export interface AuthRouteDeps {
  pipeline: Pipeline;
  identity: IdentityService;
  session: SessionAuth;
  auth: FrozenConfig['auth'];
  /** Where logins, refreshes, logouts and token issuance are recorded. */
  audit?: AuditSink | undefined;
}

const FORM = 'application/x-www-form-urlencoded';
const DEFAULT_MCP_TOKEN_TTL_S = 86_400;

const loginBody = z.object({
  grant_type: z.literal('password').optional().describe('OAuth2 password form: `password`'),
  username: z.string().min(1).max(320),
  password: z.string().min(1).max(1024),
});
const refreshBody = z.object({
  grant_type: z.literal('refresh_token').optional().describe('OAuth2 form: `refresh_token`'),
  refresh_token: z.string().min(1).max(512),
});
const meSchema = userSchema.extend({ permissions: z.array(z.string()).describe('Permissions of your role') }).meta({ id: 'Me' });
const mcpTokenSchema = z
  .object({
    access_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int(),
    client_id: z.string(),
    audience: z.string().describe('The resource the token is bound to'),
    scope: z.string().optional(),
  })
  .meta({ id: 'McpToken' });

/** Token responses must not be cached by anything in between (RFC 6749 §5.1). */
function noStore(reply: FastifyReply): void {
  void reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
}

/** A Fastify plugin: its form parser stays scoped to these routes. */
export async function authRoutes(app: FastifyInstance, deps: AuthRouteDeps): Promise<void> {
  const { identity, session } = deps;
  const authenticated = authenticateRequest(deps.pipeline);
  app.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit: 16_384 }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(typeof body === 'string' ? body : body.toString('utf8'))));
  });
  const api = app.withTypeProvider<ZodTypeProvider>();

  async function startSession(userId: string, familyId?: string) {
    const refresh = familyId ? await session.refreshTokens.issue(userId, familyId) : await session.refreshTokens.issue(userId);
    const access = await session.accessTokens.mint({ userId, typ: 'access', ttlSeconds: deps.auth.accessTokenTtlSeconds, sessionId: refresh.familyId });
    return { access_token: access.token, token_type: 'Bearer' as const, expires_in: access.expiresIn, refresh_token: refresh.token };
  }

  /** Claims of the login access token the request authenticated with (not an API key, not an MCP token). */
  async function loginClaims(request: FastifyRequest): Promise<TokenClaims | undefined> {
    const { bearer, apiKey } = credentialsFrom(request.headers);
    if (apiKey !== undefined || bearer === undefined || !session.accessTokens.claimsToBeOurs(bearer)) return undefined;
    const claims = await session.accessTokens.verify(bearer);
    return claims.typ === 'access' ? claims : undefined;
  }

  function record(request: FastifyRequest, input: Pick<AuthAuditInput, 'action' | 'outcome' | 'target' | 'principal' | 'errorCode' | 'details'>): void {
    if (deps.audit) auditAuth(deps.audit, { ...input, surface: 'rest', requestId: request.id, client: { name: `ip:${request.ip}` } });
  }

  /** Run a session step, recording its failure (a refused password, a spent refresh token, a throttled login). */
  async function audited<T>(request: FastifyRequest, action: AuthAuditInput['action'], target: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (err instanceof PorticoError) {
        const outcome = err.code === 'rate_limited' ? 'rate_limited' : err.code === 'unauthenticated' || err.code === 'forbidden' ? 'denied' : 'invalid';
        record(request, { action, outcome, target, errorCode: err.code, details: { reason: err.message } });
      }
      throw err;
    }
  }

  function ownUserId(request: FastifyRequest): string {
    const id = userIdOf(principalOf(request));
    if (!id) throw new PorticoError('not_found', 'This credential does not belong to a user.');
    return id;
  }

  api.post(
    '/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Log in with a username and password',
        description: `JSON, or the OAuth2 password form (\`${FORM}\`, grant_type=password). Repeated failures per account or address are answered with 429 and Retry-After.`,
        consumes: ['application/json', FORM],
        body: loginBody,
        response: { 200: tokenResponseSchema, ...errorResponses, 415: errorSchema },
      },
    },
    async (request, reply) => {
      const attempt = { account: request.body.username, address: request.ip };
      const user = await audited(request, 'auth/login', request.body.username, async () => {
        await session.loginLimiter.check(attempt);
        const found = await identity.verifyLogin(request.body.username, request.body.password);
        if (!found) {
          await session.loginLimiter.failed(attempt);
          throw new PorticoError('unauthenticated', 'Wrong username or password.');
        }
        return found;
      });
      await session.loginLimiter.succeeded(attempt);
      const tokens = await startSession(user.id);
      record(request, { action: 'auth/login', outcome: 'ok', target: user.username, principal: { id: `user:${user.id}`, name: user.username } });
      noStore(reply);
      return tokens;
    },
  );

  api.post(
    '/auth/refresh',
    {
      schema: {
        tags: ['auth'],
        summary: 'Exchange a refresh token for new tokens',
        description: 'The refresh token is spent; use the new one next time. Presenting a spent one again revokes the whole session.',
        consumes: ['application/json', FORM],
        body: refreshBody,
        response: { 200: tokenResponseSchema, ...errorResponses, 415: errorSchema },
      },
    },
    async (request, reply) => {
      const { next, principal } = await audited(request, 'auth/refresh', 'refresh-token', async () => {
        const rotated = await session.refreshTokens.rotate(request.body.refresh_token);
        try {
          return { next: rotated, principal: await identity.principalForUser(rotated.userId) };
        } catch (err) {
          // Deactivated or deleted since login: the session ends here.
          await session.refreshTokens.revokeFamily(rotated.familyId);
          throw err;
        }
      });
      record(request, { action: 'auth/refresh', outcome: 'ok', target: `session:${next.familyId}`, principal });
      const access = await session.accessTokens.mint({ userId: next.userId, typ: 'access', ttlSeconds: deps.auth.accessTokenTtlSeconds, sessionId: next.familyId });
      noStore(reply);
      return { access_token: access.token, token_type: 'Bearer' as const, expires_in: access.expiresIn, refresh_token: next.token };
    },
  );

  api.post(
    '/auth/logout',
    {
      onRequest: authenticated,
      schema: {
        tags: ['auth'],
        summary: 'End the session of this access token (and of a given refresh token)',
        // Fastify hands a missing body over as null.
        body: z.object({ refresh_token: z.string().min(1).max(512).optional() }).nullish(),
        response: { 204: z.undefined(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const families = new Set<string>();
      const claims = await loginClaims(request);
      if (claims?.sid) families.add(claims.sid);
      const refresh = request.body?.refresh_token;
      if (refresh) {
        const owner = await session.refreshTokens.familyOf(refresh);
        // Someone else's token is not yours to revoke; say nothing about it.
        if (owner && owner.userId === userIdOf(principalOf(request))) families.add(owner.familyId);
      }
      if (!families.size) throw new PorticoError('bad_request', 'Nothing to log out: authenticate with the access token from login, or send your refresh_token.');
      for (const family of families) {
        await session.refreshTokens.revokeFamily(family);
        record(request, { action: 'auth/logout', outcome: 'ok', target: `session:${family}`, principal: principalOf(request) });
      }
      return reply.status(204).send();
    },
  );

  api.get(
    '/auth/me',
    { onRequest: authenticated, schema: { tags: ['auth'], summary: 'Your account', response: { 200: meSchema, ...errorResponses } } },
    async (request) => {
      const user = await identity.user(ownUserId(request));
      if (!user) throw new PorticoError('not_found', 'No such user.');
      const role = (await identity.roles()).find((r) => r.name === user.role);
      return { ...toUserBody(user), permissions: role?.permissions ?? [] };
    },
  );

  api.patch(
    '/auth/me',
    {
      onRequest: authenticated,
      schema: {
        tags: ['auth'],
        summary: 'Change your e-mail, name or password',
        description: 'A new password needs `current_password`; it ends your other sessions. Your role is not yours to change (403).',
        body: z.strictObject({
          email: z.string().max(320).nullable().optional(),
          full_name: z.string().max(200).nullable().optional(),
          password: z.string().min(1).max(1024).optional(),
          current_password: z.string().max(1024).optional(),
          role: z.string().optional().describe('Only accepted unchanged'),
        }),
        response: { 200: userSchema, ...errorResponses, 409: errorSchema },
      },
    },
    async (request) => {
      const id = ownUserId(request);
      const body = request.body;
      const current = await identity.user(id);
      if (!current) throw new PorticoError('not_found', 'No such user.');
      if (body.role !== undefined && body.role !== current.role) throw new PorticoError('forbidden', 'You cannot change your own role.');
      if (body.password !== undefined) {
        if (!body.current_password) throw new PorticoError('validation_failed', 'Changing the password needs current_password.');
        // The same limiter as login: a stolen access token must not become a password oracle.
        const attempt = { account: current.username, address: request.ip };
        await session.loginLimiter.check(attempt);
        if (!(await identity.verifyLogin(current.username, body.current_password))) {
          await session.loginLimiter.failed(attempt);
          throw new PorticoError('forbidden', 'The current password is wrong.');
        }
        await session.loginLimiter.succeeded(attempt);
      }
      const updated = await identity.updateUser(id, { email: body.email, fullName: body.full_name, password: body.password }, actorOf(request));
      if (body.password !== undefined) await session.refreshTokens.revokeUser(id, (await loginClaims(request))?.sid);
      return toUserBody(updated);
    },
  );

  api.post(
    '/auth/mcp-token',
    {
      onRequest: authenticated,
      schema: {
        tags: ['auth'],
        summary: 'Mint an MCP access token for one client',
        description:
          'Needs a login session (the access token from /auth/login). The token acts as you, narrowed by `scopes` if given, for `ttl_seconds` ' +
          '(default one day, capped by auth.mcpTokenMaxTtlSeconds), and only at this server.',
        body: z.strictObject({
          client_id: z
            .string()
            .min(1)
            .max(200)
            .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces'),
          ttl_seconds: z.number().int().min(60).optional(),
          scopes: z.array(z.string().min(1).max(300).regex(/^\S+$/, 'no spaces')).min(1).max(100).optional(),
        }),
        response: { 200: mcpTokenSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const claims = await loginClaims(request);
      if (!claims) throw new PorticoError('forbidden', 'MCP tokens are minted with a login session: use the access token from /api/v1/auth/login.');
      const max = deps.auth.mcpTokenMaxTtlSeconds;
      const ttl = Math.min(request.body.ttl_seconds ?? Math.min(DEFAULT_MCP_TOKEN_TTL_S, max), max);
      const scope = request.body.scopes?.join(' ');
      const minted = await session.accessTokens.mint({ userId: claims.sub, typ: 'mcp', ttlSeconds: ttl, clientId: request.body.client_id, scope });
      record(request, { action: 'auth/token', outcome: 'ok', target: `mcp-client:${request.body.client_id}`, principal: principalOf(request), details: { typ: 'mcp', ttl, ...(scope ? { scope } : {}) } });
      noStore(reply);
      return {
        access_token: minted.token,
        token_type: 'Bearer' as const,
        expires_in: minted.expiresIn,
        client_id: request.body.client_id,
        audience: session.accessTokens.audience(),
        ...(scope ? { scope } : {}),
      };
    },
  );
}
