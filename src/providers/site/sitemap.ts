/**
 * `generate_sitemap` (seed 000): a sitemaps.org XML file listing the pages of the templates root
 * under a base URL, stored as a blob and returned. What is a page: an HTML template that is not a
 * layout (extended by another template), not a partial (`_name.html`, or under partials/,
 * includes/, layouts/, macros/, components/), not an error page, and not marked noindex.
 */
import type { ToolEntry } from '../../core/catalog/entries.js';
import type { CallToolResult, ContentBlock } from '../../core/catalog/mcp-shapes.js';
import type { ExecutionContext } from '../../core/pipeline/execution-context.js';
import { PorticoError } from '../../core/errors.js';
import { guarded, ok, requirePermission } from '../tool-results.js';
import { BLOBS_WRITE, siteRoot, type FileEntry, type SiteContext } from './site-context.js';

const PAGE = /\.(html?|jinja2?|j2)$/i;
const PARTIAL_DIRS = new Set(['partials', 'partial', 'includes', 'include', 'layouts', 'layout', 'macros', 'components', '_includes']);
const ERROR_PAGE = /^(404|500|50x|error)\.[a-z0-9]+$/i;
const EXTENDS = /\{%-?\s*extends\s+["']([^"']+)["']/g;
const NOINDEX = /<meta\b[^>]*\bname\s*=\s*["']?robots["']?[^>]*\bcontent\s*=\s*["'][^"']*noindex/i;
/** Pages read to find layouts and noindex: a sitemap holds at most 50 000 URLs. */
const MAX_PAGES = 50_000;
const READ_LIMIT = 256 * 1024;

export interface SitemapUrl {
  readonly loc: string;
  readonly lastmod: string;
  readonly template: string;
}

export interface Exclusion {
  readonly template: string;
  readonly reason: string;
}

/** The base URL, checked: http(s), a host, no credentials, query or fragment; no trailing slash. */
export function checkBaseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new PorticoError('validation_failed', `base_url "${raw.slice(0, 200)}" is not a URL; give one such as https://www.example.com.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new PorticoError('validation_failed', `base_url must be an http or https URL, not ${url.protocol}`);
  if (!url.hostname) throw new PorticoError('validation_failed', 'base_url needs a host name.');
  if (url.username || url.password) throw new PorticoError('validation_failed', 'base_url must not contain credentials.');
  if (url.search || url.hash) throw new PorticoError('validation_failed', 'base_url must not have a query or fragment.');
  return url;
}

/** `blog/index.html` → `blog/`, `about.html` → `about` (pretty) or `about.html`. */
export function pagePath(template: string, pretty: boolean): string {
  const segments = template.split('/');
  const last = segments.pop()!;
  const stem = last.replace(PAGE, '');
  const tail = stem === 'index' ? '' : pretty ? stem : last;
  return [...segments, tail].map(encodeURIComponent).join('/');
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

export function sitemapXml(urls: readonly SitemapUrl[]): string {
  const body = urls.map((u) => `  <url>\n    <loc>${escapeXml(u.loc)}</loc>\n    <lastmod>${u.lastmod}</lastmod>\n  </url>\n`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${body}</urlset>\n`;
}

function partialReason(path: string): string | undefined {
  const segments = path.split('/');
  const name = segments[segments.length - 1]!;
  if (name.startsWith('_')) return 'partial (name starts with _)';
  const dir = segments.slice(0, -1).find((s) => PARTIAL_DIRS.has(s.toLowerCase()));
  if (dir) return `partial (in ${dir}/)`;
  if (ERROR_PAGE.test(name)) return 'error page';
  return undefined;
}

export function sitemapTool(site: SiteContext, source: string): ToolEntry {
  async function run(args: Record<string, unknown>, ctx: ExecutionContext): Promise<CallToolResult> {
    const base = checkBaseUrl(String(args.base_url));
    const pretty = args.pretty_urls !== false;
    const { files, root } = siteRoot(site, ctx.principal, 'templatesRoot');
    const blobs = site.services.blobs;
    if (blobs) requirePermission(ctx.principal, BLOBS_WRITE, 'Storing the sitemap as a blob');

    const templates = (await files.walk(root, '', { max: MAX_PAGES, signal: ctx.signal })).filter((f) => PAGE.test(f.name));
    const sources = new Map<string, string>();
    for (const t of templates) sources.set(t.path, (await files.read(root, t.path, { limit: READ_LIMIT, signal: ctx.signal })).bytes.toString('utf8'));
    const layouts = new Set<string>();
    for (const text of sources.values()) for (const m of text.matchAll(EXTENDS)) layouts.add(m[1]!);

    const urls: SitemapUrl[] = [];
    const excluded: Exclusion[] = [];
    const prefix = base.href.endsWith('/') ? base.href : `${base.href}/`;
    for (const t of templates as FileEntry[]) {
      const reason = partialReason(t.path) ?? (layouts.has(t.path) ? 'layout (extended by other templates)' : NOINDEX.test(sources.get(t.path) ?? '') ? 'marked noindex' : undefined);
      if (reason) {
        excluded.push({ template: t.path, reason });
        continue;
      }
      urls.push({ loc: new URL(pagePath(t.path, pretty), prefix).href, lastmod: t.modified.slice(0, 10), template: t.path });
    }
    urls.sort((a, b) => (a.loc < b.loc ? -1 : a.loc > b.loc ? 1 : 0));
    const xml = sitemapXml(urls);

    const structured: Record<string, unknown> = { base_url: base.href, count: urls.length, urls: urls.map((u) => ({ ...u })), excluded: excluded.map((e) => ({ ...e })) };
    const extra: ContentBlock[] = [];
    let where = 'not stored (the blob store is not running)';
    if (blobs) {
      const stored = await blobs.put(Buffer.from(xml, 'utf8'), {
        filename: 'sitemap.xml',
        mimeType: 'application/xml',
        owner: ctx.principal.id,
        metadata: { generator: 'generate_sitemap', base_url: base.href, urls: urls.length },
        signal: ctx.signal,
      });
      const uri = blobs.uriFor(stored.sha256);
      structured.blob = { uri, sha256: stored.sha256, size: stored.size };
      where = `stored as ${uri}`;
      extra.push({ type: 'resource_link', uri, name: 'sitemap.xml', mimeType: 'application/xml', size: stored.size });
    }
    extra.push({ type: 'resource', resource: { uri: (structured.blob as { uri?: string } | undefined)?.uri ?? `${prefix}sitemap.xml`, mimeType: 'application/xml', text: xml } });
    const skipped = excluded.length ? ` Left out: ${excluded.map((e) => `${e.template} (${e.reason})`).join(', ')}.` : '';
    const listed = urls.map((u) => `- ${u.loc} (${u.template})`).join('\n');
    return ok(`Sitemap with ${urls.length} URL(s) under ${base.href}, ${where}; the XML is attached.${skipped}\n${listed}`, structured, extra);
  }

  return {
    kind: 'tool',
    source,
    name: 'generate_sitemap',
    title: 'Generate sitemap.xml',
    description:
      'Build a sitemap.xml from the pages in the templates root (layouts, partials, error pages and noindex pages left out) under base_url, store it in the blob store and return it with its blob URI.',
    inputSchema: {
      type: 'object',
      properties: {
        base_url: { type: 'string', minLength: 1, maxLength: 2000, description: 'Public base URL of the site, http(s), e.g. https://www.example.com.' },
        pretty_urls: { type: 'boolean', default: true, description: 'Drop .html from page URLs (about.html → /about); index.html is always the directory.' },
      },
      required: ['base_url'],
      additionalProperties: false,
    },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    handler: (args, ctx) => guarded(() => run(args, ctx)),
  };
}
