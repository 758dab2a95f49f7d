/**
 * Library templates as MCP prompts: one catalog entry per template. `prompts/get` renders the
 * current version and records usage; completion suggests the argument's default and the caller's
 * own recent values.
 */
import type { Completer, PromptEntry } from '../../core/catalog/entries.js';
import type { PromptArgument } from '../../core/catalog/mcp-shapes.js';
import type { PromptLibrary, PromptTemplate } from './prompt-library.js';

/** The `source` of every catalog entry this provider adds. */
export const PROMPTS_SOURCE = 'prompts';

/** `_meta` key of a rendered prompt: `{ version, arguments }`. */
export const RENDER_META = 'portico/prompt-template';

/** How many completion values to offer (MCP allows up to 100). */
const MAX_SUGGESTIONS = 20;

function completerFor(library: PromptLibrary, template: PromptTemplate, argument: string, fallback: string | undefined): Completer {
  return async (value, _context, ctx) => {
    const typed = value.toLowerCase();
    const values: string[] = [];
    if (fallback !== undefined && fallback.toLowerCase().startsWith(typed)) values.push(fallback);
    for (const recent of await library.recentArgumentValues(template.name, argument, { prefix: value, principalId: ctx.principal.id, limit: MAX_SUGGESTIONS })) {
      if (!values.includes(recent)) values.push(recent);
    }
    const shown = values.slice(0, MAX_SUGGESTIONS);
    return { values: shown, total: values.length, hasMore: values.length > shown.length };
  };
}

export function promptEntryFor(library: PromptLibrary, template: PromptTemplate): PromptEntry {
  // An argument with a default is never missing, so MCP clients need not insist on it.
  const args: PromptArgument[] = template.arguments.map((a) => ({
    name: a.name,
    ...(a.description !== undefined ? { description: a.description } : {}),
    required: a.required && a.default === undefined,
  }));
  return {
    kind: 'prompt',
    source: PROMPTS_SOURCE,
    name: template.name,
    ...(template.title !== null ? { title: template.title } : {}),
    description: template.description ?? template.title ?? `Prompt template ${template.name}`,
    arguments: args,
    meta: { [RENDER_META]: { version: template.version, category: template.category, tags: [...template.tags] } },
    async get(given, ctx) {
      const rendered = await library.render(template.name, given, { principalId: ctx.principal.id, surface: ctx.surface });
      return {
        ...(rendered.description !== null ? { description: rendered.description } : {}),
        messages: [{ role: 'user', content: { type: 'text', text: rendered.text } }],
        // Which version rendered, with which arguments (defaults applied): the REST render route answers with these.
        _meta: { [RENDER_META]: { version: rendered.version, arguments: { ...rendered.arguments } } },
      };
    },
    complete: Object.fromEntries(template.arguments.map((a) => [a.name, completerFor(library, template, a.name, a.default)])),
  };
}
