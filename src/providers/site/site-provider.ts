/**
 * The site provider (seed 000): SEO tools over the file roots — `analyze_template`,
 * `generate_sitemap`, `image_report` — and the prompts `analyze_seo`, `generate_sitemap`,
 * `optimize_images`. It reads files through `services.files` and stores the sitemap through
 * `services.blobs`, so it starts after the files and blobs providers and imports neither.
 */
import type { FrozenConfig } from '../../config/schema.js';
import type { Provider } from '../provider.js';
import { analyzeTemplateTool } from './analyze-template.js';
import { imageReportTool } from './image-report.js';
import type { SiteContext } from './site-context.js';
import { sitePrompts } from './site-prompts.js';
import { sitemapTool } from './sitemap.js';

export const SITE_SOURCE = 'site';

export function createSiteProvider(config: FrozenConfig): Provider {
  return {
    name: SITE_SOURCE,
    start({ catalog, services, logger }) {
      if (!config.site.enabled) return;
      const site: SiteContext = { services, config: config.site, scheme: config.mcp.uriScheme };
      if (!services.files) logger.warn('the files provider is not running: the site tools will answer "unavailable"');
      catalog.add([analyzeTemplateTool(site, SITE_SOURCE), sitemapTool(site, SITE_SOURCE), imageReportTool(site, SITE_SOURCE), ...sitePrompts(site, SITE_SOURCE)]);
    },
  };
}
