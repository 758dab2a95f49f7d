/**
 * Renders the configuration reference (a Markdown table) from the schema, so the README can never
 * drift from the code. `portico config docs --write README.md` replaces the block between markers.
 */
import { configKeys } from './config-keys.js';

export const DOCS_BEGIN = '<!-- config-docs:begin -->';
export const DOCS_END = '<!-- config-docs:end -->';

const cell = (s: string) => s.replace(/\|/g, '\\|');

export function renderConfigDocs(): string {
  const rows = configKeys().map((k) => {
    const def = k.defaultValue === undefined ? '—' : `\`${JSON.stringify(k.defaultValue)}\``;
    const kind = k.kind === 'enum' ? k.enumValues?.join(' \\| ') ?? 'enum' : k.kind;
    const flag = k.meta.flag ? ` / \`${k.meta.flag}\`` : '';
    const secret = k.meta.secret ? ' *(secret: redacted when shown)*' : '';
    return `| \`${k.dotted}\` | \`${k.env}\`${flag} | ${kind} | ${def} | ${cell(k.meta.description)}${secret} |`;
  });
  return ['| key | environment / flag | type | default | meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}

/** Replace the generated block inside a document; throws if the markers are missing. */
export function spliceConfigDocs(document: string): string {
  const start = document.indexOf(DOCS_BEGIN);
  const end = document.indexOf(DOCS_END);
  if (start < 0 || end < start) throw new Error(`markers ${DOCS_BEGIN} … ${DOCS_END} not found`);
  return `${document.slice(0, start + DOCS_BEGIN.length)}\n${renderConfigDocs()}\n${document.slice(end)}`;
}
