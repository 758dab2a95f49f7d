/**
 * The SEO checks of `analyze_template`, on a real HTML parse (parse5, the WHATWG algorithm browsers
 * use, so `<title>` in the body or unclosed tags are read the way a crawler reads them). Each
 * finding has a stable code, a severity and a concrete fix.
 *
 * Thresholds follow common search-engine guidance: titles up to 60 characters (longer ones are
 * cut in results), meta descriptions 50–160 characters.
 */
import { parse, type DefaultTreeAdapterTypes } from 'parse5';

type Element = DefaultTreeAdapterTypes.Element;
type Node = DefaultTreeAdapterTypes.Node;

export type Severity = 'error' | 'warning' | 'info';

export interface SeoIssue {
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  readonly fix: string;
  readonly details?: Record<string, unknown>;
}

export interface SeoFacts {
  readonly title?: string;
  readonly titleLength?: number;
  readonly description?: string;
  readonly descriptionLength?: number;
  readonly lang?: string;
  readonly canonical?: string;
  readonly h1: readonly string[];
  readonly openGraph: Readonly<Record<string, string>>;
  readonly twitter: Readonly<Record<string, string>>;
  readonly images: number;
  readonly imagesWithoutAlt: readonly string[];
  readonly viewport?: string;
}

export interface SeoReport {
  readonly facts: SeoFacts;
  readonly issues: readonly SeoIssue[];
}

export const TITLE_MIN = 10;
export const TITLE_MAX = 60;
export const DESCRIPTION_MIN = 50;
export const DESCRIPTION_MAX = 160;
const REQUIRED_OPEN_GRAPH = ['og:title', 'og:description', 'og:image', 'og:url'] as const;

const attr = (el: Element, name: string) => el.attrs.find((a) => a.name === name)?.value;

function textOf(node: Node): string {
  if (node.nodeName === '#text') return (node as DefaultTreeAdapterTypes.TextNode).value;
  if ('childNodes' in node) return node.childNodes.map(textOf).join('');
  return '';
}

const squash = (text: string) => text.replace(/\s+/g, ' ').trim();
/** Template expressions make a length unknowable before rendering. */
const isDynamic = (text: string) => text.includes('{{');

function elements(root: Node): Element[] {
  const out: Element[] = [];
  const visit = (node: Node) => {
    if ('tagName' in node) out.push(node);
    if ('childNodes' in node) for (const child of node.childNodes) visit(child);
    // <template> content lives apart from its children.
    if (node.nodeName === 'template' && 'content' in node) visit((node as DefaultTreeAdapterTypes.Template).content);
  };
  visit(root);
  return out;
}

/** Analyse HTML; `titleBlock` is a Jinja `{% block title %}` that stands in for a missing `<title>`. */
export function analyzeHtml(html: string, options: { titleBlock?: string | undefined } = {}): SeoReport {
  const all = elements(parse(html));
  const named = (tag: string) => all.filter((e) => e.tagName === tag);
  const metaNamed = (name: string) => named('meta').find((m) => attr(m, 'name')?.toLowerCase() === name);
  const issues: SeoIssue[] = [];
  const add = (code: string, severity: Severity, message: string, fix: string, details?: Record<string, unknown>) =>
    issues.push({ code, severity, message, fix, ...(details ? { details } : {}) });

  // Title
  const titles = named('title');
  let title = titles.length ? squash(textOf(titles[0]!)) : undefined;
  if ((title === undefined || title === '') && options.titleBlock !== undefined && squash(options.titleBlock) !== '') title = squash(options.titleBlock);
  if (title === undefined) add('title_missing', 'error', 'The page has no <title>.', 'Add <title>Primary keyword – Brand</title> (up to 60 characters) inside <head>, or a {% block title %} in the template.');
  else if (title === '') add('title_empty', 'error', 'The <title> is empty.', 'Write a descriptive title of up to 60 characters.');
  else if (!isDynamic(title)) {
    if (title.length > TITLE_MAX) add('title_too_long', 'warning', `The title has ${title.length} characters; search results cut it after about ${TITLE_MAX}.`, `Shorten it to ${TITLE_MAX} characters or fewer, keywords first.`, { length: title.length, max: TITLE_MAX });
    else if (title.length < TITLE_MIN) add('title_too_short', 'warning', `The title has only ${title.length} characters.`, 'Describe the page in 30–60 characters: what it offers, then the brand.', { length: title.length, min: TITLE_MIN });
  } else add('title_dynamic', 'info', 'The title is filled in at render time; its length cannot be checked here.', `Make sure the rendered title stays within ${TITLE_MAX} characters.`);
  if (titles.length > 1) add('title_multiple', 'warning', `The page has ${titles.length} <title> elements.`, 'Keep exactly one <title> inside <head>.', { count: titles.length });

  // Meta description
  const descriptionTag = metaNamed('description');
  const description = descriptionTag ? squash(attr(descriptionTag, 'content') ?? '') : undefined;
  if (description === undefined) add('meta_description_missing', 'error', 'The page has no meta description.', `Add <meta name="description" content="…"> with a ${DESCRIPTION_MIN}–${DESCRIPTION_MAX} character summary of the page.`);
  else if (description === '') add('meta_description_empty', 'error', 'The meta description is empty.', `Write a ${DESCRIPTION_MIN}–${DESCRIPTION_MAX} character summary of the page.`);
  else if (!isDynamic(description)) {
    if (description.length > DESCRIPTION_MAX) add('meta_description_too_long', 'warning', `The meta description has ${description.length} characters; results cut it after about ${DESCRIPTION_MAX}.`, `Shorten it to ${DESCRIPTION_MAX} characters or fewer.`, { length: description.length, max: DESCRIPTION_MAX });
    else if (description.length < DESCRIPTION_MIN) add('meta_description_too_short', 'warning', `The meta description has only ${description.length} characters.`, `Expand it to ${DESCRIPTION_MIN}–${DESCRIPTION_MAX} characters that say what the page offers.`, { length: description.length, min: DESCRIPTION_MIN });
  }

  // Language and viewport
  const html5 = named('html')[0];
  const lang = html5 ? attr(html5, 'lang')?.trim() : undefined;
  if (!lang) add('lang_missing', 'warning', 'The <html> element has no lang attribute.', 'Declare the language, e.g. <html lang="en">, for search engines and screen readers.');
  const viewportTag = metaNamed('viewport');
  const viewport = viewportTag ? attr(viewportTag, 'content') : undefined;
  if (!viewport) add('viewport_missing', 'warning', 'The page has no viewport meta tag, so phones render it as a desktop page.', 'Add <meta name="viewport" content="width=device-width, initial-scale=1"> inside <head>.');

  // Canonical
  const canonicalTag = named('link').find((l) => (attr(l, 'rel') ?? '').toLowerCase().split(/\s+/).includes('canonical'));
  const canonical = canonicalTag ? (attr(canonicalTag, 'href') ?? '').trim() : undefined;
  if (canonical === undefined) add('canonical_missing', 'warning', 'The page has no canonical link.', 'Add <link rel="canonical" href="https://example.com/this-page"> with the absolute preferred URL.');
  else if (canonical === '') add('canonical_empty', 'warning', 'The canonical link has no href.', 'Give the canonical link the absolute preferred URL of the page.');
  else if (!isDynamic(canonical) && !/^https?:\/\//i.test(canonical)) add('canonical_relative', 'info', `The canonical URL "${canonical}" is relative.`, 'Use an absolute URL (https://…) for the canonical link.', { href: canonical });

  // Open Graph and Twitter
  const openGraph: Record<string, string> = {};
  const twitter: Record<string, string> = {};
  for (const meta of named('meta')) {
    const property = (attr(meta, 'property') ?? attr(meta, 'name') ?? '').toLowerCase();
    const content = attr(meta, 'content') ?? '';
    if (property.startsWith('og:')) openGraph[property] = content;
    else if (property.startsWith('twitter:')) twitter[property] = content;
  }
  const missingOg = REQUIRED_OPEN_GRAPH.filter((p) => !openGraph[p]);
  if (missingOg.length === REQUIRED_OPEN_GRAPH.length) {
    add('open_graph_missing', 'warning', 'The page has no Open Graph tags, so shared links get no title, description or image.', `Add <meta property="…" content="…"> for ${REQUIRED_OPEN_GRAPH.join(', ')}.`);
  } else if (missingOg.length) {
    add('open_graph_incomplete', 'warning', `Open Graph tags are missing: ${missingOg.join(', ')}.`, `Add <meta property="${missingOg[0]}" content="…"> and the others listed.`, { missing: missingOg });
  }
  if (!twitter['twitter:card']) add('twitter_card_missing', 'info', 'The page has no twitter:card meta tag.', 'Add <meta name="twitter:card" content="summary_large_image"> (X/Twitter falls back to Open Graph for the rest).');

  // Headings
  const h1 = named('h1').map((h) => squash(textOf(h)));
  if (h1.length === 0) add('h1_missing', 'warning', 'The page has no <h1>.', 'Give the page exactly one <h1> that states its main topic.');
  else if (h1.length > 1) add('h1_multiple', 'warning', `The page has ${h1.length} <h1> headings.`, 'Keep one <h1> for the main topic; turn the others into <h2>.', { headings: h1 });

  // Images
  const images = named('img');
  const withoutAlt = images.filter((img) => attr(img, 'alt') === undefined).map((img) => attr(img, 'src') ?? '(no src)');
  if (withoutAlt.length) {
    add(
      'img_alt_missing',
      'error',
      `${withoutAlt.length} image${withoutAlt.length > 1 ? 's have' : ' has'} no alt attribute: ${withoutAlt.join(', ')}.`,
      'Describe each image in an alt attribute; use alt="" only for purely decorative images.',
      { images: withoutAlt },
    );
  }

  return {
    facts: {
      ...(title !== undefined ? { title, titleLength: title.length } : {}),
      ...(description !== undefined ? { description, descriptionLength: description.length } : {}),
      ...(lang ? { lang } : {}),
      ...(canonical !== undefined ? { canonical } : {}),
      ...(viewport ? { viewport } : {}),
      h1,
      openGraph,
      twitter,
      images: images.length,
      imagesWithoutAlt: withoutAlt,
    },
    issues,
  };
}
