/**
 * /api/v1/users: accounts, for holders of `users:manage`. The identity service enforces the
 * account rules (the last active admin stays, nobody changes their own role or deactivates
 * themselves); this layer adds that a manager can neither assign nor touch a role with more power
 * than their own.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { IdentityService, User } from '../../../auth/identity-service.js';
import { PorticoError } from '../../../core/errors.js';
import type { Pipeline } from '../../../core/pipeline/pipeline.js';
import { authenticateRequest } from '../../http/request-principal.js';
import { errorResponses, errorSchema } from '../error-schema.js';
import { pageQuery, toUserBody, userSchema } from '../identity-schemas.js';
import { actorOf, holdsAll, principalOf, requirePermission } from './identity-route-support.js';

export interface UserRouteDeps {
  pipeline: Pipeline;
  identity: IdentityService;
}

const MANAGE = 'users:manage';
const idParams = z.object({ id: z.string().min(1).max(100) });
const withConflict = { ...errorResponses, 409: errorSchema } as const;

export async function userRoutes(app: FastifyInstance, deps: UserRouteDeps): Promise<void> {
  const { identity } = deps;
  app.addHook('onRequest', authenticateRequest(deps.pipeline));
  app.addHook('preHandler', async (request) => requirePermission(request, MANAGE));
  const api = app.withTypeProvider<ZodTypeProvider>();

  /** Refuse handing out (or acting on holders of) a role whose permissions the caller lacks. */
  async function mayWield(request: FastifyRequest, role: string): Promise<void> {
    const found = (await identity.roles()).find((r) => r.name === role);
    if (!found) throw new PorticoError('validation_failed', `Unknown role "${role}".`, { details: { role } });
    if (!holdsAll(principalOf(request), found.permissions)) throw new PorticoError('forbidden', `You cannot manage accounts with the role "${role}": it grants more than yours.`);
  }

  async function existing(id: string): Promise<User> {
    const user = await identity.user(id);
    // Look-ups are by id here; a username in the path would make ids and names ambiguous.
    if (!user || user.id !== id) throw new PorticoError('not_found', 'No such user.');
    return user;
  }

  api.get(
    '/users',
    {
      schema: {
        tags: ['users'],
        summary: 'List users',
        querystring: z.object({ search: z.string().max(100).optional().describe('Part of a username, e-mail or name'), ...pageQuery }),
        response: {
          200: z.object({ items: z.array(userSchema), limit: z.number().int(), offset: z.number().int(), has_more: z.boolean() }).meta({ id: 'UserPage' }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { search, limit, offset } = request.query;
      // One extra row tells whether another page exists without counting the table.
      const rows = await identity.users({ limit: limit + 1, offset, ...(search ? { search } : {}) });
      return { items: rows.slice(0, limit).map(toUserBody), limit, offset, has_more: rows.length > limit };
    },
  );

  api.post(
    '/users',
    {
      schema: {
        tags: ['users'],
        summary: 'Create a user',
        description: 'Without a password the account cannot log in (it may still own API keys).',
        body: z.strictObject({
          username: z.string().min(1).max(64),
          password: z.string().min(1).max(1024).optional(),
          email: z.string().max(320).nullable().optional(),
          full_name: z.string().max(200).nullable().optional(),
          role: z.string().min(1).max(64).default('user'),
        }),
        response: { 201: userSchema, ...withConflict },
      },
    },
    async (request, reply) => {
      const body = request.body;
      await mayWield(request, body.role);
      const user = await identity.createUser({ username: body.username, password: body.password, email: body.email, fullName: body.full_name, role: body.role }, actorOf(request));
      return reply.status(201).send(toUserBody(user));
    },
  );

  api.get('/users/:id', { schema: { tags: ['users'], summary: 'One user', params: idParams, response: { 200: userSchema, ...errorResponses } } }, async (request) =>
    toUserBody(await existing(request.params.id)),
  );

  api.patch(
    '/users/:id',
    {
      schema: {
        tags: ['users'],
        summary: 'Change a user (e-mail, name, role, active flag, password)',
        description: 'Deactivate with `is_active: false`. The last active admin cannot be demoted or deactivated (409); nobody changes their own role (403).',
        params: idParams,
        body: z.strictObject({
          email: z.string().max(320).nullable().optional(),
          full_name: z.string().max(200).nullable().optional(),
          role: z.string().min(1).max(64).optional(),
          is_active: z.boolean().optional(),
          password: z.string().min(1).max(1024).optional(),
        }),
        response: { 200: userSchema, ...withConflict },
      },
    },
    async (request) => {
      const current = await existing(request.params.id);
      await mayWield(request, current.role);
      const body = request.body;
      if (body.role !== undefined) await mayWield(request, body.role);
      const user = await identity.updateUser(
        current.id,
        { email: body.email, fullName: body.full_name, role: body.role, isActive: body.is_active, password: body.password },
        actorOf(request),
      );
      return toUserBody(user);
    },
  );

  api.delete(
    '/users/:id',
    { schema: { tags: ['users'], summary: 'Delete a user (and their API keys)', params: idParams, response: { 204: z.undefined(), ...withConflict } } },
    async (request, reply) => {
      const current = await existing(request.params.id);
      await mayWield(request, current.role);
      await identity.deleteUser(current.id, actorOf(request));
      return reply.status(204).send();
    },
  );
}
