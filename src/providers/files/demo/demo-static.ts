/**
 * Demo content for the `static` root: a stylesheet, a script, an SVG logo and real raster images
 * made in code (PNG via node:zlib, a mosaic JPEG). `images/hero.png` is deliberately too wide and
 * too heavy for the web, so `image_report` has something concrete to say; the JPEG and the small
 * PNGs get next-gen format suggestions; the SVG gets none.
 */
import { encodeMosaicJpeg } from '../jpeg-encoder.js';
import { encodePng } from '../png-encoder.js';
import type { DemoFile } from './demo-templates.js';

const css = `/* Acme Outfitters */
:root { --ink: #1a202c; --accent: #dd6b20; --paper: #fffaf0; }
* { box-sizing: border-box; }
body { margin: 0; font-family: system-ui, sans-serif; color: var(--ink); background: var(--paper); line-height: 1.5; }
header, main, footer { max-width: 60rem; margin: 0 auto; padding: 1rem; }
nav a { margin-right: 1rem; color: var(--accent); text-decoration: none; }
h1 { font-size: 2.25rem; line-height: 1.2; }
img { max-width: 100%; height: auto; }
`;

const js = `// Marks the current page in the navigation.
for (const link of document.querySelectorAll('nav a')) {
  if (link.getAttribute('href') === location.pathname) link.setAttribute('aria-current', 'page');
}
`;

const logoSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" viewBox="0 0 120 40">
  <title>Acme Outfitters</title>
  <path d="M4 36 L20 8 L36 36 Z" fill="#dd6b20"/>
  <text x="42" y="27" font-family="sans-serif" font-size="16" fill="#1a202c">Acme</text>
</svg>
`;

const clamp = (v: number) => Math.max(0, Math.min(255, Math.round(v)));

/** A mountain-at-dusk picture: sky gradient over a ridge line. */
function landscape(width: number, height: number): (x: number, y: number) => [number, number, number] {
  const ridge = Float64Array.from({ length: width }, (_, x) => height * (0.55 + 0.12 * Math.sin(x / (width / 7)) + 0.05 * Math.sin(x / (width / 31))));
  return (x, y) => {
    const top = ridge[x]!;
    if (y < top) {
      const t = y / top;
      return [clamp(43 + 200 * t), clamp(108 + 70 * t), clamp(176 - 90 * t)];
    }
    const t = (y - top) / (height - top);
    return [clamp(45 - 20 * t), clamp(70 - 30 * t), clamp(60 - 25 * t)];
  };
}

let made: readonly DemoFile[] | undefined;

/** The demo files; made once per process (the large PNG takes a moment to encode). */
export function demoStatic(): readonly DemoFile[] {
  return (made ??= makeDemoStatic());
}

function makeDemoStatic(): readonly DemoFile[] {
  return [
    { path: 'css/site.css', content: css },
    { path: 'js/site.js', content: js },
    { path: 'images/logo.svg', content: logoSvg },
    // Oversized on purpose: 2200 px wide, and saved with the fastest deflate level (as many
    // exporters do), which leaves it well over the 200 KiB budget.
    { path: 'images/hero.png', content: encodePng(2200, 1100, landscape(2200, 1100), 1) },
    { path: 'images/logo.png', content: encodePng(120, 40, (x) => (x < 36 ? [221, 107, 32] : [255, 250, 240])) },
    { path: 'images/map.png', content: encodePng(320, 200, (x, y) => ((x >> 4) + (y >> 4)) % 2 === 0 ? [226, 232, 240] : [203, 213, 224]) },
    { path: 'images/team.jpg', content: encodeMosaicJpeg(640, 400, landscape(640, 400)) },
  ];
}
