/**
 * The prompt library as a file: `{ format: "portico.prompts", version: 1, templates: [...] }` in
 * JSON or YAML. Shared by REST import/export and `portico prompts import|export`. A bare list of
 * templates is accepted on import too (hand-written files).
 */
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { z } from 'zod';
import { PorticoError } from '../../core/errors.js';
import type { PromptLibraryDocument } from './prompt-library.js';

export type LibraryFormat = 'json' | 'yaml';

/** Templates are checked one by one by the library (with the template schema) after this. */
export const libraryDocumentSchema = z.preprocess(
  (doc) => (Array.isArray(doc) ? { format: 'portico.prompts', version: 1, templates: doc } : doc),
  z.object({
    format: z.literal('portico.prompts').default('portico.prompts'),
    version: z.literal(1).default(1),
    exportedAt: z.string().optional(),
    templates: z.array(z.looseObject({ name: z.string() })).max(10_000),
  }),
);

/** The format a file name or media type asks for; JSON unless it says YAML. */
export function formatOf(hint: string | undefined): LibraryFormat {
  return hint !== undefined && /ya?ml/i.test(hint) ? 'yaml' : 'json';
}

export function serialiseLibrary(document: PromptLibraryDocument, format: LibraryFormat): string {
  // YAML block scalars keep multi-line bodies readable; lineWidth 0 never folds them.
  return format === 'yaml' ? stringifyYaml(document, { lineWidth: 0 }) : `${JSON.stringify(document, null, 2)}\n`;
}

/** Parse a document's text; `bad_request` with the parser's first line if it is neither. */
export function parseLibraryText(text: string, format: LibraryFormat): unknown {
  try {
    // YAML is a superset of JSON, but JSON.parse gives clearer errors for JSON files.
    return format === 'json' ? (JSON.parse(text) as unknown) : (parseYaml(text, { maxAliasCount: 100 }) as unknown);
  } catch (err) {
    throw new PorticoError('bad_request', `The prompt library file is not valid ${format.toUpperCase()}: ${(err as Error).message.split('\n')[0]}`);
  }
}
