/**
 * Turn a Jinja-style template into the HTML a browser would roughly get, so an HTML parser can judge
 * it: `{% extends %}` chains are followed and their `{% block %}`s filled in (child blocks win),
 * then every remaining statement (`{% … %}`) and comment (`{# … #}`) is dropped. Expressions
 * (`{{ … }}`) stay in the text, so checks can tell a dynamic title from a missing one.
 *
 * Deliberately small: no nested blocks inside overridden blocks, no `super()`, includes are not
 * inlined. It exists to find the title, meta tags and headings, not to render pages.
 */

const EXTENDS = /\{%-?\s*extends\s+["']([^"']+)["']\s*-?%\}/;
const BLOCK = /\{%-?\s*block\s+([A-Za-z_]\w*)\s*-?%\}([\s\S]*?)\{%-?\s*endblock(?:\s+[A-Za-z_]\w*)?\s*-?%\}/g;
const STATEMENT = /\{%[\s\S]*?%\}/g;
const COMMENT = /\{#[\s\S]*?#\}/g;
const MAX_DEPTH = 8;

export interface FlattenedTemplate {
  /** HTML with the inheritance applied and Jinja statements removed. */
  readonly html: string;
  /** Content of the `title` block, when one is defined anywhere in the chain (inner one wins). */
  readonly titleBlock?: string;
  /** Templates extended, nearest first. */
  readonly parents: readonly string[];
  /** A parent that could not be loaded, if any (the template is analysed on its own). */
  readonly missingParent?: string;
}

/** Loads another template by the name `{% extends %}` uses; undefined when absent. */
export type TemplateLoader = (name: string) => Promise<string | undefined>;

function blocksOf(text: string): Map<string, string> {
  const blocks = new Map<string, string>();
  for (const m of text.matchAll(BLOCK)) blocks.set(m[1]!, m[2]!);
  return blocks;
}

/** Put `overrides` into the blocks of `parent`, keeping the block markers for further levels. */
function fill(parent: string, overrides: Map<string, string>): string {
  return parent.replace(BLOCK, (whole, name: string) => {
    const body = overrides.get(name);
    return body === undefined ? whole : `{% block ${name} %}${body}{% endblock %}`;
  });
}

export function stripJinja(text: string): string {
  return text.replace(COMMENT, '').replace(STATEMENT, '');
}

export async function flattenTemplate(source: string, load: TemplateLoader): Promise<FlattenedTemplate> {
  let text = source;
  const parents: string[] = [];
  let missingParent: string | undefined;
  // Blocks seen so far, child first: the nearest definition wins.
  const overrides = blocksOf(text);
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const parentName = EXTENDS.exec(text)?.[1];
    if (!parentName) break;
    if (parents.includes(parentName)) break; // a cycle: stop where we are
    const parent = await load(parentName);
    if (parent === undefined) {
      missingParent = parentName;
      break;
    }
    parents.push(parentName);
    for (const [name, body] of blocksOf(parent)) if (!overrides.has(name)) overrides.set(name, body);
    text = fill(parent, overrides);
  }
  const titleBlock = overrides.get('title');
  return {
    html: stripJinja(text),
    ...(titleBlock !== undefined ? { titleBlock: stripJinja(titleBlock) } : {}),
    parents,
    ...(missingParent ? { missingParent } : {}),
  };
}
