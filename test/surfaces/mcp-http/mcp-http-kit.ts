/**
 * Shared helpers for the MCP HTTP surface tests: a token → principal test authenticator, builders
 * for modern (2026-07-28) and legacy (2025-11-25) requests over raw fetch, and an incremental SSE
 * reader for long-lived streams.
 */
import { request as httpRequest } from 'node:http';
import { PorticoError } from '../../../src/core/errors.js';
import type { Authenticator } from '../../../src/core/identity/authenticator.js';
import { createPermissionSet } from '../../../src/core/identity/permissions.js';
import type { Principal } from '../../../src/core/identity/principal.js';
import type { Json } from '../../helpers/http.js';

export const ALICE_TOKEN = 'alice-token';
export const BOB_TOKEN = 'bob-token';
/** A second all-powerful principal: shows that what binds a secret to alice is her id, not her permissions. */
export const CAROL_TOKEN = 'carol-token';
export const MODERN = '2026-07-28';
export const LEGACY = '2025-11-25';

function principal(name: string, grants: string[]): Principal {
  return Object.freeze({ id: `user:${name}`, kind: 'user', name, roles: Object.freeze([]), permissions: createPermissionSet(grants) });
}

export const ALICE = principal('alice', ['*']);
export const BOB = principal('bob', ['tools:call:echo']);
export const CAROL = principal('carol', ['*']);
const BY_SECRET = new Map<string, Principal>([
  [ALICE_TOKEN, ALICE],
  [BOB_TOKEN, BOB],
  [CAROL_TOKEN, CAROL],
]);

/** Bearer or X-API-Key: the known secrets map to alice, bob and carol; anything else is refused. */
export const testAuthenticator: Authenticator = {
  authenticate({ bearer, apiKey }) {
    const secret = bearer ?? apiKey;
    if (secret === undefined) return undefined;
    const found = BY_SECRET.get(secret);
    if (!found) throw new PorticoError('unauthenticated', 'The credential is not valid.');
    return found;
  },
};

export const FIXTURE_ENV = { PORTICO_MCP__CONFORMANCE_FIXTURE: 'true' } as const;

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The `_meta` envelope every modern request carries. */
export function modernMeta(capabilities: Json = {}): Json {
  return {
    'io.modelcontextprotocol/protocolVersion': MODERN,
    'io.modelcontextprotocol/clientCapabilities': capabilities,
    'io.modelcontextprotocol/clientInfo': { name: 'portico-tests', version: '1.0.0' },
  };
}

export interface ModernOptions {
  token?: string | undefined;
  id?: number | string;
  capabilities?: Json;
  headers?: Record<string, string>;
}

/** Headers + body of a well-formed modern request (what the fast lane takes when there is no Origin). */
export function modernInit(method: string, params: Json = {}, options: ModernOptions = {}): RequestInit {
  const name = typeof params.name === 'string' ? params.name : typeof params.uri === 'string' ? params.uri : undefined;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': MODERN,
    'mcp-method': method,
    ...(name !== undefined ? { 'mcp-name': name } : {}),
    ...(options.token !== undefined ? bearer(options.token) : {}),
    ...options.headers,
  };
  const body = { jsonrpc: '2.0', id: options.id ?? 1, method, params: { ...params, _meta: { ...modernMeta(options.capabilities), ...(params._meta ?? {}) } } };
  return { method: 'POST', headers, body: JSON.stringify(body) };
}

export function modernPost(baseUrl: string, method: string, params: Json = {}, options: ModernOptions = {}): Promise<Response> {
  return fetch(`${baseUrl}/mcp`, modernInit(method, params, options));
}

/** Parse every `data:` event of a complete SSE body. */
export function parseSse(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    const event = parseSseBlock(block);
    if (event) events.push(event);
  }
  return events;
}

export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

function parseSseBlock(block: string): SseEvent | undefined {
  if (!block.trim()) return undefined;
  const event: SseEvent = { data: '' };
  const data: string[] = [];
  let sawField = false;
  for (const line of block.split(/\r?\n/)) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    sawField = true;
    if (field === 'data') data.push(value);
    else if (field === 'id') event.id = value;
    else if (field === 'event') event.event = value;
  }
  if (!sawField) return undefined;
  event.data = data.join('\n');
  return event;
}

/** The JSON-RPC message answering a request, whether the server replied with JSON or SSE. */
export async function rpcBody(res: Response): Promise<Json> {
  const type = res.headers.get('content-type') ?? '';
  const text = await res.text();
  if (type.includes('text/event-stream')) {
    const messages = parseSse(text)
      .filter((e) => e.data.trim() !== '')
      .map((e) => JSON.parse(e.data) as Json);
    const answer = messages.find((m) => m && ('result' in m || 'error' in m));
    if (!answer) throw new Error(`no JSON-RPC answer in SSE body: ${text}`);
    return answer;
  }
  return JSON.parse(text) as Json;
}

/** A legacy (2025-11-25) Streamable HTTP session driven with raw fetch. */
export interface LegacyClient {
  readonly sessionId: string;
  request(method: string, params?: Json, extra?: { token?: string; headers?: Record<string, string> }): Promise<Response>;
  call(method: string, params?: Json): Promise<Json>;
}

let nextId = 1000;

export function legacyHeaders(token: string | undefined, sessionId?: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': LEGACY,
    ...(sessionId ? { 'mcp-session-id': sessionId } : {}),
    ...(token !== undefined ? bearer(token) : {}),
  };
}

export function initializeBody(id: number | string = 0): Json {
  return {
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: { protocolVersion: LEGACY, capabilities: {}, clientInfo: { name: 'portico-tests', version: '1.0.0' } },
  };
}

export async function openLegacySession(baseUrl: string, token: string): Promise<LegacyClient> {
  const init = await fetch(`${baseUrl}/mcp`, { method: 'POST', headers: legacyHeaders(token), body: JSON.stringify(initializeBody()) });
  if (init.status !== 200) throw new Error(`initialize failed: ${init.status} ${await init.text()}`);
  const sessionId = init.headers.get('mcp-session-id');
  if (!sessionId) throw new Error('initialize returned no Mcp-Session-Id');
  const initialized = await rpcBody(init);
  if (!initialized.result) throw new Error(`initialize failed: ${JSON.stringify(initialized)}`);
  const note = await fetch(`${baseUrl}/mcp`, {
    method: 'POST',
    headers: legacyHeaders(token, sessionId),
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  if (note.status !== 202) throw new Error(`notifications/initialized: ${note.status}`);
  await note.arrayBuffer();
  const request: LegacyClient['request'] = (method, params = {}, extra = {}) =>
    fetch(`${baseUrl}/mcp`, {
      method: 'POST',
      headers: { ...legacyHeaders(extra.token ?? token, sessionId), ...extra.headers },
      body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }),
    });
  return {
    sessionId,
    request,
    async call(method, params = {}) {
      const res = await request(method, params);
      if (res.status !== 200) throw new Error(`${method}: HTTP ${res.status} ${await res.text()}`);
      return rpcBody(res);
    },
  };
}

/** Reads an SSE response incrementally (for long-lived GET streams). */
export class SseReader {
  private buffer = '';
  private readonly queue: SseEvent[] = [];
  private done = false;
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  private pending: Promise<void> | undefined;

  constructor(readonly response: Response) {
    if (!response.body) throw new Error('response has no body');
    this.reader = response.body.getReader();
  }

  get ended(): boolean {
    return this.done;
  }

  private pump(): Promise<void> {
    this.pending ??= this.reader.read().then(
      ({ value, done }) => {
        this.pending = undefined;
        if (done) {
          this.done = true;
          return;
        }
        this.buffer += this.decoder.decode(value, { stream: true });
        let cut: number;
        while ((cut = this.buffer.search(/\r?\n\r?\n/)) !== -1) {
          const block = this.buffer.slice(0, cut);
          this.buffer = this.buffer.slice(cut).replace(/^\r?\n\r?\n/, '');
          const event = parseSseBlock(block);
          if (event) this.queue.push(event);
        }
      },
      () => {
        this.pending = undefined;
        this.done = true;
      },
    );
    return this.pending;
  }

  /** The next event, or undefined when the stream ended or nothing came within the timeout. */
  async next(timeoutMs = 2000): Promise<SseEvent | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (this.queue.length === 0 && !this.done) {
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), left)));
      const outcome = await Promise.race([this.pump(), timedOut]);
      clearTimeout(timer);
      if (outcome === 'timeout') return undefined;
    }
    return this.queue.shift();
  }

  /** Next event carrying a JSON-RPC message that satisfies the predicate (skipping priming/other events). */
  async nextMessage(predicate: (message: Json) => boolean, timeoutMs = 2000): Promise<{ event: SseEvent; message: Json } | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const event = await this.next(Math.max(0, deadline - Date.now()));
      if (!event) return undefined;
      if (!event.data.trim()) continue;
      const message = JSON.parse(event.data) as Json;
      if (predicate(message)) return { event, message };
    }
  }

  /** Resolves true once the stream ends (within the timeout), draining events. */
  async waitForEnd(timeoutMs = 2000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.done) {
      if (Date.now() >= deadline) return false;
      await this.next(Math.max(1, deadline - Date.now()));
    }
    return true;
  }

  async cancel(): Promise<void> {
    await this.reader.cancel().catch(() => undefined);
    this.done = true;
  }
}

/** Strip the parts of a JSON-RPC answer that legitimately differ between two requests (the id). */
export function withoutId(message: Json): Json {
  const { id: _id, ...rest } = message as Record<string, unknown>;
  return rest;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * A request over node:http, which (unlike fetch) sends the Host header it is given: needed for
 * DNS-rebinding probes. Reads the whole body, so only for non-streaming answers.
 */
export function rawRequest(url: string, init: { method?: string; headers?: Record<string, string>; body?: string }): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = httpRequest(
      { host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: init.method ?? 'GET', headers: init.headers ?? {}, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (init.body !== undefined) req.write(init.body);
    req.end();
  });
}

/** Like rawRequest but resolves with the status and headers as soon as they arrive, then drops the socket (for SSE endpoints). */
export function rawHead(url: string, init: { method?: string; headers?: Record<string, string> }): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; firstChunk: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = httpRequest(
      { host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: init.method ?? 'GET', headers: init.headers ?? {}, agent: false },
      (res) => {
        res.setEncoding('utf8');
        const done = (firstChunk: string) => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, firstChunk });
          req.destroy();
        };
        res.once('data', (chunk: string) => done(chunk));
        res.once('end', () => done(''));
      },
    );
    req.on('error', (err) => {
      if (!req.destroyed) reject(err);
    });
    req.end();
  });
}

/** A session of the old HTTP+SSE transport: GET /sse for the stream, POST /messages?sessionId=… for requests. */
export interface SseSession {
  readonly sessionId: string;
  readonly endpoint: string;
  readonly stream: SseReader;
  post(message: Json, token?: string): Promise<Response>;
  /** Send a request and read its answer from the stream. */
  call(method: string, params?: Json): Promise<Json>;
}

export async function openSseSession(baseUrl: string, token: string): Promise<SseSession> {
  const res = await fetch(`${baseUrl}/sse`, { headers: { ...bearer(token), accept: 'text/event-stream' } });
  if (res.status !== 200) throw new Error(`GET /sse: ${res.status} ${await res.text()}`);
  const stream = new SseReader(res);
  const first = await stream.next(2000);
  if (first?.event !== 'endpoint') throw new Error(`expected an endpoint event, got ${JSON.stringify(first)}`);
  const endpoint = first.data;
  const sessionId = new URL(endpoint, baseUrl).searchParams.get('sessionId');
  if (!sessionId) throw new Error(`endpoint without sessionId: ${endpoint}`);
  const post = (message: Json, as = token) =>
    fetch(new URL(endpoint, baseUrl), { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(as) }, body: JSON.stringify(message) });
  const session: SseSession = {
    sessionId,
    endpoint,
    stream,
    post,
    async call(method, params = {}) {
      const id = nextId++;
      const sent = await post({ jsonrpc: '2.0', id, method, params });
      if (sent.status !== 202) throw new Error(`POST ${endpoint}: ${sent.status} ${await sent.text()}`);
      await sent.arrayBuffer();
      const answer = await stream.nextMessage((m) => m?.id === id, 3000);
      if (!answer) throw new Error(`no answer to ${method} on the SSE stream`);
      return answer.message;
    },
  };
  const init = await session.call('initialize', { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'portico-tests', version: '1.0.0' } });
  if (!init.result) throw new Error(`SSE initialize failed: ${JSON.stringify(init)}`);
  const note = await post({ jsonrpc: '2.0', method: 'notifications/initialized' });
  await note.arrayBuffer();
  return session;
}
