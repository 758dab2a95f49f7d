/**
 * Test kit for Portico's OAuth flow: a minimal "browser" (cookie jar, manual redirects, form posts
 * read from the served HTML, no JavaScript) and an SDK v2 OAuthClientProvider that keeps
 * everything in memory and hands the authorization URL to the browser instead of opening one.
 * All traffic goes to the Portico under test on 127.0.0.1; the redirect URI is never contacted.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { OAuthClientMetadata, OAuthClientProvider, OAuthDiscoveryState, StoredOAuthClientInformation, StoredOAuthTokens } from '@modelcontextprotocol/client';

export const REDIRECT_URI = 'http://127.0.0.1:1/callback';
export const ADMIN_PASSWORD = 'correct-horse-battery-9';

/** Cookies per name (one host under test, so no domain/path matching is needed beyond the path prefix). */
export class Browser {
  private readonly cookies = new Map<string, { value: string; path: string }>();

  cookieHeader(url: string): string {
    const path = new URL(url).pathname;
    return [...this.cookies.entries()]
      .filter(([, c]) => path.startsWith(c.path))
      .map(([name, c]) => `${name}=${c.value}`)
      .join('; ');
  }

  private store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      const path = attrs.find((a) => a.toLowerCase().startsWith('path='))?.slice(5) ?? '/';
      const expired = attrs.some((a) => /^expires=/i.test(a) && Date.parse(a.slice(8)) < Date.now()) || attrs.some((a) => /^max-age=0$/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, { value, path });
    }
  }

  /** One request, cookies sent and kept, redirects not followed. */
  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    const cookie = this.cookieHeader(url);
    if (cookie) headers.set('cookie', cookie);
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    this.store(res);
    return res;
  }

  /**
   * Follow redirects from `url` while they stay on `origin`; returns the last response and, when a
   * redirect leaves the origin (the client's redirect URI), that URL.
   */
  async follow(url: string, origin: string, init: RequestInit = {}): Promise<{ res: Response; leftTo?: URL; url: string }> {
    let current = url;
    let res = await this.request(current, init);
    for (let hops = 0; hops < 10 && res.status >= 300 && res.status < 400; hops++) {
      const next = new URL(res.headers.get('location')!, current);
      if (next.origin !== origin) return { res, leftTo: next, url: current };
      current = next.href;
      res = await this.request(current);
    }
    return { res, url: current };
  }

  /** Post a form (urlencoded), as a browser submitting it would (Origin of the page). */
  post(url: string, fields: Record<string, string>, origin = new URL(url).origin): Promise<Response> {
    return this.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
      body: new URLSearchParams(fields).toString(),
    });
  }
}

/** The forms of a page: action and fields (hidden inputs and named buttons' values). */
export function formsOf(html: string): { action: string; fields: Record<string, string> }[] {
  const decode = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  return [...html.matchAll(/<form method="post" action="([^"]+)">([\s\S]*?)<\/form>/g)].map((m) => {
    const fields: Record<string, string> = {};
    for (const input of m[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[decode(input[1]!)] = decode(input[2]!);
    return { action: decode(m[1]!), fields };
  });
}

export interface AuthorizeOptions {
  username?: string;
  password?: string;
  decision?: 'allow' | 'deny';
}

/**
 * Drive the login and consent pages for an authorization URL, as a user would; returns the URL the
 * browser is finally sent to (the client's redirect URI with `code`, `state`, `iss`, or an error).
 */
export async function authorizeInBrowser(browser: Browser, authorizationUrl: string | URL, options: AuthorizeOptions = {}): Promise<URL> {
  const origin = new URL(authorizationUrl).origin;
  let step = await browser.follow(String(authorizationUrl), origin);
  for (let pages = 0; pages < 4; pages++) {
    if (step.leftTo) return step.leftTo;
    if (step.res.status !== 200) throw new Error(`authorization stopped at ${step.url} with ${step.res.status}: ${await step.res.text()}`);
    const html = await step.res.text();
    const [form] = formsOf(html);
    if (!form) throw new Error(`no form on ${step.url}: ${html}`);
    const action = new URL(form.action, step.url).href;
    let res: Response;
    if (action.endsWith('/login')) {
      res = await browser.post(action, { ...form.fields, username: options.username ?? 'admin', password: options.password ?? ADMIN_PASSWORD });
    } else if (action.endsWith('/consent')) {
      res = await browser.post(action, { ...form.fields, decision: options.decision ?? 'allow' });
    } else {
      throw new Error(`unexpected form ${action}`);
    }
    if (res.status < 300 || res.status >= 400) throw new Error(`form post to ${action} answered ${res.status}: ${await res.text()}`);
    step = await browser.follow(new URL(res.headers.get('location')!, action).href, origin);
  }
  throw new Error('too many pages');
}

/** PKCE pair (S256). */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** An in-memory SDK OAuth client: registers dynamically, records the authorization URL. */
export class MemoryOAuthProvider implements OAuthClientProvider {
  client?: StoredOAuthClientInformation;
  saved?: StoredOAuthTokens;
  verifier?: string;
  discovery?: OAuthDiscoveryState;
  authorizationUrl?: URL;
  readonly stateValue = randomBytes(8).toString('hex');

  constructor(private readonly name = 'Portico OAuth e2e') {}

  get redirectUrl(): string {
    return REDIRECT_URI;
  }
  get clientMetadata(): OAuthClientMetadata {
    return { client_name: this.name, redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] };
  }
  state(): string {
    return this.stateValue;
  }
  clientInformation(): StoredOAuthClientInformation | undefined {
    return this.client;
  }
  saveClientInformation(info: StoredOAuthClientInformation): void {
    this.client = info;
  }
  tokens(): StoredOAuthTokens | undefined {
    return this.saved;
  }
  saveTokens(tokens: StoredOAuthTokens): void {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL): void {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier;
  }
  codeVerifier(): string {
    if (!this.verifier) throw new Error('no code verifier saved');
    return this.verifier;
  }
  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.discovery = state;
  }
  discoveryState(): OAuthDiscoveryState | undefined {
    return this.discovery;
  }
  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): void {
    if (scope === 'all' || scope === 'tokens') this.saved = undefined;
    if (scope === 'all' || scope === 'client') this.client = undefined;
    if (scope === 'all' || scope === 'verifier') this.verifier = undefined;
    if (scope === 'all' || scope === 'discovery') this.discovery = undefined;
  }
}

/** Decode a JWT's payload (no verification: tests inspect what the server issued). */
export function jwtPayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Register a public client with RFC 7591 (as an MCP client would). */
export async function registerClient(base: string, metadata: Record<string, unknown> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'Hand-made client',
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      ...metadata,
    }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** An authorization request URL; `params` override or (with undefined) remove the defaults. */
export function authorizationUrl(base: string, params: Record<string, string | undefined>): URL {
  const url = new URL(`${base}/oauth/authorize`);
  const defaults: Record<string, string | undefined> = { response_type: 'code', redirect_uri: REDIRECT_URI, scope: 'mcp', state: 'st-1', resource: `${base}/mcp` };
  for (const [k, v] of Object.entries({ ...defaults, ...params })) if (v !== undefined) url.searchParams.set(k, v);
  return url;
}

/** Exchange an authorization code at the token endpoint (public client). */
export async function exchangeCode(base: string, fields: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', redirect_uri: REDIRECT_URI, resource: `${base}/mcp`, ...fields }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Register, authorize (login + consent) and exchange: an access token the hard way. */
export async function obtainTokens(base: string, options: AuthorizeOptions & { scope?: string; resource?: string } = {}): Promise<Record<string, unknown>> {
  const { body: client } = await registerClient(base);
  const pkce = pkcePair();
  const callback = await authorizeInBrowser(
    new Browser(),
    authorizationUrl(base, { client_id: String(client.client_id), code_challenge: pkce.challenge, code_challenge_method: 'S256', scope: options.scope ?? 'mcp', resource: options.resource ?? `${base}/mcp` }),
    options,
  );
  const code = callback.searchParams.get('code');
  if (!code) throw new Error(`no code: ${callback.href}`);
  const { status, body } = await exchangeCode(base, { client_id: String(client.client_id), code, code_verifier: pkce.verifier, resource: options.resource ?? `${base}/mcp` });
  if (status !== 200) throw new Error(`token exchange answered ${status}: ${JSON.stringify(body)}`);
  return { ...body, client_id: client.client_id };
}
