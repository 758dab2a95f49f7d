import { describe, expect, it } from 'vitest';
import { flattenTemplate } from '../../../src/providers/site/jinja-flatten.js';
import { analyzeHtml } from '../../../src/providers/site/seo-checks.js';

const codes = (html: string, titleBlock?: string) => analyzeHtml(html, { titleBlock }).issues.map((i) => i.code).sort();

const CLEAN_HEAD = `<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="description" content="A page about something useful, described in enough words to be a real summary.">
<link rel="canonical" href="https://example.com/page">
<meta property="og:title" content="T"><meta property="og:description" content="D"><meta property="og:image" content="https://example.com/i.png"><meta property="og:url" content="https://example.com/page">
<meta name="twitter:card" content="summary">`;

const page = (head: string, body: string, lang = ' lang="en"') => `<!DOCTYPE html><html${lang}><head>${head}</head><body>${body}</body></html>`;

describe('analyzeHtml', () => {
  it('finds nothing on a clean page', () => {
    expect(codes(page(`<title>A perfectly reasonable page title</title>${CLEAN_HEAD}`, '<h1>Topic</h1><img src="a.png" alt="A">'))).toEqual([]);
  });

  it('reports each fault with a severity and a fix', () => {
    const { issues, facts } = analyzeHtml(page('<meta charset="utf-8">', '<h1>One</h1><h1>Two</h1><img src="x.png"><img src="deco.png" alt="">', ''));
    expect(issues.map((i) => i.code).sort()).toEqual(
      ['canonical_missing', 'h1_multiple', 'img_alt_missing', 'lang_missing', 'meta_description_missing', 'open_graph_missing', 'title_missing', 'twitter_card_missing', 'viewport_missing'].sort(),
    );
    for (const issue of issues) {
      expect(['error', 'warning', 'info']).toContain(issue.severity);
      expect(issue.fix.length).toBeGreaterThan(10);
    }
    expect(issues.find((i) => i.code === 'img_alt_missing')?.details).toEqual({ images: ['x.png'] });
    expect(facts.h1).toEqual(['One', 'Two']);
  });

  it('judges title and description lengths, and leaves dynamic ones alone', () => {
    const long = 'x'.repeat(61);
    expect(codes(page(`<title>${long}</title>${CLEAN_HEAD}`, '<h1>a</h1>'))).toEqual(['title_too_long']);
    expect(codes(page(`<title>Short</title>${CLEAN_HEAD}`, '<h1>a</h1>'))).toEqual(['title_too_short']);
    expect(codes(page(`<title>{{ page.title }}</title>${CLEAN_HEAD}`, '<h1>a</h1>'))).toEqual(['title_dynamic']);
    const head = CLEAN_HEAD.replace(/content="A page[^"]*"/, 'content="Too short."');
    expect(codes(page(`<title>A perfectly reasonable page title</title>${head}`, '<h1>a</h1>'))).toEqual(['meta_description_too_short']);
  });

  it('reads markup the way browsers do: a <title> in the body still counts, entities are decoded', () => {
    const { facts } = analyzeHtml(page(CLEAN_HEAD, '<title>Fish &amp; Chips – the whole story</title><h1>a</h1>'));
    expect(facts.title).toBe('Fish & Chips – the whole story');
  });

  it('counts a Jinja title block as the title', () => {
    expect(codes(page(CLEAN_HEAD, '<h1>a</h1>'), 'A title from a Jinja block')).toEqual([]);
  });
});

describe('flattenTemplate', () => {
  const layouts: Record<string, string> = {
    'base.html': '<html lang="en"><head><title>{% block title %}Default{% endblock %}</title>{% block head %}{% endblock %}</head><body>{% block content %}{% endblock %}</body></html>',
    'two.html': '{% extends "base.html" %}{% block head %}<meta name="x" content="from two">{% endblock %}',
  };
  const load = (name: string) => Promise.resolve(layouts[name]);

  it('fills the blocks of the layout with the child’s and strips Jinja statements', async () => {
    const flat = await flattenTemplate('{% extends "base.html" %}{% block title %}Child title{% endblock %}{% block content %}{% if x %}<h1>Hi</h1>{% endif %}{# note #}{% endblock %}', load);
    expect(flat.html).toBe('<html lang="en"><head><title>Child title</title></head><body><h1>Hi</h1></body></html>');
    expect(flat.titleBlock).toBe('Child title');
    expect(flat.parents).toEqual(['base.html']);
  });

  it('follows chains of layouts, nearest block first', async () => {
    const flat = await flattenTemplate('{% extends "two.html" %}{% block content %}<p>c</p>{% endblock %}', load);
    expect(flat.parents).toEqual(['two.html', 'base.html']);
    expect(flat.html).toContain('<meta name="x" content="from two">');
    expect(flat.html).toContain('<title>Default</title>');
  });

  it('names a missing parent and stops on cycles', async () => {
    expect((await flattenTemplate('{% extends "nope.html" %}', load)).missingParent).toBe('nope.html');
    const cyclic = await flattenTemplate('{% extends "a.html" %}', (n) => Promise.resolve(n === 'a.html' ? '{% extends "b.html" %}' : '{% extends "a.html" %}'));
    expect(cyclic.parents).toEqual(['a.html', 'b.html']);
  });
});
