/**
 * `prompts`: the prompt library (seed 001) — versioned LiquidJS templates served as MCP prompts and
 * over REST. User-written templates run under these limits so a hostile one cannot hang the server
 * or exhaust its memory.
 */
import { z } from 'zod';
import { meta } from '../key-meta.js';

export const promptsSchema = z.strictObject({
  enabled: z.boolean().default(true).meta(meta({ description: 'Serve the prompt library: its templates as MCP prompts, the prompt tools and /api/v1/prompts.' })),
  seedBuiltins: z
    .boolean()
    .default(true)
    .meta(meta({ description: 'On first start, add the built-in templates (analyze_seo, generate_sitemap, optimize_images, business_logic_implementation). Deleted ones stay deleted.' })),
  syncIntervalMs: z
    .number()
    .int()
    .min(0)
    .default(5000)
    .meta(meta({ description: 'How often a server checks the database for template changes made elsewhere (other nodes, `portico prompts import`) and refreshes its MCP prompts; 0 turns it off.' })),
  usageRetentionDays: z
    .number()
    .int()
    .min(0)
    .default(90)
    .meta(meta({ description: 'Usage records (statistics, completion suggestions) older than this many days are deleted; 0 keeps them forever.' })),
  maxTemplateBytes: z
    .number()
    .int()
    .min(100)
    .max(10 * 1024 * 1024)
    .default(64 * 1024)
    .meta(meta({ description: 'Largest template body accepted (characters).' })),
  maxOutputBytes: z
    .number()
    .int()
    .min(100)
    .max(64 * 1024 * 1024)
    .default(256 * 1024)
    .meta(meta({ description: 'Largest rendered text; a render producing more fails with `render_limit_exceeded`.' })),
  renderTimeoutMs: z.number().int().min(10).max(60_000).default(1000).meta(meta({ description: 'Longest time one render may take.' })),
  maxRenderMemory: z
    .number()
    .int()
    .min(1000)
    .max(1_000_000_000)
    .default(10_000_000)
    .meta(meta({ description: 'LiquidJS memory budget for one render (string and array allocations by filters and ranges).' })),
});

export type PromptsConfig = z.output<typeof promptsSchema>;
