/**
 * The MCP shapes of `core/catalog/mcp-shapes.ts` as zod schemas, for the REST mirror of the catalog
 * and its OpenAPI document. Response schemas list exactly the fields of the core types: the
 * serializer drops anything else, so a field added to the core shapes must be added here too.
 */
import { z } from 'zod';

const jsonObject = z.record(z.string(), z.unknown());

export const annotationsSchema = z
  .object({
    audience: z.array(z.enum(['user', 'assistant'])).optional(),
    priority: z.number().optional(),
    lastModified: z.string().optional(),
  })
  .meta({ id: 'McpAnnotations' });

export const iconSchema = z
  .object({
    src: z.string(),
    mimeType: z.string().optional(),
    sizes: z.array(z.string()).optional(),
    theme: z.enum(['light', 'dark']).optional(),
  })
  .meta({ id: 'McpIcon' });

export const resourceContentsSchema = z
  .union([
    z.object({ uri: z.string(), mimeType: z.string().optional(), text: z.string(), _meta: jsonObject.optional() }),
    z.object({ uri: z.string(), mimeType: z.string().optional(), blob: z.string().describe('base64'), _meta: jsonObject.optional() }),
  ])
  .meta({ id: 'ResourceContents' });

const common = { annotations: annotationsSchema.optional(), _meta: jsonObject.optional() };

export const contentBlockSchema = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('text'), text: z.string(), ...common }),
    z.object({ type: z.literal('image'), data: z.string().describe('base64'), mimeType: z.string(), ...common }),
    z.object({ type: z.literal('audio'), data: z.string().describe('base64'), mimeType: z.string(), ...common }),
    z.object({
      type: z.literal('resource_link'),
      uri: z.string(),
      name: z.string(),
      title: z.string().optional(),
      description: z.string().optional(),
      mimeType: z.string().optional(),
      size: z.number().optional(),
      ...common,
    }),
    z.object({ type: z.literal('resource'), resource: resourceContentsSchema, ...common }),
  ])
  .meta({ id: 'ContentBlock' });

export const toolAnnotationsSchema = z
  .object({
    title: z.string().optional(),
    readOnlyHint: z.boolean().optional(),
    destructiveHint: z.boolean().optional(),
    idempotentHint: z.boolean().optional(),
    openWorldHint: z.boolean().optional(),
  })
  .meta({ id: 'ToolAnnotations' });

export const toolDescriptorSchema = z
  .object({
    name: z.string(),
    title: z.string().optional(),
    description: z.string(),
    inputSchema: jsonObject.describe('JSON Schema 2020-12 of the arguments'),
    outputSchema: jsonObject.optional(),
    annotations: toolAnnotationsSchema.optional(),
    icons: z.array(iconSchema).optional(),
    _meta: jsonObject.optional(),
  })
  .meta({ id: 'ToolDescriptor' });

export const toolListSchema = z.object({ tools: z.array(toolDescriptorSchema) }).meta({ id: 'ToolList' });

export const toolArgumentsSchema = z
  .record(z.string(), z.unknown())
  .meta({ id: 'ToolArguments', description: "The tool's arguments as one JSON object; an empty body means `{}`." });

export const callToolResultSchema = z
  .object({
    content: z.array(contentBlockSchema),
    structuredContent: jsonObject.optional(),
    isError: z.boolean().optional().describe('True when the tool failed (bad arguments, an error in the tool, a timeout); the reason is in `content`.'),
    _meta: jsonObject.optional(),
  })
  .meta({ id: 'CallToolResult' });

/** Fields resources and resource templates share. */
const resourceCommon = {
  name: z.string(),
  title: z.string().optional(),
  description: z.string().optional(),
  mimeType: z.string().optional(),
  annotations: annotationsSchema.optional(),
  icons: z.array(iconSchema).optional(),
  _meta: jsonObject.optional(),
};

export const resourceDescriptorSchema = z.object({ uri: z.string(), size: z.number().optional(), ...resourceCommon }).meta({ id: 'ResourceDescriptor' });

export const resourceTemplateDescriptorSchema = z
  .object({ uriTemplate: z.string().describe('RFC 6570 URI template'), ...resourceCommon })
  .meta({ id: 'ResourceTemplateDescriptor' });

export const resourceListSchema = z
  .object({ resources: z.array(resourceDescriptorSchema), resourceTemplates: z.array(resourceTemplateDescriptorSchema) })
  .meta({ id: 'ResourceList' });

export const readResourceResultSchema = z.object({ contents: z.array(resourceContentsSchema), _meta: jsonObject.optional() }).meta({ id: 'ReadResourceResult' });

export const promptArgumentSchema = z
  .object({ name: z.string(), title: z.string().optional(), description: z.string().optional(), required: z.boolean().optional() })
  .meta({ id: 'PromptArgument' });

export const promptDescriptorSchema = z
  .object({
    name: z.string(),
    title: z.string().optional(),
    description: z.string(),
    arguments: z.array(promptArgumentSchema).optional(),
    icons: z.array(iconSchema).optional(),
    _meta: jsonObject.optional(),
  })
  .meta({ id: 'PromptDescriptor' });

export const promptListSchema = z.object({ prompts: z.array(promptDescriptorSchema) }).meta({ id: 'PromptList' });

export const getPromptRequestSchema = z
  .strictObject({ arguments: z.record(z.string(), z.string()).optional() })
  .meta({ id: 'GetPromptRequest', description: 'Prompt arguments by name; an empty body means no arguments.' });

export const getPromptResultSchema = z
  .object({
    description: z.string().optional(),
    messages: z.array(z.object({ role: z.enum(['user', 'assistant']), content: contentBlockSchema })),
    _meta: jsonObject.optional(),
  })
  .meta({ id: 'GetPromptResult' });

export const completeRequestSchema = z
  .strictObject({
    ref: z.discriminatedUnion('type', [
      z.strictObject({ type: z.literal('ref/prompt'), name: z.string().min(1) }),
      z.strictObject({ type: z.literal('ref/resource'), uri: z.string().min(1).describe('The URI template, as listed') }),
    ]),
    argument: z.strictObject({ name: z.string().min(1), value: z.string() }),
    context: z.strictObject({ arguments: z.record(z.string(), z.string()).optional() }).optional(),
  })
  .meta({ id: 'CompleteRequest' });

export const completeResultSchema = z
  .object({ completion: z.object({ values: z.array(z.string()).max(100), total: z.number().int().optional(), hasMore: z.boolean().optional() }) })
  .meta({ id: 'CompleteResult' });
