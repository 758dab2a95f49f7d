/**
 * /api/v1/ai-configurations: the model APIs `generate` may call. Managing them needs `ai:manage`
 * (admins). The API key is accepted on create and update and never returned: responses say only
 * `has_api_key`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditAdmin } from '../../../auth/audit/audit-events.js';
import { PorticoError } from '../../../core/errors.js';
import type { AuditSink } from '../../../core/pipeline/audit-sink.js';
import type { Pipeline } from '../../../core/pipeline/pipeline.js';
import {
  AI_CONFIGURATION_NAME,
  aiConfigurationCreateSchema,
  aiConfigurationPatchSchema,
  aiConfigurationViewSchema,
} from '../../../providers/prompts/generation/ai-configuration.js';
import type { GenerationService } from '../../../providers/prompts/generation/generation-service.js';
import { authenticateRequest } from '../../http/request-principal.js';
import { errorResponses, errorSchema } from '../error-schema.js';
import { principalOf, requirePermission } from './identity-route-support.js';

export interface AiConfigurationRouteDeps {
  pipeline: Pipeline;
  generation: GenerationService;
  /** Changes are audited: which configuration, which fields — never the key itself. */
  audit?: AuditSink | undefined;
}

export const AI_MANAGE = 'ai:manage';

const nameParams = z.object({ name: z.string().regex(AI_CONFIGURATION_NAME, 'an AI configuration name') });
const withConflict = { ...errorResponses, 409: errorSchema } as const;

export async function aiConfigurationRoutes(app: FastifyInstance, deps: AiConfigurationRouteDeps): Promise<void> {
  const { generation } = deps;
  app.addHook('onRequest', authenticateRequest(deps.pipeline));
  app.addHook('preHandler', async (request) => requirePermission(request, AI_MANAGE));
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['ai'];
  const record = (request: FastifyRequest, name: string, operation: string, details: Record<string, unknown>) => {
    if (deps.audit) auditAdmin(deps.audit, { action: 'admin/ai-configurations', target: name, operation, actor: { principal: principalOf(request), surface: 'rest', requestId: request.id }, details });
  };
  /** The names of the fields a body set (the key's name, never its value). */
  const fieldsOf = (body: object) => Object.keys(body).filter((k) => k !== 'name');

  api.get(
    '/ai-configurations',
    {
      schema: {
        tags,
        summary: 'List AI configurations (in fallback order; keys are never shown)',
        response: { 200: z.object({ items: z.array(aiConfigurationViewSchema) }).meta({ id: 'AiConfigurationList' }), ...errorResponses },
      },
    },
    async () => {
      const items = await generation.listConfigurations();
      items.sort((a, b) => (a.fallback_order ?? Number.MAX_SAFE_INTEGER) - (b.fallback_order ?? Number.MAX_SAFE_INTEGER) || a.name.localeCompare(b.name));
      return { items };
    },
  );

  api.post(
    '/ai-configurations',
    { schema: { tags, summary: 'Create an AI configuration (the API key is stored encrypted)', body: aiConfigurationCreateSchema, response: { 201: aiConfigurationViewSchema, ...withConflict } } },
    async (request, reply) => {
      const created = await generation.createConfiguration(request.body, principalOf(request).id);
      record(request, created.name, 'create', { provider: created.provider, model: created.model, fields: fieldsOf(request.body) });
      return reply.status(201).send(created);
    },
  );

  api.get(
    '/ai-configurations/:name',
    { schema: { tags, summary: 'One AI configuration', params: nameParams, response: { 200: aiConfigurationViewSchema, ...errorResponses } } },
    async (request) => {
      const found = await generation.getConfiguration(request.params.name);
      if (!found) throw new PorticoError('not_found', `No AI configuration named ${request.params.name}.`);
      return found;
    },
  );

  api.put(
    '/ai-configurations/:name',
    {
      schema: {
        tags,
        summary: 'Change an AI configuration (omitted fields keep their value; `api_key: null` removes the key)',
        params: nameParams,
        body: aiConfigurationPatchSchema,
        response: { 200: aiConfigurationViewSchema, ...withConflict },
      },
    },
    async (request) => {
      const updated = await generation.updateConfiguration(request.params.name, request.body);
      record(request, updated.name, 'update', { fields: fieldsOf(request.body) });
      return updated;
    },
  );

  api.delete(
    '/ai-configurations/:name',
    { schema: { tags, summary: 'Delete an AI configuration (its stored generations stay)', params: nameParams, response: { 204: z.undefined(), ...errorResponses } } },
    async (request, reply) => {
      if (!(await generation.deleteConfiguration(request.params.name))) throw new PorticoError('not_found', `No AI configuration named ${request.params.name}.`);
      record(request, request.params.name, 'delete', {});
      return reply.status(204).send();
    },
  );
}
