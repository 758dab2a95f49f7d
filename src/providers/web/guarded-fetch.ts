/**
 * One outbound HTTP exchange under the web policy: only http/https, every connection (first request
 * and every redirect) through the guarded agent, redirects followed by hand up to a limit, credentials
 * dropped when a redirect leaves the original origin, the body read as a stream and abandoned at the
 * size cap, one deadline for the whole exchange.
 */
import { request } from 'undici';
import { PorticoError } from '../../core/errors.js';
import { createGuardedAgent, type Connector, type Resolver } from './guarded-agent.js';
import type { AddressPolicy } from './address-policy.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface OutboundRequest {
  method: HttpMethod;
  url: string;
  headers: Record<string, string>;
  /** JSON-serialised when present. */
  body?: unknown;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

export interface OutboundResponse {
  status: number;
  /** The URL that answered (after redirects). */
  url: string;
  redirects: string[];
  headers: Record<string, string>;
  contentType: string;
  body: Buffer;
  /** The body was longer than the cap; `body` holds its first `maxBytes`. */
  truncated: boolean;
}

export interface FetchPolicy {
  policy: AddressPolicy;
  resolver: Resolver;
  connector: Connector;
  maxBytes: number;
  maxRedirects: number;
  userAgent: string;
}

/** Headers a caller may not set: they belong to the transport or would lie about the target. */
const FORBIDDEN_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect', 'proxy-connection']);

/** Headers that carry nothing secret, so they may follow a redirect to another origin. */
const PORTABLE_HEADERS = new Set(['accept', 'accept-language', 'accept-encoding', 'content-type', 'user-agent', 'cache-control', 'pragma']);

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Lower-cased, validated request headers; refuses transport headers and header injection. */
export function cleanHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const key = name.toLowerCase();
    if (!HEADER_NAME.test(name)) throw new PorticoError('validation_failed', `Invalid header name: ${JSON.stringify(name.slice(0, 80))}`);
    if (FORBIDDEN_HEADERS.has(key)) throw new PorticoError('validation_failed', `The ${key} header cannot be set.`);
    if (/[\r\n\0]/.test(value)) throw new PorticoError('validation_failed', `The ${key} header has a line break or NUL in its value.`);
    out[key] = value;
  }
  return out;
}

export function parseTarget(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new PorticoError('validation_failed', 'The URL is not valid.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new PorticoError('validation_failed', `Only http and https URLs are allowed, not ${url.protocol.replace(/:$/, '')}.`);
  if (url.username || url.password) throw new PorticoError('validation_failed', 'Credentials inside the URL are not allowed; use a header.');
  return url;
}

async function readCapped(body: AsyncIterable<Buffer> & { destroy(): unknown }, maxBytes: number): Promise<{ body: Buffer; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size + chunk.length > maxBytes) {
      chunks.push(chunk.subarray(0, maxBytes - size));
      size = maxBytes;
      // Stop reading: the rest of the body is never pulled off the socket.
      body.destroy();
      return { body: Buffer.concat(chunks, size), truncated: true };
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return { body: Buffer.concat(chunks, size), truncated: false };
}

function flatHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    // Cookies the remote sets are for a browser session, not for the agent.
    if (v === undefined || k === 'set-cookie') continue;
    out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

export async function guardedFetch(req: OutboundRequest, policy: FetchPolicy): Promise<OutboundResponse> {
  const first = parseTarget(req.url);
  const { agent, lastError } = createGuardedAgent({ policy: policy.policy, resolver: policy.resolver, connector: policy.connector, connectTimeoutMs: req.timeoutMs });
  const deadline = AbortSignal.timeout(req.timeoutMs);
  const signal = req.signal ? AbortSignal.any([req.signal, deadline]) : deadline;
  const base = cleanHeaders(req.headers);
  if (!base['user-agent']) base['user-agent'] = policy.userAgent;
  // Bodies are shown as they arrive and capped in bytes: no compressed answers (and no zip bombs).
  base['accept-encoding'] = 'identity';
  let method = req.method;
  let body = req.body === undefined ? undefined : JSON.stringify(req.body);
  if (body !== undefined && !base['content-type']) base['content-type'] = 'application/json';
  let url = first;
  const redirects: string[] = [];
  // Once a redirect left the first origin, credentials stay behind even if it comes back.
  let leftOrigin = false;
  try {
    for (;;) {
      leftOrigin ||= url.origin !== first.origin;
      const headers = !leftOrigin ? base : Object.fromEntries(Object.entries(base).filter(([k]) => PORTABLE_HEADERS.has(k)));
      const res = await request(url, { dispatcher: agent, method, headers, body: body ?? null, signal });
      const location = res.headers.location;
      if (REDIRECTS.has(res.statusCode) && typeof location === 'string') {
        await res.body.dump().catch(() => undefined);
        if (redirects.length >= policy.maxRedirects) throw new PorticoError('web_request_failed', `Too many redirects (more than ${policy.maxRedirects}).`, { details: { redirects } });
        let next: URL;
        try {
          next = parseTarget(new URL(location, url).href);
        } catch (err) {
          throw new PorticoError('web_request_failed', `Refused a redirect: ${(err as PorticoError).message}`, { details: { redirects } });
        }
        redirects.push(next.href);
        // 303 always, and 301/302 after a POST, turn into a GET without a body (as browsers do).
        if (res.statusCode === 303 || ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
          delete base['content-type'];
        }
        url = next;
        continue;
      }
      const { body: data, truncated } = await readCapped(res.body, policy.maxBytes);
      const headersOut = flatHeaders(res.headers);
      return { status: res.statusCode, url: url.href, redirects, headers: headersOut, contentType: headersOut['content-type'] ?? '', body: data, truncated };
    }
  } catch (err) {
    const refused = lastError();
    if (refused) throw refused;
    if (err instanceof PorticoError) throw err;
    if (req.signal?.aborted) throw new PorticoError('cancelled');
    if (deadline.aborted) throw new PorticoError('timeout', `The request to ${url.host} did not finish within ${req.timeoutMs} ms.`);
    const code = (err as { code?: string }).code;
    throw new PorticoError('web_request_failed', `The request to ${url.host} failed${code ? ` (${code})` : ''}.`, { cause: err });
  } finally {
    agent.destroy().catch(() => undefined);
  }
}
