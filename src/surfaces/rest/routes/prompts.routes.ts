/**
 * /api/v1/prompts: the prompt library (seed 001) — templates, versions, rendering, categories,
 * import/export — and /api/v1/stats (usage). Reading a template, its versions or rendering it needs
 * `prompts:get:{name}` (the permission of the MCP prompt; a template you may not get is a 404);
 * changing the library, importing and reading usage statistics need `prompts:manage`. Rendering
 * the current version goes through the pipeline as `prompts/get` does (rate limits, audit, metrics).
 * The MCP mirror of prompts (any provider's, through the pipeline) stays at /api/v1/mcp/prompts.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditAdmin } from '../../../auth/audit/audit-events.js';
import { PorticoError } from '../../../core/errors.js';
import type { AuditSink } from '../../../core/pipeline/audit-sink.js';
import { permissionFor } from '../../../core/identity/permissions.js';
import type { Pipeline } from '../../../core/pipeline/pipeline.js';
import { parseLibraryText, serialiseLibrary } from '../../../providers/prompts/library-document.js';
import type { PromptContent, PromptLibrary, PromptTemplate, PromptTemplateVersion, RenderedPrompt } from '../../../providers/prompts/prompt-library.js';
import { PROMPTS_SOURCE, RENDER_META } from '../../../providers/prompts/prompt-entries.js';
import { MANAGE_PROMPTS, categoriesVisibleTo } from '../../../providers/prompts/prompt-tools.js';
import { argumentSpecSchema, templateInputSchema, templateNameSchema, templatePatchSchema } from '../../../providers/prompts/template-schema.js';
import { authenticateRequest, scopeOf } from '../../http/request-principal.js';
import { errorResponses, errorSchema } from '../error-schema.js';
import { pageQuery } from '../identity-schemas.js';
import { allows, principalOf, requirePermission } from './identity-route-support.js';
import { disconnectSignal, settled } from './mcp-route-support.js';

/**
 * Extra sections of GET /stats from other areas. The generation engineer plugs generations by
 * configuration (latency, tokens) in here; the result is returned under its key.
 */
export type StatsContributor = (query: { since: string }) => Promise<unknown>;

export interface PromptRouteDeps {
  pipeline: Pipeline;
  library: PromptLibrary;
  /** Changes to the library are recorded here as `admin/prompts` events. */
  audit?: AuditSink | undefined;
  /** E.g. `{ generations: … }` — see StatsContributor. */
  statsContributors?: Readonly<Record<string, StatsContributor>> | undefined;
}

const nameParams = z.object({ name: templateNameSchema });
const versionParams = z.object({ name: templateNameSchema, version: z.coerce.number().int().min(1) });
const withConflict = { ...errorResponses, 409: errorSchema } as const;
const withRender = { ...errorResponses, 422: errorSchema } as const;
const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'];

const templateSchema = z
  .object({
    name: z.string(),
    title: z.string().nullable(),
    description: z.string().nullable(),
    category: z.string().nullable(),
    tags: z.array(z.string()),
    arguments: z.array(argumentSpecSchema),
    body: z.string(),
    version: z.number().int(),
    created_by: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'PromptTemplate' });

const versionSchema = z
  .object({
    name: z.string(),
    version: z.number().int(),
    title: z.string().nullable(),
    description: z.string().nullable(),
    category: z.string().nullable(),
    tags: z.array(z.string()),
    arguments: z.array(argumentSpecSchema),
    body: z.string(),
    created_by: z.string(),
    created_at: z.string(),
    restored_from: z.number().int().nullable(),
  })
  .meta({ id: 'PromptTemplateVersion' });

const renderedSchema = z
  .object({ text: z.string(), template: z.string(), version: z.number().int(), arguments: z.record(z.string(), z.string()) })
  .meta({ id: 'RenderedPrompt' });

const statsSchema = z
  .object({
    since: z.string(),
    prompts: z.object({
      total: z.number().int(),
      by_template: z.array(z.object({ template: z.string(), count: z.number().int(), average_duration_ms: z.number(), last_used_at: z.string() })),
      by_day: z.array(z.object({ day: z.string(), count: z.number().int() })),
      by_principal: z.array(z.object({ principal_id: z.string(), count: z.number().int() })),
    }),
  })
  .catchall(z.unknown())
  .meta({ id: 'UsageStats' });

/** The content fields both shapes share, as the REST API spells them. */
function contentBody(c: PromptContent) {
  return { title: c.title, description: c.description, category: c.category, tags: [...c.tags], arguments: c.arguments.map((a) => ({ ...a })), body: c.body };
}

function toTemplateBody(t: PromptTemplate) {
  return { name: t.name, ...contentBody(t), version: t.version, created_by: t.createdBy, created_at: t.createdAt, updated_at: t.updatedAt };
}

function toVersionBody(v: PromptTemplateVersion) {
  return { name: v.name, version: v.version, ...contentBody(v), created_by: v.createdBy, created_at: v.createdAt, restored_from: v.restoredFrom };
}

const toRenderedBody = (r: RenderedPrompt) => ({ text: r.text, template: r.templateName, version: r.version, arguments: { ...r.arguments } });

export async function promptRoutes(app: FastifyInstance, deps: PromptRouteDeps): Promise<void> {
  const { library } = deps;
  app.addHook('onRequest', authenticateRequest(deps.pipeline));
  // Import accepts YAML as well as JSON (parsed as text here, checked by the library).
  app.addContentTypeParser(YAML_TYPES, { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseLibraryText(typeof body === 'string' ? body : body.toString('utf8'), 'yaml'));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  const api = app.withTypeProvider<ZodTypeProvider>();

  const mayGet = (request: FastifyRequest, name: string) => allows(request, permissionFor.prompt(name));
  /** A template the caller may get, or the same 404 as a template that does not exist. */
  async function visible(request: FastifyRequest, name: string): Promise<PromptTemplate> {
    const template = mayGet(request, name) ? await library.get(name) : undefined;
    if (!template) throw new PorticoError('not_found', `No prompt template named "${name}".`, { details: { name } });
    return template;
  }
  const manage = async (request: FastifyRequest) => requirePermission(request, MANAGE_PROMPTS);

  /**
   * The current version of a template this library serves as an MCP prompt renders through the
   * pipeline, like `prompts/get` (rate limits, audit, usage); an older version, or a template whose
   * name a code prompt holds, renders through the library directly (usage is recorded either way).
   */
  async function render(request: FastifyRequest, reply: FastifyReply, name: string, args: Readonly<Record<string, unknown>>, version: number | undefined) {
    await visible(request, name);
    if (version === undefined && deps.pipeline.catalog.prompt(name)?.entry.source === PROMPTS_SOURCE) {
      const given = Object.fromEntries(Object.entries(args).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
      const result = settled(await deps.pipeline.getPrompt(scopeOf(request, 'rest'), name, given, { signal: disconnectSignal(reply) }), `Prompt ${name}`);
      const meta = result._meta?.[RENDER_META] as { version: number; arguments: Record<string, string> } | undefined;
      const first = result.messages[0]?.content;
      if (!meta || !first || first.type !== 'text') throw new PorticoError('internal_error', `Prompt ${name} did not render as text.`);
      return { text: first.text, template: name, version: meta.version, arguments: meta.arguments };
    }
    return toRenderedBody(await library.render(name, args, { version, principalId: by(request), surface: 'rest' }));
  }
  const by = (request: FastifyRequest) => principalOf(request).id;
  /** Record a change of the library in the audit trail (MCP tool calls are recorded by the pipeline). */
  const audited = (request: FastifyRequest, target: string, operation: string, details?: Record<string, unknown>) => {
    if (deps.audit) auditAdmin(deps.audit, { action: 'admin/prompts', target, operation, actor: { principal: principalOf(request), surface: 'rest', requestId: request.id }, details });
  };

  api.get(
    '/prompts',
    {
      schema: {
        tags: ['prompts'],
        summary: 'List prompt templates',
        querystring: z.object({
          category: z.string().max(100).optional(),
          tag: z.string().max(50).optional(),
          search: z.string().max(100).optional().describe('Part of a name, title or description'),
          ...pageQuery,
        }),
        response: { 200: z.object({ items: z.array(templateSchema), limit: z.number().int(), offset: z.number().int(), has_more: z.boolean() }).meta({ id: 'PromptTemplatePage' }), ...errorResponses },
      },
    },
    async (request) => {
      const { limit, offset, ...filter } = request.query;
      const rows = await library.list({ ...filter, limit: limit + 1, offset });
      const items = rows.slice(0, limit).filter((t) => mayGet(request, t.name));
      return { items: items.map(toTemplateBody), limit, offset, has_more: rows.length > limit };
    },
  );

  api.post(
    '/prompts',
    { schema: { tags: ['prompts'], summary: 'Create a prompt template (version 1)', body: templateInputSchema, response: { 201: templateSchema, ...withConflict } } },
    async (request, reply) => {
      await manage(request);
      const created = await library.create(request.body, by(request));
      audited(request, created.name, 'create', { version: created.version });
      return reply.status(201).send(toTemplateBody(created));
    },
  );

  api.get(
    '/prompts/categories',
    {
      schema: {
        tags: ['prompts'],
        summary: 'Categories with their template counts',
        response: { 200: z.object({ categories: z.array(z.object({ category: z.string(), count: z.number().int() })) }).meta({ id: 'PromptCategories' }), ...errorResponses },
      },
    },
    async (request) => ({ categories: await categoriesVisibleTo(library, principalOf(request).permissions) }),
  );

  api.get(
    '/prompts/export',
    {
      schema: {
        tags: ['prompts'],
        summary: 'Export the library (the templates you may get) as JSON or YAML',
        querystring: z.object({ format: z.enum(['json', 'yaml']).default('json') }),
        response: { 200: z.string().describe('The library document'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const document = await library.exportLibrary();
      const mine = { ...document, templates: document.templates.filter((t) => mayGet(request, t.name)) };
      const format = request.query.format;
      return reply
        .type(format === 'yaml' ? 'application/yaml; charset=utf-8' : 'application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="prompts.${format}"`)
        .send(serialiseLibrary(mine, format));
    },
  );

  api.post(
    '/prompts/import',
    {
      schema: {
        tags: ['prompts'],
        summary: 'Import a library document (JSON or YAML body): creates new templates, adds a version to changed ones',
        description: 'The whole document is validated before anything is written. Send YAML with `Content-Type: application/yaml`.',
        body: z.unknown(),
        response: {
          200: z.object({ created: z.array(z.string()), updated: z.array(z.string()), unchanged: z.array(z.string()) }).meta({ id: 'PromptImportReport' }),
          ...withConflict,
          413: errorSchema,
          415: errorSchema,
        },
      },
    },
    async (request) => {
      await manage(request);
      const report = await library.importLibrary(request.body, by(request));
      audited(request, '*', 'import', { created: report.created.length, updated: report.updated.length, unchanged: report.unchanged.length });
      return { created: [...report.created], updated: [...report.updated], unchanged: [...report.unchanged] };
    },
  );

  api.get('/prompts/:name', { schema: { tags: ['prompts'], summary: 'One prompt template (current version)', params: nameParams, response: { 200: templateSchema, ...errorResponses } } }, async (request) =>
    toTemplateBody(await visible(request, request.params.name)),
  );

  api.put(
    '/prompts/:name',
    {
      schema: {
        tags: ['prompts'],
        summary: 'Update a prompt template (stores a new version)',
        description: 'Given fields replace the current ones; `null` clears title, description or category.',
        params: nameParams,
        body: templatePatchSchema,
        response: { 200: templateSchema, ...withConflict },
      },
    },
    async (request) => {
      await manage(request);
      await visible(request, request.params.name);
      const updated = await library.update(request.params.name, request.body, by(request));
      audited(request, updated.name, 'update', { version: updated.version });
      return toTemplateBody(updated);
    },
  );

  api.delete(
    '/prompts/:name',
    { schema: { tags: ['prompts'], summary: 'Delete a prompt template with its history and usage', params: nameParams, response: { 204: z.undefined(), ...errorResponses } } },
    async (request, reply) => {
      await manage(request);
      await visible(request, request.params.name);
      await library.delete(request.params.name);
      audited(request, request.params.name, 'delete');
      return reply.status(204).send();
    },
  );

  api.get(
    '/prompts/:name/versions',
    {
      schema: {
        tags: ['prompts'],
        summary: 'Every version of a template, newest first',
        params: nameParams,
        response: { 200: z.object({ items: z.array(versionSchema) }).meta({ id: 'PromptTemplateVersions' }), ...errorResponses },
      },
    },
    async (request) => {
      await visible(request, request.params.name);
      return { items: (await library.versions(request.params.name)).map(toVersionBody) };
    },
  );

  api.get(
    '/prompts/:name/versions/:version',
    { schema: { tags: ['prompts'], summary: 'One version of a template', params: versionParams, response: { 200: versionSchema, ...errorResponses } } },
    async (request) => {
      await visible(request, request.params.name);
      const found = (await library.versions(request.params.name)).find((v) => v.version === request.params.version);
      if (!found) throw new PorticoError('not_found', `Prompt template "${request.params.name}" has no version ${request.params.version}.`);
      return toVersionBody(found);
    },
  );

  api.post(
    '/prompts/:name/versions/:version/restore',
    {
      schema: { tags: ['prompts'], summary: 'Make an older version current again (stored as a new version)', params: versionParams, response: { 200: templateSchema, ...withConflict } },
    },
    async (request) => {
      await manage(request);
      await visible(request, request.params.name);
      const restored = await library.restore(request.params.name, request.params.version, by(request));
      audited(request, restored.name, 'restore', { version: restored.version, restoredFrom: request.params.version });
      return toTemplateBody(restored);
    },
  );

  api.get(
    '/prompts/:name/render',
    {
      schema: {
        tags: ['prompts'],
        summary: 'Render a template with arguments given as query parameters',
        description:
          'Every query parameter but `version` is an argument. Missing required arguments are a 400 `validation_failed` whose `details.missing` lists them all; a template exceeding its limits is a 422 `render_limit_exceeded`.',
        params: nameParams,
        // Any other query parameter is an argument; repeated parameters (arrays) are refused.
        querystring: z.object({ version: z.string().optional().describe('Render an older version') }).catchall(z.string().max(100_000)),
        response: { 200: renderedSchema, ...withRender, 409: errorSchema, 504: errorSchema },
      },
    },
    async (request, reply) => {
      const { version: rawVersion, ...args } = request.query as Record<string, string>;
      const version = rawVersion === undefined ? undefined : Number(rawVersion);
      if (version !== undefined && !(Number.isInteger(version) && version >= 1)) throw new PorticoError('validation_failed', '`version` must be a positive integer.');
      return render(request, reply, request.params.name, args, version);
    },
  );

  api.post(
    '/prompts/:name/render',
    {
      schema: {
        tags: ['prompts'],
        summary: 'Render a template with arguments in a JSON body',
        params: nameParams,
        body: z.strictObject({
          arguments: z.record(z.string(), z.union([z.string().max(100_000), z.number(), z.boolean(), z.null()])).default({}),
          version: z.number().int().min(1).optional(),
        }),
        response: { 200: renderedSchema, ...withRender, 409: errorSchema, 413: errorSchema, 415: errorSchema, 504: errorSchema },
      },
    },
    async (request, reply) => {
      const { arguments: args, version } = request.body;
      return render(request, reply, request.params.name, args, version);
    },
  );

  api.get(
    '/stats',
    {
      schema: {
        tags: ['prompts'],
        summary: 'Usage statistics: renders by template, by day and by principal (and sections other areas add)',
        querystring: z.object({
          since: z.iso.datetime({ offset: true }).or(z.iso.date()).optional().describe('Default: 30 days ago'),
          template: templateNameSchema.optional(),
        }),
        response: { 200: statsSchema, ...errorResponses },
      },
    },
    async (request) => {
      await manage(request);
      const stats = await library.usageStats({ since: request.query.since, templateName: request.query.template });
      const extra: Record<string, unknown> = {};
      for (const [key, contribute] of Object.entries(deps.statsContributors ?? {})) extra[key] = await contribute({ since: stats.since });
      return {
        since: stats.since,
        prompts: {
          total: stats.total,
          by_template: stats.byTemplate.map((t) => ({ template: t.templateName, count: t.count, average_duration_ms: t.averageDurationMs, last_used_at: t.lastUsedAt })),
          by_day: stats.byDay.map((d) => ({ ...d })),
          by_principal: stats.byPrincipal.map((p) => ({ principal_id: p.principalId, count: p.count })),
        },
        ...extra,
      };
    },
  );
}
