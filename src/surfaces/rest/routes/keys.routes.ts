/**
 * /api/v1/keys: API keys. Everyone sees and revokes their own; holders of `keys:manage` see and
 * revoke all. A new key is yours, with your role (narrowed by scopes if given); only an admin makes
 * keys for someone else or keys with no owner. The secret is in the create response and nowhere else.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { IdentityService } from '../../../auth/identity-service.js';
import { PorticoError } from '../../../core/errors.js';
import type { Pipeline } from '../../../core/pipeline/pipeline.js';
import { authenticateRequest } from '../../http/request-principal.js';
import { errorResponses } from '../error-schema.js';
import { apiKeySchema, toKeyBody } from '../identity-schemas.js';
import { actorOf, allows, principalOf, userIdOf } from './identity-route-support.js';

export interface KeyRouteDeps {
  pipeline: Pipeline;
  identity: IdentityService;
}

const MANAGE = 'keys:manage';
const OWN = 'keys:own';

const createdKeySchema = apiKeySchema.extend({ secret: z.string().describe('Shown only in this response; store it now') }).meta({ id: 'CreatedApiKey' });

export async function keyRoutes(app: FastifyInstance, deps: KeyRouteDeps): Promise<void> {
  const { identity } = deps;
  app.addHook('onRequest', authenticateRequest(deps.pipeline));
  const api = app.withTypeProvider<ZodTypeProvider>();
  const isAdmin = (request: FastifyRequest) => allows(request, 'admin');

  api.get(
    '/keys',
    {
      schema: {
        tags: ['keys'],
        summary: 'List API keys: your own, or all with keys:manage',
        querystring: z.object({ user_id: z.string().min(1).max(100).optional().describe('keys:manage only: keys of one user') }),
        response: { 200: z.object({ items: z.array(apiKeySchema) }).meta({ id: 'ApiKeyList' }), ...errorResponses },
      },
    },
    async (request) => {
      const self = userIdOf(principalOf(request));
      if (allows(request, MANAGE)) {
        const userId = request.query.user_id;
        return { items: (await identity.keys(userId ? { userId } : {})).map(toKeyBody) };
      }
      if (request.query.user_id !== undefined && request.query.user_id !== self) throw new PorticoError('forbidden', `Listing other users' keys needs "${MANAGE}".`);
      return { items: self ? (await identity.keys({ userId: self })).map(toKeyBody) : [] };
    },
  );

  api.post(
    '/keys',
    {
      schema: {
        tags: ['keys'],
        summary: 'Create an API key (the secret is shown once)',
        body: z.strictObject({
          name: z.string().min(1).max(100),
          role: z.string().min(1).max(64).optional().describe('Default: the owner’s role. Only an admin may choose another.'),
          scopes: z.array(z.string().min(1).max(300)).min(1).max(100).optional().describe('Permission patterns narrowing the role'),
          expires_at: z.iso.datetime({ offset: true }).optional(),
          user_id: z.string().min(1).max(100).nullable().optional().describe('Admin only: another owner, or null for a key with no owner'),
        }),
        response: { 201: createdKeySchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const self = userIdOf(principalOf(request));
      const owner = body.user_id === undefined ? self : body.user_id;
      if (owner !== self || owner === undefined) {
        if (!isAdmin(request)) throw new PorticoError('forbidden', 'Only an admin creates keys for another user or with no owner.');
      } else if (!allows(request, OWN) && !allows(request, MANAGE)) {
        throw new PorticoError('forbidden', `Creating API keys needs "${OWN}".`);
      }
      let role = body.role;
      if (owner) {
        const user = await identity.user(owner);
        if (!user || user.id !== owner) throw new PorticoError('not_found', 'No such user.');
        // A key never outranks its owner anyway (their permissions cap it); refusing says so plainly.
        if (role !== undefined && role !== user.role && !isAdmin(request)) throw new PorticoError('forbidden', 'Your keys carry your role; narrow them with scopes.');
        role ??= user.role;
      }
      if (!role) throw new PorticoError('validation_failed', 'A key with no owner needs a role.');
      const { key, secret } = await identity.createKey({ name: body.name, role, userId: owner ?? null, scopes: body.scopes ?? null, expiresAt: body.expires_at ?? null }, actorOf(request));
      return reply.status(201).send({ ...toKeyBody(key), secret });
    },
  );

  api.delete(
    '/keys/:id',
    {
      schema: { tags: ['keys'], summary: 'Revoke an API key (yours, or any with keys:manage)', params: z.object({ id: z.string().min(1).max(100) }), response: { 204: z.undefined(), ...errorResponses } },
    },
    async (request, reply) => {
      const key = await identity.key(request.params.id);
      const mine = key !== undefined && key.userId !== null && key.userId === userIdOf(principalOf(request));
      // Someone else's key is "not found", not "forbidden": ids are not for probing.
      if (!key || (!mine && !allows(request, MANAGE))) throw new PorticoError('not_found', 'No such key.');
      await identity.revokeKey(key.id, actorOf(request));
      return reply.status(204).send();
    },
  );
}
