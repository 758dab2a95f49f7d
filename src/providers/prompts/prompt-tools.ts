/**
 * The library's MCP tools (seed 001): `render_prompt`, `list_prompt_categories`, and for holders
 * of `prompts:manage` `create_prompt_template`, `update_prompt_template`,
 * `delete_prompt_template` and `restore_prompt_template`. Rendering checks the caller may get
 * that prompt (`prompts:get:{name}`), exactly as `prompts/get` does.
 */
import { z } from 'zod';
import type { ToolEntry } from '../../core/catalog/entries.js';
import type { CallToolResult, JsonObject } from '../../core/catalog/mcp-shapes.js';
import { PorticoError } from '../../core/errors.js';
import { permissionFor, type PermissionSet } from '../../core/identity/permissions.js';
import { PROMPTS_SOURCE } from './prompt-entries.js';
import type { CategoryCount, PromptLibrary, PromptTemplate } from './prompt-library.js';
import { templateFields, templateInputSchema, templateNameSchema } from './template-schema.js';

/** Permission for changing the library (tools, REST and import). */
export const MANAGE_PROMPTS = 'prompts:manage';

/**
 * JSON Schema 2020-12 of a zod schema, fully inlined: an empty metadata registry leaves out the ids
 * the REST schemas carry for OpenAPI, so there are no `$ref`s (catalog tools need `type: object` at
 * the root, and clients read flat schemas best).
 */
function toolSchema(schema: z.ZodType): JsonObject {
  const { $schema: _ignored, ...json } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', metadata: z.registry() }) as JsonObject;
  return json;
}

function json(value: JsonObject, text?: string): CallToolResult {
  return { content: [{ type: 'text', text: text ?? JSON.stringify(value, null, 2) }], structuredContent: value };
}

function templateSummary(t: PromptTemplate): JsonObject {
  return { name: t.name, version: t.version, title: t.title, category: t.category, tags: [...t.tags], arguments: t.arguments.map((a) => ({ ...a })) };
}

const renderArgs = z.strictObject({
  name: templateNameSchema.describe('Template name'),
  arguments: z.record(z.string(), z.string().max(100_000)).optional().describe('Argument values by name'),
  version: z.number().int().min(1).optional().describe('Render an older version (default: current)'),
});

const updateArgs = z.strictObject({ name: templateNameSchema, ...templateFields, body: templateFields.body.optional() });
const nameOnly = z.strictObject({ name: templateNameSchema });
const restoreArgs = z.strictObject({ name: templateNameSchema, version: z.number().int().min(1).describe('The version to make current again') });

/**
 * Categories with counts of the templates a principal may get: a template invisible to the caller
 * does not show through its category. (A library holds hundreds of templates, not millions.)
 */
export async function categoriesVisibleTo(library: PromptLibrary, permissions: PermissionSet): Promise<CategoryCount[]> {
  const counts = new Map<string, number>();
  for (const t of await library.list({ limit: 100_000 })) {
    if (t.category !== null && permissions.allows(permissionFor.prompt(t.name))) counts.set(t.category, (counts.get(t.category) ?? 0) + 1);
  }
  return [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([category, count]) => ({ category, count }));
}

export function promptTools(library: PromptLibrary): ToolEntry[] {
  const tool = (entry: Omit<ToolEntry, 'kind' | 'source'>): ToolEntry => ({ kind: 'tool', source: PROMPTS_SOURCE, ...entry });
  return [
    tool({
      name: 'render_prompt',
      title: 'Render a prompt template',
      description: 'Render a prompt template from the library with arguments (defaults apply; every missing required argument is reported). Returns the text and the version used.',
      inputSchema: toolSchema(renderArgs),
      annotations: { readOnlyHint: true, openWorldHint: false },
      async handler(args, ctx) {
        const { name, arguments: given = {}, version } = renderArgs.parse(args);
        // Invisible unless the caller may get this prompt: the same answer as an unknown name.
        if (!ctx.principal.permissions.allows(permissionFor.prompt(name))) throw new PorticoError('not_found', `No prompt template named "${name}".`);
        const rendered = await library.render(name, given, { version, principalId: ctx.principal.id, surface: ctx.surface });
        return json({ text: rendered.text, template: rendered.templateName, version: rendered.version, arguments: { ...rendered.arguments } }, rendered.text);
      },
    }),
    tool({
      name: 'list_prompt_categories',
      title: 'List prompt categories',
      description: 'The categories of the prompt library with how many templates each holds.',
      inputSchema: { type: 'object', properties: {}, additionalProperties: false },
      annotations: { readOnlyHint: true, openWorldHint: false },
      async handler(_args, ctx) {
        return json({ categories: await categoriesVisibleTo(library, ctx.principal.permissions) });
      },
    }),
    tool({
      name: 'create_prompt_template',
      title: 'Create a prompt template',
      description: 'Add a LiquidJS prompt template to the library (version 1). It becomes an MCP prompt at once.',
      inputSchema: toolSchema(templateInputSchema),
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
      permission: MANAGE_PROMPTS,
      async handler(args, ctx) {
        return json(templateSummary(await library.create(args as never, ctx.principal.id)));
      },
    }),
    tool({
      name: 'update_prompt_template',
      title: 'Update a prompt template',
      description: 'Change a template: the given fields replace the current ones and a new version is stored (older versions stay renderable and restorable).',
      inputSchema: toolSchema(updateArgs),
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
      permission: MANAGE_PROMPTS,
      async handler(args, ctx) {
        const { name, ...patch } = args as { name: string } & JsonObject;
        return json(templateSummary(await library.update(name, patch, ctx.principal.id)));
      },
    }),
    tool({
      name: 'restore_prompt_template',
      title: 'Restore a prompt template version',
      description: 'Make an older version of a template current again (stored as a new version).',
      inputSchema: toolSchema(restoreArgs),
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
      permission: MANAGE_PROMPTS,
      async handler(args, ctx) {
        const { name, version } = restoreArgs.parse(args);
        return json(templateSummary(await library.restore(name, version, ctx.principal.id)));
      },
    }),
    tool({
      name: 'delete_prompt_template',
      title: 'Delete a prompt template',
      description: 'Remove a template with its version history and usage records.',
      inputSchema: toolSchema(nameOnly),
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
      permission: MANAGE_PROMPTS,
      async handler(args) {
        const { name } = nameOnly.parse(args);
        if (!(await library.delete(name))) throw new PorticoError('not_found', `No prompt template named "${name}".`);
        return json({ deleted: name });
      },
    }),
  ];
}
