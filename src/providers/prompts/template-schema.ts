/**
 * The shape of a prompt template as callers write it, in one place: the library validates with it,
 * the REST routes declare it (and publish it in OpenAPI), the MCP tools derive their input schema
 * from it, and import checks every template of a document with it.
 */
import { z } from 'zod';

/**
 * Also the MCP prompt name: the characters MCP names allow, minus `/` (it is a URL path segment),
 * and not starting with `.` or `-` (so never `.` or `..`, which URLs would resolve away).
 */
export const TEMPLATE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;
/** Argument names are Liquid variables. */
export const ARGUMENT_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export const templateNameSchema = z.string().regex(TEMPLATE_NAME, 'a template name is 1-64 letters, digits, "_", "-" or "." and starts with a letter, digit or "_"');

export const argumentSpecSchema = z
  .strictObject({
    name: z.string().regex(ARGUMENT_NAME, 'an argument name is a letter or "_" followed by up to 63 letters, digits or "_"'),
    description: z.string().max(1000).optional(),
    required: z.boolean().default(false),
    default: z.string().max(10_000).optional(),
  })
  .meta({ id: 'PromptTemplateArgument' });

const optionalText = (max: number) => z.string().max(max).nullable().optional();

/** The content fields of a template (everything but the name), for composing tool and route schemas. */
export const templateFields = {
  title: optionalText(200),
  description: optionalText(2000),
  category: z.string().min(1).max(100).nullable().optional(),
  tags: z.array(z.string().min(1).max(50)).max(20).optional(),
  arguments: z
    .array(argumentSpecSchema)
    .max(50)
    .optional()
    .refine((args) => !args || new Set(args.map((a) => a.name)).size === args.length, 'argument names must be unique'),
  body: z.string().min(1),
};

export const templateInputSchema = z.strictObject({ name: templateNameSchema, ...templateFields }).meta({ id: 'NewPromptTemplate' });

/** An update: any field but the name; at least one. */
export const templatePatchSchema = z
  .strictObject({ ...templateFields, body: templateFields.body.optional() })
  .refine((patch) => Object.keys(patch).length > 0, 'an update changes at least one field')
  .meta({ id: 'PromptTemplateChanges' });

export type TemplateInput = z.output<typeof templateInputSchema>;
export type TemplatePatch = z.output<typeof templatePatchSchema>;

/** `path: message` for each zod issue, for error details callers can act on. */
export function describeIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message }));
}
