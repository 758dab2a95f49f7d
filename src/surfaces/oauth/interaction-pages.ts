/**
 * The HTML of the OAuth login, consent and error pages: server-rendered, no script, no external
 * asset, one inline stylesheet allowed by its hash. Every value from a client or a user is escaped.
 * Forms post to this server; after the consent (or a login that needs none) the browser is
 * redirected on to the client, so `form-action` also allows the client's redirect URI (browsers
 * apply it to redirects that follow a form submission).
 */
import { createHash } from 'node:crypto';

const STYLE = [
  ':root{color-scheme:light dark;font-family:system-ui,-apple-system,"Segoe UI",sans-serif;line-height:1.45}',
  'body{margin:0;padding:2rem 1rem;background:Canvas;color:CanvasText}',
  'main{max-width:26rem;margin:0 auto;padding:1.5rem;border:1px solid GrayText;border-radius:.5rem}',
  'h1{font-size:1.3rem;margin:0 0 1rem}',
  'p,ul{margin:.5rem 0}',
  'label{display:block;margin:.75rem 0 .25rem;font-weight:600}',
  'input[type=text],input[type=password]{box-sizing:border-box;width:100%;padding:.5rem;font:inherit}',
  '.actions{display:flex;gap:.5rem;margin-top:1.25rem}',
  'button{font:inherit;padding:.5rem 1rem;cursor:pointer}',
  'button.primary{font-weight:600}',
  '.error{padding:.5rem .75rem;border:1px solid #b00020;border-radius:.25rem;color:#b00020}',
  '.muted{opacity:.75;font-size:.9rem}',
  'code{overflow-wrap:anywhere}',
].join('');

const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** CSP source expressions that let a form's redirect reach `redirectUri` (none for an unusable value). */
export function redirectSources(redirectUri: unknown): string[] {
  if (typeof redirectUri !== 'string') return [];
  const url = URL.parse(redirectUri);
  if (!url) return [];
  const source = url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : url.protocol;
  // A CSP source expression is one token of safe characters.
  return /^[A-Za-z][A-Za-z0-9+.-]*:(\/\/[A-Za-z0-9.\-[\]:]+)?$/.test(source) ? [source] : [];
}

/** The page's policy: its own stylesheet, forms to itself (and the redirect targets), nothing else. */
export function pageCsp(formTargets: readonly string[] = []): string {
  return [
    "default-src 'none'",
    `style-src ${STYLE_HASH}`,
    `form-action 'self'${formTargets.map((t) => ` ${t}`).join('')}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)} · Portico</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

const hidden = (name: string, value: string) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`;

export interface LoginPageInput {
  action: string;
  csrf: string;
  abortAction: string;
  abortCsrf: string;
  clientName: string;
  username?: string | undefined;
  error?: string | undefined;
}

export function loginPage(input: LoginPageInput): string {
  return page(
    'Sign in',
    `<h1>Sign in to Portico</h1>
<p><strong>${escapeHtml(input.clientName)}</strong> wants to connect to Portico on your behalf. Sign in to continue.</p>
${input.error ? `<p class="error" role="alert">${escapeHtml(input.error)}</p>` : ''}
<form method="post" action="${escapeHtml(input.action)}">
${hidden('csrf', input.csrf)}
<label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="64" value="${escapeHtml(input.username ?? '')}"${input.username ? '' : ' autofocus'}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024"${input.username ? ' autofocus' : ''}>
<div class="actions"><button class="primary" type="submit">Sign in</button></div>
</form>
<form method="post" action="${escapeHtml(input.abortAction)}">
${hidden('csrf', input.abortCsrf)}
<div class="actions"><button type="submit">Cancel</button></div>
</form>`,
  );
}

export interface ConsentPageInput {
  action: string;
  csrf: string;
  clientName: string;
  clientId: string;
  redirectUri: string | undefined;
  username: string;
  scopes: readonly { name: string; description: string }[];
  resources: readonly string[];
}

export function consentPage(input: ConsentPageInput): string {
  const scopes = input.scopes.length
    ? `<ul>${input.scopes.map((s) => `<li><code>${escapeHtml(s.name)}</code> — ${escapeHtml(s.description)}</li>`).join('')}</ul>`
    : '<p>No particular permissions.</p>';
  const resources = input.resources.map((r) => `<code>${escapeHtml(r)}</code>`).join(', ');
  return page(
    'Allow access',
    `<h1>Allow access to Portico?</h1>
<p><strong>${escapeHtml(input.clientName)}</strong> asks to act as <strong>${escapeHtml(input.username)}</strong> on ${resources || 'this server'}.</p>
<p>It will be allowed to:</p>
${scopes}
<p class="muted">Client id: <code>${escapeHtml(input.clientId)}</code>${input.redirectUri ? `<br>Returns to: <code>${escapeHtml(input.redirectUri)}</code>` : ''}</p>
<p class="muted">It never gets more than your role allows. You can revoke its access at any time.</p>
<form method="post" action="${escapeHtml(input.action)}">
${hidden('csrf', input.csrf)}
<div class="actions">
<button class="primary" type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</div>
</form>`,
  );
}

export function errorPage(title: string, message: string, details: Readonly<Record<string, string>> = {}): string {
  const rows = Object.entries(details)
    .map(([k, v]) => `<li><code>${escapeHtml(k)}</code>: ${escapeHtml(v)}</li>`)
    .join('');
  return page(title, `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(message)}</p>${rows ? `\n<ul class="muted">${rows}</ul>` : ''}`);
}
