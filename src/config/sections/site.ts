/**
 * `site`: the SEO tools over the file roots (seed 000): `analyze_template`, `generate_sitemap`,
 * `image_report` and their prompts. Which roots hold the templates and the images, and the
 * thresholds the image report judges by.
 */
import { z } from 'zod';
import { meta } from '../key-meta.js';

export const siteSchema = z.strictObject({
  enabled: z.boolean().default(true).meta(meta({ description: 'Add the site tools (analyze_template, generate_sitemap, image_report) and their prompts.' })),
  templatesRoot: z.string().min(1).default('templates').meta(meta({ description: 'File root holding the HTML templates the site tools analyse and the sitemap lists.' })),
  staticRoot: z.string().min(1).default('static').meta(meta({ description: 'File root holding the images `image_report` inspects.' })),
  largeImageBytes: z
    .number()
    .int()
    .min(1)
    .default(200 * 1024)
    .meta(meta({ description: '`image_report` flags images larger than this many bytes.' })),
  maxImageWidth: z.number().int().min(1).default(1920).meta(meta({ description: '`image_report` flags images wider than this many pixels.' })),
});

export type SiteConfig = z.output<typeof siteSchema>;
