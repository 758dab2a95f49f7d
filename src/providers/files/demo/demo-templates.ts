/**
 * Demo templates for the `templates` root: a small shop site ("Acme Outfitters") whose pages carry
 * deliberate SEO faults for `analyze_template` to find, plus one page (`index.html`) that passes
 * every check. The faults are listed next to each template so tests and readers know what to expect.
 */

export interface DemoFile {
  readonly path: string;
  readonly content: string | Buffer;
}

/** Each demo template with the issue codes `analyze_template` must report for it. */
export const DEMO_TEMPLATE_FAULTS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  'index.html': [],
  'about.html': ['lang_missing', 'viewport_missing', 'meta_description_missing', 'h1_multiple', 'img_alt_missing', 'canonical_missing', 'open_graph_missing', 'twitter_card_missing'],
  'products.html': ['title_too_long', 'meta_description_too_long', 'h1_missing', 'canonical_missing', 'open_graph_missing', 'twitter_card_missing'],
  'blog/post.html': ['img_alt_missing', 'open_graph_incomplete', 'twitter_card_missing'],
  'contact.html': ['title_missing', 'meta_description_too_short', 'canonical_empty', 'img_alt_missing'],
});

const index = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Acme Outfitters – Outdoor Gear for Every Trail</title>
  <meta name="description" content="Tents, backpacks and trail shoes tested on real trails. Free returns for 60 days and repairs for life at Acme Outfitters.">
  <link rel="canonical" href="https://www.acme-outfitters.example/">
  <meta property="og:title" content="Acme Outfitters – Outdoor Gear for Every Trail">
  <meta property="og:description" content="Tents, backpacks and trail shoes tested on real trails.">
  <meta property="og:image" content="https://www.acme-outfitters.example/static/images/team.jpg">
  <meta property="og:url" content="https://www.acme-outfitters.example/">
  <meta property="og:type" content="website">
  <meta name="twitter:card" content="summary_large_image">
  <link rel="stylesheet" href="/static/css/site.css">
</head>
<body>
  <header>
    <a href="/"><img src="/static/images/logo.svg" alt="Acme Outfitters" width="120" height="40"></a>
    <nav><a href="/products">Products</a> <a href="/about">About</a> <a href="/blog/post">Journal</a></nav>
  </header>
  <main>
    <h1>Outdoor gear for every trail</h1>
    <p>Everything we sell is tested by our team on real trails before it reaches the shelf.</p>
    <img src="/static/images/team.jpg" alt="The Acme team on a ridge at sunrise" width="640" height="400">
    <h2>Repairs for life</h2>
    <p>Bring back anything you bought from us and we will mend it, for as long as you own it.</p>
  </main>
  <footer><p>&copy; {{ year }} Acme Outfitters</p></footer>
</body>
</html>
`;

// Faults: no lang, no viewport, no meta description, two h1, an image without alt, no canonical,
// no Open Graph or Twitter tags.
const about = `<!DOCTYPE html>
<html>
<head>
  <meta charset="utf-8">
  <title>About us – Acme Outfitters</title>
  <link rel="stylesheet" href="/static/css/site.css">
</head>
<body>
  <h1>About Acme Outfitters</h1>
  <img src="/static/images/hero.png">
  <h1>Our story</h1>
  <p>We started in a garage in 1998 with one sewing machine and a lot of broken tents.</p>
  <img src="/static/images/logo.png" alt="">
</body>
</html>
`;

// Faults: a title far over 60 characters, a meta description over 160, no h1, no canonical,
// no Open Graph or Twitter tags.
const products = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Products – Tents, Backpacks, Sleeping Bags, Trail Shoes, Jackets and Everything Else You Could Ever Need Outdoors | Acme Outfitters</title>
  <meta name="description" content="Browse our complete catalogue of outdoor equipment including tents, backpacks, sleeping bags, trail running shoes, waterproof jackets, cooking gear, navigation tools and much more, all tested on real trails by our own team.">
  <link rel="stylesheet" href="/static/css/site.css">
</head>
<body>
  <h2>Products</h2>
  {% for product in products %}
  <article>
    <h3>{{ product.name }}</h3>
    <img src="{{ product.image }}" alt="{{ product.name }}">
  </article>
  {% endfor %}
</body>
</html>
`;

// A layout: the Jinja blocks are filled in by the templates that extend it.
const base = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{% block title %}Acme Outfitters{% endblock %}</title>
  {% block head %}{% endblock %}
  <link rel="stylesheet" href="/static/css/site.css">
</head>
<body>
  <header><a href="/"><img src="/static/images/logo.svg" alt="Acme Outfitters"></a></header>
  <main>{% block content %}{% endblock %}</main>
</body>
</html>
`;

// Extends base.html; the title comes from a Jinja block. Faults: an image without alt, Open Graph
// tags without og:image and og:url, no Twitter card.
const post = `{% extends "base.html" %}
{% block title %}Choosing a Tent for Alpine Camping – Acme Journal{% endblock %}
{% block head %}
  <meta name="description" content="What matters in a tent above the tree line: wind stability, weight, condensation and how fast you can pitch it in a storm.">
  <link rel="canonical" href="https://www.acme-outfitters.example/blog/post">
  <meta property="og:title" content="Choosing a tent for alpine camping">
  <meta property="og:description" content="Wind stability, weight, condensation and pitching speed.">
{% endblock %}
{% block content %}
  <article>
    <h1>Choosing a tent for alpine camping</h1>
    <img src="/static/images/team.jpg" width="640" height="400">
    <p>Above the tree line the wind decides everything.</p>
  </article>
{% endblock %}
`;

// Faults: no title at all, a meta description that says nothing, a canonical link without a URL,
// an image without alt.
const contact = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="description" content="Contact us.">
  <link rel="canonical" href="">
  <meta property="og:title" content="Contact Acme Outfitters">
  <meta property="og:description" content="Write to us or visit the shop.">
  <meta property="og:image" content="https://www.acme-outfitters.example/static/images/team.jpg">
  <meta property="og:url" content="https://www.acme-outfitters.example/contact">
  <meta name="twitter:card" content="summary">
</head>
<body>
  <h1>Contact</h1>
  <img src="/static/images/map.png">
  <form method="post" action="/contact"><label>Email <input type="email" name="email"></label><button>Send</button></form>
</body>
</html>
`;

// Not a page: kept out of the sitemap by its noindex robots tag.
const notFound = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="robots" content="noindex">
  <title>Page not found – Acme Outfitters</title>
</head>
<body><h1>We could not find that page</h1></body>
</html>
`;

export function demoTemplates(): DemoFile[] {
  return [
    { path: 'index.html', content: index },
    { path: 'about.html', content: about },
    { path: 'products.html', content: products },
    { path: 'contact.html', content: contact },
    { path: 'base.html', content: base },
    { path: 'blog/post.html', content: post },
    { path: '404.html', content: notFound },
  ];
}
