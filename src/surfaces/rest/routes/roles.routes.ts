/**
 * /api/v1/roles: roles and their permission patterns. Anyone authenticated may read them (the UI
 * needs them to explain what a key or account can do); changing them needs `roles:manage`, and
 * nobody writes a role that grants more than they hold.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { IdentityService } from '../../../auth/identity-service.js';
import { PorticoError } from '../../../core/errors.js';
import type { Pipeline } from '../../../core/pipeline/pipeline.js';
import { authenticateRequest } from '../../http/request-principal.js';
import { errorResponses, errorSchema } from '../error-schema.js';
import { roleSchema, toRoleBody } from '../identity-schemas.js';
import { actorOf, holdsAll, principalOf, requirePermission } from './identity-route-support.js';

export interface RoleRouteDeps {
  pipeline: Pipeline;
  identity: IdentityService;
}

const MANAGE = 'roles:manage';
const nameParams = z.object({ name: z.string().min(1).max(64) });
const permissions = z.array(z.string().min(1).max(300)).max(500);
const withConflict = { ...errorResponses, 409: errorSchema } as const;

export async function roleRoutes(app: FastifyInstance, deps: RoleRouteDeps): Promise<void> {
  const { identity } = deps;
  app.addHook('onRequest', authenticateRequest(deps.pipeline));
  const api = app.withTypeProvider<ZodTypeProvider>();

  async function findRole(name: string) {
    return (await identity.roles()).find((r) => r.name === name);
  }

  function mayWrite(request: FastifyRequest, grants: readonly string[]): void {
    requirePermission(request, MANAGE);
    if (!holdsAll(principalOf(request), grants)) throw new PorticoError('forbidden', 'A role cannot grant permissions you do not hold.');
  }

  api.get(
    '/roles',
    { schema: { tags: ['roles'], summary: 'List roles', response: { 200: z.object({ items: z.array(roleSchema) }).meta({ id: 'RoleList' }), ...errorResponses } } },
    async () => ({ items: (await identity.roles()).map(toRoleBody) }),
  );

  api.post(
    '/roles',
    {
      schema: {
        tags: ['roles'],
        summary: 'Create a role',
        body: z.strictObject({ name: z.string().min(1).max(64), description: z.string().max(500).optional(), permissions }),
        response: { 201: roleSchema, ...withConflict },
      },
    },
    async (request, reply) => {
      mayWrite(request, request.body.permissions);
      if (await findRole(request.body.name)) throw new PorticoError('conflict', `Role "${request.body.name}" already exists.`);
      const role = await identity.saveRole(request.body, actorOf(request));
      return reply.status(201).send(toRoleBody(role));
    },
  );

  api.put(
    '/roles/:name',
    {
      schema: {
        tags: ['roles'],
        summary: 'Replace the permissions (and description) of a role',
        params: nameParams,
        body: z.strictObject({ description: z.string().max(500).optional(), permissions }),
        response: { 200: roleSchema, ...withConflict },
      },
    },
    async (request) => {
      const existing = await findRole(request.params.name);
      if (!existing) throw new PorticoError('not_found', `Unknown role "${request.params.name}".`);
      // Both what the role grants now and what it will grant: editing down a stronger role is also power over it.
      mayWrite(request, [...existing.permissions, ...request.body.permissions]);
      return toRoleBody(await identity.saveRole({ name: existing.name, ...request.body }, actorOf(request)));
    },
  );

  api.delete(
    '/roles/:name',
    { schema: { tags: ['roles'], summary: 'Delete a custom role no one holds', params: nameParams, response: { 204: z.undefined(), ...withConflict } } },
    async (request, reply) => {
      const existing = await findRole(request.params.name);
      if (!existing) throw new PorticoError('not_found', `Unknown role "${request.params.name}".`);
      mayWrite(request, existing.permissions);
      await identity.deleteRole(existing.name, actorOf(request));
      return reply.status(204).send();
    },
  );
}
