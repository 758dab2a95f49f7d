/**
 * The site tools on the demo content the files provider writes on first start: the planted faults
 * are found (and nothing else), the clean page passes, the sitemap lists the real pages, the image
 * report judges the real images.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CallToolResult } from '../../../src/core/catalog/mcp-shapes.js';
import { DEMO_TEMPLATE_FAULTS } from '../../../src/providers/files/demo/demo-templates.js';
import { analyzeTemplateTool } from '../../../src/providers/site/analyze-template.js';
import { imageReportTool } from '../../../src/providers/site/image-report.js';
import { checkBaseUrl, pagePath, sitemapTool } from '../../../src/providers/site/sitemap.js';
import { contextAs, demoSite, structured, type DemoSite } from './site-kit.js';

const READER = contextAs(['tools:call:*', 'files:read']);
let demo: DemoSite;

beforeAll(async () => {
  demo = await demoSite();
});

const analyze = async (args: Record<string, unknown>, ctx = READER) => (await analyzeTemplateTool(demo.site, 'site').handler(args, ctx)) as CallToolResult;

describe('analyze_template on the demo templates', () => {
  it.each(Object.entries(DEMO_TEMPLATE_FAULTS))('%s: reports exactly the planted faults', async (template, faults) => {
    const result = await analyze({ template_name: template });
    expect(result.isError).toBeFalsy();
    const issues = structured(result).issues as { code: string; severity: string; fix: string }[];
    expect(issues.map((i) => i.code).sort()).toEqual([...faults].sort());
    for (const issue of issues) expect(issue.fix).toBeTruthy();
  });

  it('passes the clean page with a text that says so', async () => {
    const result = await analyze({ template_name: 'index.html' });
    expect(result.content[0]).toEqual({ type: 'text', text: 'templates/index.html: no SEO issues found.' });
    expect(structured(result).summary).toEqual({ errors: 0, warnings: 0, infos: 0 });
  });

  it('judges a template that extends a layout with the layout’s head, and takes the title from the Jinja block', async () => {
    const result = structured(await analyze({ template_name: 'blog/post.html' }));
    expect(result.extends).toEqual(['base.html']);
    expect(result.facts.title).toBe('Choosing a Tent for Alpine Camping – Acme Journal');
    expect(result.facts.lang).toBe('en');
  });

  it('accepts the root prefix or the resource URI, and analyses given HTML', async () => {
    expect(structured(await analyze({ template_name: 'portico://templates/about.html' })).template).toBe('portico://templates/about.html');
    const html = structured(await analyze({ html: '<html><head><title>Hello there, world</title></head><body></body></html>' }));
    expect(html.issues.map((i: { code: string }) => i.code)).toContain('meta_description_missing');
  });

  it('refuses traversal and unknown templates with stable codes', async () => {
    for (const name of ['../secret.key', '/etc/passwd', '%2e%2e/secret.key', 'a\u0000b', '..\\x']) {
      const result = await analyze({ template_name: name });
      expect(result.isError).toBe(true);
      expect(structured(result).error.code).toBe('path_not_allowed');
    }
    expect(structured(await analyze({ template_name: 'missing.html' })).error.code).toBe('not_found');
    expect(structured(await analyze({})).error.code).toBe('validation_failed');
  });

  it('needs files:read to read a template', async () => {
    const result = await analyze({ template_name: 'index.html' }, contextAs(['tools:call:*']));
    expect(result.isError).toBe(true);
    expect(structured(result).error).toMatchObject({ code: 'forbidden', details: { permission: 'files:read' } });
  });
});

describe('generate_sitemap', () => {
  const generate = async (args: Record<string, unknown>) => (await sitemapTool(demo.site, 'site').handler(args, READER)) as CallToolResult;

  it('lists the pages, not layouts, error pages or noindex pages (without a blob store it still returns the XML)', async () => {
    const result = await generate({ base_url: 'https://www.acme.example' });
    expect(result.isError).toBeFalsy();
    const s = structured(result);
    expect(s.urls.map((u: { loc: string }) => u.loc)).toEqual([
      'https://www.acme.example/',
      'https://www.acme.example/about',
      'https://www.acme.example/blog/post',
      'https://www.acme.example/contact',
      'https://www.acme.example/products',
    ]);
    expect(s.excluded).toEqual([
      { template: '404.html', reason: 'error page' },
      { template: 'base.html', reason: 'layout (extended by other templates)' },
    ]);
    expect(s.blob).toBeUndefined();
    const xml = (result.content.find((c) => c.type === 'resource') as { resource: { text: string } }).resource.text;
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<urlset xmlns="http:\/\/www.sitemaps.org\/schemas\/sitemap\/0.9">/);
    expect(xml).toContain('<loc>https://www.acme.example/blog/post</loc>');
    expect(xml.match(/<url>/g)).toHaveLength(5);
    expect(xml).toMatch(/<lastmod>\d{4}-\d{2}-\d{2}<\/lastmod>/);
  });

  it('keeps a base path, and .html when pretty_urls is off; leaves out noindex pages', async () => {
    writeFileSync(join(demo.dataDir, 'templates', 'draft.html'), '<html><head><meta name="robots" content="noindex, nofollow"></head></html>');
    const s = structured(await generate({ base_url: 'https://acme.example/shop/', pretty_urls: false }));
    expect(s.urls.map((u: { loc: string }) => u.loc)).toContain('https://acme.example/shop/about.html');
    expect(s.urls.map((u: { loc: string }) => u.loc)).toContain('https://acme.example/shop/');
    expect(s.excluded).toContainEqual({ template: 'draft.html', reason: 'marked noindex' });
  });

  it('refuses base URLs that are not plain http(s)', async () => {
    for (const base_url of ['ftp://acme.example', 'javascript:alert(1)', 'not a url', 'https://user:pw@acme.example', 'https://acme.example/?q=1']) {
      const result = await generate({ base_url });
      expect(result.isError, base_url).toBe(true);
      expect(structured(result).error.code).toBe('validation_failed');
    }
    expect(() => checkBaseUrl('http://localhost:8080')).not.toThrow();
  });

  it('maps template paths to URLs', () => {
    expect(pagePath('index.html', true)).toBe('');
    expect(pagePath('blog/index.html', true)).toBe('blog/');
    expect(pagePath('a b/c.html', true)).toBe('a%20b/c');
    expect(pagePath('about.htm', false)).toBe('about.htm');
  });
});

describe('image_report on the demo images', () => {
  it('reports format, dimensions and bytes from the files themselves, with concrete suggestions', async () => {
    const result = (await imageReportTool(demo.site, 'site').handler({}, READER)) as CallToolResult;
    expect(result.isError).toBeFalsy();
    const s = structured(result);
    const byPath = Object.fromEntries(s.images.map((i: { path: string }) => [i.path, i]));
    expect(Object.keys(byPath).sort()).toEqual(['images/hero.png', 'images/logo.png', 'images/logo.svg', 'images/map.png', 'images/team.jpg']);

    const hero = byPath['images/hero.png'];
    expect(hero).toMatchObject({ format: 'png', width: 2200, height: 1100, uri: 'portico://static/images/hero.png' });
    expect(hero.bytes).toBeGreaterThan(200 * 1024);
    expect(hero.suggestions.join('\n')).toMatch(/WebP or AVIF/);
    expect(hero.suggestions.join('\n')).toMatch(/Resize from 2200×1100 px to at most 1920×960 px/);
    expect(hero.suggestions.join('\n')).toMatch(/over the 200 KiB budget/);

    expect(byPath['images/team.jpg']).toMatchObject({ format: 'jpg', width: 640, height: 400 });
    expect(byPath['images/team.jpg'].suggestions).toHaveLength(1);
    expect(byPath['images/logo.png'].suggestions[0]).toMatch(/lossless WebP/);
    expect(byPath['images/logo.svg']).toMatchObject({ format: 'svg', suggestions: [] });
    expect(s.summary.withSuggestions).toBe(4);
  });

  it('finds JPEG dimensions behind large metadata blocks', async () => {
    const dir = join(demo.dataDir, 'static', 'images');
    const jpeg = readFileSync(join(dir, 'team.jpg'));
    // Two 60 KiB APP1 segments (as cameras write EXIF and thumbnails) push the frame header past 64 KiB.
    const app1 = () => {
      const payload = Buffer.alloc(60 * 1024, 0x41);
      const header = Buffer.from([0xff, 0xe1, 0, 0]);
      header.writeUInt16BE(payload.length + 2, 2);
      return Buffer.concat([header, payload]);
    };
    writeFileSync(join(dir, 'camera.jpg'), Buffer.concat([jpeg.subarray(0, 2), app1(), app1(), jpeg.subarray(2)]));
    const s = structured(await imageReportTool(demo.site, 'site').handler({ path: 'images' }, READER));
    expect(s.images.find((i: { path: string }) => i.path === 'images/camera.jpg')).toMatchObject({ format: 'jpg', width: 640, height: 400 });
  });

  it('notices an extension that lies about the format', async () => {
    const dir = join(demo.dataDir, 'static', 'images');
    writeFileSync(join(dir, 'photo.png'), readFileSync(join(dir, 'team.jpg')));
    const s = structured(await imageReportTool(demo.site, 'site').handler({ path: 'images' }, READER));
    const photo = s.images.find((i: { path: string }) => i.path === 'images/photo.png');
    expect(photo.format).toBe('jpg');
    expect(photo.suggestions[0]).toMatch(/JPG but named \.png/);
  });
});
