/**
 * The seed's prompts, rewritten to steer the model to Portico's own tools and resources: which
 * to read, which to call, in what order, and what to hand back.
 */
import type { PromptEntry } from '../../core/catalog/entries.js';
import type { GetPromptResult } from '../../core/catalog/mcp-shapes.js';
import type { SiteContext } from './site-context.js';

const user = (text: string): GetPromptResult['messages'][number] => ({ role: 'user', content: { type: 'text', text } });

export function sitePrompts(site: SiteContext, source: string): PromptEntry[] {
  const templates = `${site.scheme}://${site.config.templatesRoot}`;
  const statics = `${site.scheme}://${site.config.staticRoot}`;
  return [
    {
      kind: 'prompt',
      source,
      name: 'analyze_seo',
      title: 'Audit the site templates for SEO',
      description: 'Audit one template, or every page template, for SEO problems and propose concrete fixes.',
      arguments: [{ name: 'template_name', description: 'One template to audit (e.g. "about.html"); omit to audit every page.', required: false }],
      get: (args) => {
        const one = args.template_name?.trim();
        const scope = one
          ? `Audit the template "${one}": call the tool analyze_template with {"template_name": "${one}"}.`
          : `Read the resource ${templates} (a JSON listing; sub-directories are listed at ${templates}/<dir>) to find the page templates, then call analyze_template with {"template_name": "<path>"} for each .html page. Skip layouts and partials (files starting with _ or in partials/).`;
        return {
          description: 'SEO audit of the site templates',
          messages: [
            user(
              `You are auditing the HTML templates of a website for search-engine optimisation.\n\n${scope}\n\n` +
                'analyze_template reports issues with a code, a severity (error, warning, info) and a fix. For each template:\n' +
                '1. List its errors first, then warnings, then infos.\n' +
                `2. Read the template itself (resource ${templates}/<path>) and write the corrected markup for each issue: the exact <title>, <meta name="description">, Open Graph tags, canonical link, alt texts you propose — specific to the page's content, not placeholders.\n` +
                '3. If you may change files (the filesystem tool is available to you) and the user agrees, apply the fixes with filesystem {"operation": "write"}, then run analyze_template again to confirm the issues are gone.\n\n' +
                'End with a short table: template, errors, warnings, the single most important fix.',
            ),
          ],
        };
      },
    },
    {
      kind: 'prompt',
      source,
      name: 'generate_sitemap',
      title: 'Generate the sitemap',
      description: 'Generate sitemap.xml for the site under its public base URL and check it.',
      arguments: [{ name: 'base_url', description: 'Public base URL of the site, e.g. https://www.example.com.', required: true }],
      get: (args) => ({
        description: 'Generate and review sitemap.xml',
        messages: [
          user(
            `Generate the sitemap of the site served at ${args.base_url}.\n\n` +
              `1. Call the tool generate_sitemap with {"base_url": "${args.base_url}"}. It reads the page templates in ${templates}, leaves out layouts, partials, error pages and noindex pages, stores sitemap.xml in the blob store and returns its portico blob URI.\n` +
              '2. Review the result: every public page should be listed exactly once, with a clean URL; check the "excluded" list for pages that were left out by mistake.\n' +
              '3. Answer with the blob URI of sitemap.xml, the number of URLs, anything that looks wrong, and the line to add to robots.txt: Sitemap: <base_url>/sitemap.xml.',
          ),
        ],
      }),
    },
    {
      kind: 'prompt',
      source,
      name: 'optimize_images',
      title: 'Optimise the site images',
      description: 'Find the static images that slow the site down and give a prioritised optimisation plan.',
      arguments: [{ name: 'path', description: 'Only images under this directory of the static root (e.g. "images").', required: false }],
      get: (args) => {
        const where = args.path?.trim() ? `{"path": "${args.path.trim()}"}` : '{}';
        return {
          description: 'Image optimisation plan',
          messages: [
            user(
              `Review the images of the site for page-speed problems.\n\n` +
                `1. Call the tool image_report with ${where}. It lists every image in ${statics} with its real format, dimensions, size in bytes and suggestions.\n` +
                `2. Where it helps, read the templates in ${templates} to see how each image is used (hero, thumbnail, logo) and whether the <img> tags have width, height, alt and loading="lazy".\n` +
                '3. Give a plan ordered by bytes saved: for each image the target format (WebP/AVIF), target dimensions, an estimate of the new size, and the <picture>/srcset markup to use.\n\n' +
                'Do not invent images that are not in the report.',
            ),
          ],
        };
      },
    },
  ];
}
