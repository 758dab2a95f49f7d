/**
 * `image_report` (seed 000's optimize_images, done properly): every raster and vector image in the
 * static root with its real format and dimensions (read from the file header with `image-size`, not
 * guessed from the extension), its size in bytes, and concrete suggestions: a next-generation
 * format, a smaller width, a tighter byte budget, or a fix for an extension that lies.
 */
import { imageSize } from 'image-size';
import type { ToolEntry } from '../../core/catalog/entries.js';
import type { CallToolResult } from '../../core/catalog/mcp-shapes.js';
import type { ExecutionContext } from '../../core/pipeline/execution-context.js';
import { guarded, ok } from '../tool-results.js';
import { siteRoot, type SiteContext } from './site-context.js';

const IMAGE = /\.(png|jpe?g|gif|webp|avif|svg|bmp|tiff?|ico|heic|heif)$/i;
/** Most headers fit in the first 64 KiB; JPEG dimensions may sit behind a large EXIF block, so retry with more. */
const HEADER_BYTES = 64 * 1024;
const LONG_HEADER_BYTES = 1024 * 1024;
const MAX_IMAGES = 5000;
const LEGACY_RASTER = new Set(['png', 'jpg', 'gif', 'bmp', 'tiff']);
const EXTENSION_FORMATS: Readonly<Record<string, string>> = { jpeg: 'jpg', jpg: 'jpg', tif: 'tiff', tiff: 'tiff' };

export interface ImageFinding {
  path: string;
  uri: string;
  format: string;
  width?: number;
  height?: number;
  bytes: number;
  suggestions: string[];
}

const kib = (bytes: number) => (bytes < 1024 ? `${bytes} bytes` : `${Math.round(bytes / 1024)} KiB`);

/** What to do about one image, given its facts and the budgets. */
export function suggestionsFor(image: Omit<ImageFinding, 'suggestions'>, extension: string, budget: { largeImageBytes: number; maxImageWidth: number }): string[] {
  const out: string[] = [];
  const { format, width, height, bytes } = image;
  const claimed = EXTENSION_FORMATS[extension] ?? extension;
  if (format !== 'unknown' && claimed !== format) out.push(`The file is ${format.toUpperCase()} but named .${extension}: rename it to .${format} so servers send the right Content-Type.`);
  if (LEGACY_RASTER.has(format)) {
    if (format === 'gif') out.push('Replace the GIF with an animated WebP or a muted looping MP4/WebM video: typically 5–10× smaller.');
    else if (format === 'png' && bytes <= 20 * 1024) out.push('Convert to lossless WebP (typically ~25% smaller than PNG), or SVG if it is a logo or icon.');
    else out.push(`Convert to WebP or AVIF (typically 25–50% smaller than ${format.toUpperCase()} at the same visual quality); serve it with <picture> and keep the ${format.toUpperCase()} as fallback.`);
  }
  if (width !== undefined && width > budget.maxImageWidth) {
    const newHeight = height !== undefined ? Math.round((height * budget.maxImageWidth) / width) : undefined;
    out.push(
      `Resize from ${width}×${height ?? '?'} px to at most ${budget.maxImageWidth}${newHeight !== undefined ? `×${newHeight}` : ''} px, and offer smaller widths with srcset/sizes for phones.`,
    );
  }
  if (bytes > budget.largeImageBytes) out.push(`At ${kib(bytes)} it is over the ${kib(budget.largeImageBytes)} budget: compress it (e.g. quality 75–85) and lazy-load it (loading="lazy") if it is below the fold.`);
  if (format === 'svg' && bytes > 20 * 1024) out.push(`The SVG has ${kib(bytes)}: minify it (e.g. SVGO) and serve it gzip/brotli-compressed.`);
  return out;
}

/** Format and dimensions from a file's first bytes; undefined when they do not tell. */
function measure(bytes: Buffer): { type?: string | undefined; width?: number | undefined; height?: number | undefined } | undefined {
  try {
    return imageSize(bytes);
  } catch {
    return undefined; // not an image, or its header lies beyond what was read
  }
}

export function imageReportTool(site: SiteContext, source: string): ToolEntry {
  async function run(args: Record<string, unknown>, ctx: ExecutionContext): Promise<CallToolResult> {
    const { files, root } = siteRoot(site, ctx.principal, 'staticRoot');
    const dir = typeof args.path === 'string' ? args.path : '';
    const budget = { largeImageBytes: site.config.largeImageBytes, maxImageWidth: site.config.maxImageWidth };
    const candidates = (await files.walk(root, dir, { max: MAX_IMAGES * 4, signal: ctx.signal })).filter((f) => IMAGE.test(f.name)).slice(0, MAX_IMAGES);
    const images: ImageFinding[] = [];
    for (const file of candidates) {
      let head = await files.read(root, file.path, { limit: HEADER_BYTES, signal: ctx.signal });
      let size = measure(head.bytes);
      if (!size && head.truncated) {
        head = await files.read(root, file.path, { limit: LONG_HEADER_BYTES, signal: ctx.signal });
        size = measure(head.bytes);
      }
      const format = size?.type ?? 'unknown';
      const width = size?.width;
      const height = size?.height;
      const facts = { path: file.path, uri: file.uri, format, ...(width !== undefined ? { width } : {}), ...(height !== undefined ? { height } : {}), bytes: file.size ?? head.entry.size ?? 0 };
      const extension = file.name.slice(file.name.lastIndexOf('.') + 1).toLowerCase();
      const suggestions = format === 'unknown' ? ['The file could not be read as an image: check that it is not corrupt or mislabelled.'] : suggestionsFor(facts, extension, budget);
      images.push({ ...facts, suggestions });
    }
    const totalBytes = images.reduce((sum, i) => sum + i.bytes, 0);
    const flagged = images.filter((i) => i.suggestions.length > 0);
    const lines = images.map((i) => {
      const dims = i.width !== undefined ? `${i.width}×${i.height} px` : 'size unknown';
      const advice = i.suggestions.length ? i.suggestions.map((s) => `\n  - ${s}`).join('') : '\n  - Fine as it is.';
      return `- ${root}/${i.path}: ${i.format.toUpperCase()}, ${dims}, ${kib(i.bytes)}${advice}`;
    });
    const text = images.length
      ? `${images.length} image(s) in ${root}/${dir}, ${kib(totalBytes)} in total; ${flagged.length} with suggestions.\n${lines.join('\n')}`
      : `No images in ${root}/${dir}.`;
    return ok(text, {
      root,
      path: dir,
      budget,
      summary: { images: images.length, bytes: totalBytes, withSuggestions: flagged.length },
      images: images.map((i) => ({ ...i })),
    });
  }

  return {
    kind: 'tool',
    source,
    name: 'image_report',
    title: 'Report on static images',
    description:
      'List the images in the static root with their real format, dimensions and size in bytes, and concrete suggestions: next-gen format (WebP/AVIF), oversized dimensions, byte budget, mislabelled extensions.',
    inputSchema: {
      type: 'object',
      properties: { path: { type: 'string', maxLength: 1100, description: 'Only images under this directory of the static root (default: all).' } },
      additionalProperties: false,
    },
    annotations: { readOnlyHint: true, openWorldHint: false },
    handler: (args, ctx) => guarded(() => run(args, ctx)),
  };
}
