/**
 * `analyze_template` (seed 000): SEO findings for a template in the templates root, or for HTML
 * passed in directly (a draft before it is written). Jinja inheritance is followed, so a page that
 * extends a layout is judged with the layout's <head>.
 */
import type { ToolEntry } from '../../core/catalog/entries.js';
import type { CallToolResult } from '../../core/catalog/mcp-shapes.js';
import type { ExecutionContext } from '../../core/pipeline/execution-context.js';
import { PorticoError } from '../../core/errors.js';
import { guarded, ok } from '../tool-results.js';
import { flattenTemplate, type TemplateLoader } from './jinja-flatten.js';
import { analyzeHtml, type SeoIssue } from './seo-checks.js';
import { pathInRoot, siteRoot, type SiteContext } from './site-context.js';

const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 } as const;

function summarize(issues: readonly SeoIssue[]) {
  return {
    errors: issues.filter((i) => i.severity === 'error').length,
    warnings: issues.filter((i) => i.severity === 'warning').length,
    infos: issues.filter((i) => i.severity === 'info').length,
  };
}

function report(name: string, issues: readonly SeoIssue[]): string {
  if (issues.length === 0) return `${name}: no SEO issues found.`;
  const { errors, warnings, infos } = summarize(issues);
  const lines = issues.map((i) => `- [${i.severity}] ${i.code}: ${i.message}\n  Fix: ${i.fix}`);
  return `${name}: ${errors} error(s), ${warnings} warning(s), ${infos} info.\n${lines.join('\n')}`;
}

export function analyzeTemplateTool(site: SiteContext, source: string): ToolEntry {
  async function run(args: Record<string, unknown>, ctx: ExecutionContext): Promise<CallToolResult> {
    const given = typeof args.template_name === 'string' ? args.template_name : undefined;
    const html = typeof args.html === 'string' ? args.html : undefined;
    if ((given === undefined) === (html === undefined)) throw new PorticoError('validation_failed', 'Give exactly one of template_name (a template in the templates root) or html.');
    let text: string;
    let name: string;
    let uri: string | undefined;
    let load: TemplateLoader = () => Promise.resolve(undefined);
    if (given !== undefined) {
      const { files, root } = siteRoot(site, ctx.principal, 'templatesRoot');
      const path = pathInRoot(given, root, site.scheme);
      const content = await files.read(root, path, { signal: ctx.signal });
      text = content.bytes.toString('utf8');
      name = `${root}/${content.entry.path}`;
      uri = content.entry.uri;
      load = async (parent) => {
        try {
          return (await files.read(root, parent, { signal: ctx.signal })).bytes.toString('utf8');
        } catch (err) {
          // A parent that is absent or outside the root is reported as missing, never followed.
          if (err instanceof PorticoError) return undefined;
          throw err;
        }
      };
    } else {
      text = html!;
      name = 'the given HTML';
    }
    const flat = await flattenTemplate(text, load);
    const analysis = analyzeHtml(flat.html, { titleBlock: flat.titleBlock });
    const issues: SeoIssue[] = [...analysis.issues];
    if (flat.missingParent) {
      issues.push({
        code: 'template_parent_missing',
        severity: 'info',
        message: `The template extends "${flat.missingParent}", which is not in the templates root; it was analysed on its own.`,
        fix: 'Check the name in {% extends %}; the checks of <head> tags may be incomplete.',
      });
    }
    issues.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
    return ok(report(name, issues), {
      template: given ?? null,
      ...(uri ? { uri } : {}),
      extends: [...flat.parents],
      summary: summarize(issues),
      issues: issues.map((i) => ({ ...i })),
      facts: { ...analysis.facts },
    });
  }

  return {
    kind: 'tool',
    source,
    name: 'analyze_template',
    title: 'Analyze a template for SEO issues',
    description:
      'Check an HTML/Jinja template for SEO problems: title (present, length), meta description, Open Graph and Twitter tags, canonical link, exactly one h1, images without alt, lang, viewport. ' +
      'Follows {% extends %} layouts. Returns each issue with a severity and a fix. Give template_name (path in the templates root, e.g. "about.html") or html.',
    inputSchema: {
      type: 'object',
      properties: {
        template_name: { type: 'string', minLength: 1, maxLength: 1100, description: 'Path of the template in the templates root, e.g. "about.html" or "blog/post.html".' },
        html: { type: 'string', maxLength: 2_000_000, description: 'HTML to analyse instead of a stored template (e.g. a draft).' },
      },
      additionalProperties: false,
    },
    annotations: { readOnlyHint: true, openWorldHint: false },
    handler: (args, ctx) => guarded(() => run(args, ctx)),
  };
}
