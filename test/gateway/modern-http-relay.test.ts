/**
 * The lean relay for modern-era (2026-07-28) Streamable HTTP upstreams, driven against a scripted
 * `node:http` upstream on loopback that records every request and answers as each test says: the
 * wire request (SEP-2243 headers, credential headers, the `_meta` envelope, progress/log opt-in),
 * JSON and SSE answers (progress and log notifications, events and UTF-8 characters split across
 * TCP writes), `input_required` pass-through, the SDK error classes for JSON-RPC errors, HTTP
 * failures, unexpected content, timeouts and malformed answers, cancellation that closes the
 * exchange upstream, and connection reuse. A second part maps the relay's failures through
 * `UpstreamLink.toPortico`, as the federation does, and checks that the bearer never leaks.
 */
import { getEventListeners, once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ProtocolError, SdkError, SdkErrorCode, SdkHttpError } from '@modelcontextprotocol/client';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/core/catalog/mcp-shapes.js';
import { PorticoError } from '../../src/core/errors.js';
import { MODERN_REVISION, ModernHttpRelay, mcpHeaderValue, type RelayRequestOptions } from '../../src/gateway/modern-http-relay.js';
import { upstreamCredentials } from '../../src/gateway/upstream-auth.js';
import type { UpstreamDefinition } from '../../src/gateway/upstream-definition.js';
import { UpstreamLink } from '../../src/gateway/upstream-link.js';
import { upstream } from '../helpers/upstreams.js';

// ---------------------------------------------------------------------------------------------
// The scripted upstream
// ---------------------------------------------------------------------------------------------

interface RpcRequest {
  jsonrpc: string;
  id: number;
  method: string;
  params: JsonObject & { _meta: JsonObject };
}

interface Recorded {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingHttpHeaders;
  body: RpcRequest;
  /** Which server-side connection carried it (1-based, in accept order). */
  connection: number;
  /** Resolves true when the exchange closed before the script finished the response. */
  closedEarly: Promise<boolean>;
  /** Resolves when the response was fully handed to the OS (the script ended it). */
  finished: Promise<void>;
}

type Script = (req: Recorded, res: ServerResponse) => void | Promise<void>;

class ScriptedUpstream {
  readonly requests: Recorded[] = [];
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly connectionIds = new WeakMap<Socket, number>();
  connections = 0;
  script: Script = (req, res) => answerJson(res, 200, { jsonrpc: '2.0', id: req.body.id, result: { content: [] } });

  constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (socket: Socket) => {
      this.connections++;
      this.connectionIds.set(socket, this.connections);
      this.sockets.add(socket);
      socket.setNoDelay(true);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  async start(): Promise<void> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/mcp?tenant=t1`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const closedEarly = new Promise<boolean>((resolve) => res.on('close', () => resolve(!res.writableFinished)));
    const finished = new Promise<void>((resolve) => res.on('finish', () => resolve()));
    const recorded: Recorded = {
      method: req.method,
      url: req.url,
      headers: req.headers,
      body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as RpcRequest,
      connection: this.connectionIds.get(req.socket) ?? -1,
      closedEarly,
      finished,
    };
    this.requests.push(recorded);
    await this.script(recorded, res);
  }
}

function answerJson(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function startSse(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders();
}

function sseEvent(message: unknown): string {
  return `event: message\ndata: ${JSON.stringify(message)}\n\n`;
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The error a promise rejects with (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  let value: unknown;
  try {
    value = await promise;
  } catch (err) {
    return err;
  }
  throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
}

const CLIENT_INFO = { name: 'portico-test', version: '9.9.9' };
const CALLER_CAPABILITIES: JsonObject = { elicitation: { form: {} }, sampling: {}, 'com.example/custom': { on: true } };

function options(extra: Partial<RelayRequestOptions> = {}): RelayRequestOptions {
  return { callerCapabilities: CALLER_CAPABILITIES, signal: new AbortController().signal, timeoutMs: 2_000, ...extra };
}

const base64Sentinel = (value: string) => `=?base64?${Buffer.from(value, 'utf8').toString('base64')}?=`;

// ---------------------------------------------------------------------------------------------
// The relay on its own
// ---------------------------------------------------------------------------------------------

describe('ModernHttpRelay against a scripted upstream', () => {
  let up: ScriptedUpstream;
  let relay: ModernHttpRelay;

  beforeEach(async () => {
    up = new ScriptedUpstream();
    await up.start();
    relay = new ModernHttpRelay(new URL(up.url), { Authorization: 'Bearer s3cret', 'X-Tenant-Key': 'k-123' }, CLIENT_INFO);
  });

  afterEach(async () => {
    // Server first: a request a test left held would otherwise keep the pool's close waiting.
    await up.stop();
    await relay.close();
  });

  describe('a JSON answer', () => {
    it('returns the result without resultType "complete" and keeps its _meta', async () => {
      up.script = (req, res) =>
        answerJson(res, 200, {
          jsonrpc: '2.0',
          id: req.body.id,
          result: { resultType: 'complete', content: [{ type: 'text', text: 'hi' }], isError: false, _meta: { 'com.example/trace': 'abc' } },
        });
      const result = await relay.request('tools/call', 'echo', { name: 'echo', arguments: { text: 'hi' } }, options());
      expect(result).toEqual({ content: [{ type: 'text', text: 'hi' }], isError: false, _meta: { 'com.example/trace': 'abc' } });
      expect(result).not.toHaveProperty('resultType');
    });

    it('sends the SEP-2243 headers, the credential headers and the _meta envelope', async () => {
      await relay.request('tools/call', 'echo', { name: 'echo', arguments: { text: 'hi' }, _meta: { 'com.example/caller': 'x' } }, options());
      expect(up.requests).toHaveLength(1);
      const { method, url, headers, body } = up.requests[0]!;
      expect(method).toBe('POST');
      expect(url).toBe('/mcp?tenant=t1');
      expect(headers['content-type']).toBe('application/json');
      const accept = String(headers.accept);
      expect(accept).toContain('application/json');
      expect(accept).toContain('text/event-stream');
      expect(headers['mcp-protocol-version']).toBe('2026-07-28');
      expect(MODERN_REVISION).toBe('2026-07-28');
      expect(headers['mcp-method']).toBe('tools/call');
      expect(headers['mcp-name']).toBe('echo');
      expect(headers.authorization).toBe('Bearer s3cret');
      expect(headers['x-tenant-key']).toBe('k-123');

      expect(body.jsonrpc).toBe('2.0');
      expect(typeof body.id).toBe('number');
      expect(body.method).toBe('tools/call');
      expect(body.params.name).toBe('echo');
      expect(body.params.arguments).toEqual({ text: 'hi' });
      const meta = body.params._meta;
      expect(meta['io.modelcontextprotocol/protocolVersion']).toBe('2026-07-28');
      expect(meta['io.modelcontextprotocol/clientInfo']).toEqual(CLIENT_INFO);
      expect(meta['io.modelcontextprotocol/clientCapabilities']).toEqual(CALLER_CAPABILITIES);
      // The caller's own _meta keys travel alongside the envelope.
      expect(meta['com.example/caller']).toBe('x');
    });

    it('relays a caller _meta key named __proto__ as a plain key, without touching the envelope', async () => {
      const callerMeta = JSON.parse('{"__proto__": {"polluted": true}, "com.example/caller": "x"}') as JsonObject;
      await relay.request('tools/call', 'echo', { name: 'echo', arguments: {}, _meta: callerMeta }, options());
      const meta = up.requests[0]!.body.params._meta;
      expect(Object.prototype.hasOwnProperty.call(meta, '__proto__')).toBe(true);
      expect(meta.__proto__).toEqual({ polluted: true });
      expect(meta['com.example/caller']).toBe('x');
      expect(meta['io.modelcontextprotocol/protocolVersion']).toBe('2026-07-28');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('reads a JSON body that arrives in several TCP writes, a UTF-8 character split between them', async () => {
      // The pool reads into one reused buffer, so the reader must keep copies of earlier pieces.
      const text = 'première — 日本語 ✓ '.repeat(40);
      up.script = async (req, res) => {
        const bytes = Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: req.body.id, result: { content: [{ type: 'text', text }] } }), 'utf8');
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': bytes.length });
        const cut = bytes.indexOf(Buffer.from('日', 'utf8')) + 1;
        for (const piece of [bytes.subarray(0, cut), bytes.subarray(cut, cut + 300), bytes.subarray(cut + 300)]) {
          res.write(piece);
          await delay(15);
        }
        res.end();
      };
      await expect(relay.request('tools/call', 'long', { name: 'long' }, options())).resolves.toEqual({ content: [{ type: 'text', text }] });
    });

    it('posts to the URL path and query, and names prompts/get and resources/read in mcp-method', async () => {
      await relay.request('prompts/get', 'greet', { name: 'greet', arguments: {} }, options());
      await relay.request('resources/read', 'file:///a.txt', { uri: 'file:///a.txt' }, options());
      expect(up.requests.map((r) => [r.url, r.headers['mcp-method'], r.headers['mcp-name'], r.body.method])).toEqual([
        ['/mcp?tenant=t1', 'prompts/get', 'greet', 'prompts/get'],
        ['/mcp?tenant=t1', 'resources/read', 'file:///a.txt', 'resources/read'],
      ]);
      // Distinct ids per request.
      expect(up.requests[0]!.body.id).not.toBe(up.requests[1]!.body.id);
    });

    it('takes the response out of a JSON batch answer', async () => {
      up.script = (req, res) =>
        answerJson(res, 200, [
          { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'x' } },
          { jsonrpc: '2.0', id: req.body.id, result: { content: [{ type: 'text', text: 'batched' }] } },
        ]);
      await expect(relay.request('tools/call', 'echo', { name: 'echo' }, options())).resolves.toEqual({ content: [{ type: 'text', text: 'batched' }] });
    });
  });

  describe('mcp-name', () => {
    it('uses the base64 sentinel for a non-ASCII or whitespace-padded name', async () => {
      for (const name of ['café', ' padded ', '工具', 'tab\t']) {
        await relay.request('tools/call', name, { name }, options());
      }
      const sent = up.requests.map((r) => r.headers['mcp-name']);
      expect(sent).toEqual([base64Sentinel('café'), base64Sentinel(' padded '), base64Sentinel('工具'), base64Sentinel('tab\t')]);
      // The header decodes back to the name; the body keeps the name itself.
      for (const [i, r] of up.requests.entries()) {
        const header = String(r.headers['mcp-name']);
        const decoded = Buffer.from(header.slice('=?base64?'.length, -'?='.length), 'base64').toString('utf8');
        expect(decoded).toBe(r.body.params.name);
        expect(r.body.params.name).toBe(['café', ' padded ', '工具', 'tab\t'][i]);
      }
    });

    it('mcpHeaderValue keeps printable ASCII and encodes everything else', () => {
      expect(mcpHeaderValue('echo')).toBe('echo');
      expect(mcpHeaderValue('file:///a b.txt')).toBe('file:///a b.txt');
      expect(mcpHeaderValue('in\tside')).toBe('in\tside');
      expect(mcpHeaderValue('café')).toBe('=?base64?Y2Fmw6k=?=');
      expect(mcpHeaderValue(' lead')).toBe(base64Sentinel(' lead'));
      expect(mcpHeaderValue('trail ')).toBe(base64Sentinel('trail '));
      expect(mcpHeaderValue('line\nbreak')).toBe(base64Sentinel('line\nbreak'));
      expect(mcpHeaderValue('del\u007f')).toBe(base64Sentinel('del\u007f'));
      expect(mcpHeaderValue('')).toBe(base64Sentinel(''));
      // A plain value that looks like the sentinel is encoded, so it cannot be mistaken for one.
      expect(mcpHeaderValue('=?base64?YQ==?=')).toBe(base64Sentinel('=?base64?YQ==?='));
    });
  });

  describe('progress and log opt-in', () => {
    it('sends a progress token and a log level only when the caller listens', async () => {
      await relay.request('tools/call', 'echo', { name: 'echo' }, options({ onProgress: () => undefined, logLevel: 'info', onLog: () => undefined }));
      await relay.request('tools/call', 'echo', { name: 'echo' }, options());
      const [listening, silent] = up.requests.map((r) => r.body.params._meta);
      expect(listening!.progressToken).toBeDefined();
      expect(['string', 'number']).toContain(typeof listening!.progressToken);
      expect(listening!['io.modelcontextprotocol/logLevel']).toBe('info');
      expect(silent).not.toHaveProperty('progressToken');
      expect(silent).not.toHaveProperty(['io.modelcontextprotocol/logLevel']);
      expect(Object.keys(silent!).sort()).toEqual(['io.modelcontextprotocol/clientCapabilities', 'io.modelcontextprotocol/clientInfo', 'io.modelcontextprotocol/protocolVersion']);
    });

    it('sends the log level alone when the caller listens to logs but not progress', async () => {
      await relay.request('tools/call', 'echo', { name: 'echo' }, options({ logLevel: 'debug', onLog: () => undefined }));
      const meta = up.requests[0]!.body.params._meta;
      expect(meta['io.modelcontextprotocol/logLevel']).toBe('debug');
      expect(meta).not.toHaveProperty('progressToken');
    });
  });

  describe('an SSE answer', () => {
    it('relays progress for its own token in order, ignores other tokens, relays logs, and returns the response', async () => {
      up.script = async (req, res) => {
        const token = req.body.params._meta.progressToken;
        startSse(res);
        res.write(sseEvent({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: token, progress: 1, total: 3, message: 'first' } }));
        res.write(sseEvent({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 'someone-else', progress: 99 } }));
        await delay(5);
        res.write(sseEvent({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: token, progress: 2 } }));
        res.write(sseEvent({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', logger: 'up', data: 'working' } }));
        res.write(sseEvent({ jsonrpc: '2.0', id: req.body.id, result: { resultType: 'complete', content: [{ type: 'text', text: 'done' }] } }));
        res.end();
      };
      const progress: unknown[] = [];
      const logs: unknown[] = [];
      const result = await relay.request(
        'tools/call',
        'slow',
        { name: 'slow' },
        options({ onProgress: (p) => progress.push(p), logLevel: 'info', onLog: (l) => logs.push(l) }),
      );
      expect(result).toEqual({ content: [{ type: 'text', text: 'done' }] });
      expect(progress).toEqual([{ progress: 1, total: 3, message: 'first' }, { progress: 2 }]);
      expect(logs).toEqual([{ level: 'info', logger: 'up', data: 'working' }]);
    });

    it('decodes an event split across two TCP writes, with a UTF-8 character split between them', async () => {
      const text = 'héllo wörld — 日本語 ✓';
      up.script = async (req, res) => {
        startSse(res);
        const bytes = Buffer.from(sseEvent({ jsonrpc: '2.0', id: req.body.id, result: { content: [{ type: 'text', text }] } }), 'utf8');
        // Split inside the three bytes of 日.
        const cut = bytes.indexOf(Buffer.from('日', 'utf8')) + 1;
        expect(cut).toBeGreaterThan(0);
        res.write(bytes.subarray(0, cut));
        await delay(20);
        res.write(bytes.subarray(cut));
        res.end();
      };
      await expect(relay.request('tools/call', 'utf8', { name: 'utf8' }, options())).resolves.toEqual({ content: [{ type: 'text', text }] });
    });

    it('splits an event between its lines across writes and still reads progress and the response', async () => {
      up.script = async (req, res) => {
        const token = req.body.params._meta.progressToken;
        startSse(res);
        const progress = sseEvent({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: token, progress: 0.5, message: 'über' } });
        const answer = sseEvent({ jsonrpc: '2.0', id: req.body.id, result: { content: [] } });
        const all = Buffer.from(progress + answer, 'utf8');
        const cut = all.indexOf(Buffer.from('ü', 'utf8')) + 1; // inside ü, inside the first event
        res.write(all.subarray(0, cut));
        await delay(20);
        res.write(all.subarray(cut));
        res.end();
      };
      const progress: unknown[] = [];
      await expect(relay.request('tools/call', 'p', { name: 'p' }, options({ onProgress: (p) => progress.push(p) }))).resolves.toEqual({ content: [] });
      expect(progress).toEqual([{ progress: 0.5, message: 'über' }]);
    });

    it('delivers nothing after the response, even if the stream carries more before it ends', async () => {
      up.script = async (req, res) => {
        const token = req.body.params._meta.progressToken;
        startSse(res);
        // One write: the response and a notification arrive in the same chunk...
        res.write(
          sseEvent({ jsonrpc: '2.0', id: req.body.id, result: { content: [] } }) +
            sseEvent({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: token, progress: 4 } }),
        );
        await delay(10);
        // ...and more in a later one.
        res.write(sseEvent({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: token, progress: 5 } }));
        res.write(sseEvent({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'late' } }));
        res.end();
      };
      const seen: unknown[] = [];
      await relay.request('tools/call', 'p', { name: 'p' }, options({ onProgress: (p) => seen.push(p), logLevel: 'info', onLog: (l) => seen.push(l) }));
      await up.requests[0]!.finished;
      await delay(20);
      expect(seen).toEqual([]);
    });

    it('rejects when the stream ends without the response', async () => {
      up.script = (req, res) => {
        startSse(res);
        res.write(sseEvent({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'bye' } }));
        res.end();
      };
      const err = await rejection(relay.request('tools/call', 'p', { name: 'p' }, options()));
      expect(err).toBeInstanceOf(SdkError);
      expect((err as SdkError).code).toBe(SdkErrorCode.ConnectionClosed);
    });

    it('rejects with ProtocolError when the stream answers with a JSON-RPC error', async () => {
      up.script = (req, res) => {
        startSse(res);
        res.end(sseEvent({ jsonrpc: '2.0', id: req.body.id, error: { code: -32602, message: 'bad args', data: { field: 'x' } } }));
      };
      const err = await rejection(relay.request('tools/call', 'p', { name: 'p' }, options()));
      expect(err).toBeInstanceOf(ProtocolError);
      expect(err).toMatchObject({ code: -32602, message: 'bad args', data: { field: 'x' } });
    });
  });

  describe('input_required', () => {
    it('passes the result through unchanged, and sends a resumed round as given', async () => {
      const inputRequired = {
        resultType: 'input_required',
        inputRequests: { ask: { method: 'elicitation/create', params: { mode: 'form', message: 'Which?', requestedSchema: { type: 'object', properties: {} } } } },
        requestState: 'opaque-state-1',
      };
      up.script = (req, res) => answerJson(res, 200, { jsonrpc: '2.0', id: req.body.id, result: inputRequired });
      await expect(relay.request('tools/call', 'ask', { name: 'ask' }, options())).resolves.toEqual(inputRequired);

      await relay.request('tools/call', 'ask', { name: 'ask', inputResponses: { ask: { action: 'accept', content: {} } }, requestState: 'opaque-state-1' }, options());
      expect(up.requests[1]!.body.params).toMatchObject({ inputResponses: { ask: { action: 'accept', content: {} } }, requestState: 'opaque-state-1' });
    });
  });

  describe('failures', () => {
    it('rejects with ProtocolError for a JSON-RPC error answered with HTTP 200', async () => {
      up.script = (req, res) => answerJson(res, 200, { jsonrpc: '2.0', id: req.body.id, error: { code: -32002, message: 'Resource not found', data: { uri: 'file:///nope' } } });
      const err = await rejection(relay.request('resources/read', 'file:///nope', { uri: 'file:///nope' }, options()));
      expect(err).toBeInstanceOf(ProtocolError);
      expect(err).toMatchObject({ code: -32002, message: 'Resource not found', data: { uri: 'file:///nope' } });
    });

    it('rejects with ProtocolError for a JSON-RPC error answered with HTTP 400', async () => {
      up.script = (req, res) => answerJson(res, 400, { jsonrpc: '2.0', id: req.body.id, error: { code: -32602, message: 'Invalid params', data: { path: ['text'] } } }, 'application/json; charset=utf-8');
      const err = await rejection(relay.request('tools/call', 'echo', { name: 'echo' }, options()));
      expect(err).toBeInstanceOf(ProtocolError);
      expect(err).not.toBeInstanceOf(SdkHttpError);
      expect(err).toMatchObject({ code: -32602, message: 'Invalid params', data: { path: ['text'] } });
    });

    it('rejects with SdkHttpError carrying the status for HTTP 500 with a text body', async () => {
      up.script = (_req, res) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('upstream exploded');
      };
      const err = await rejection(relay.request('tools/call', 'echo', { name: 'echo' }, options()));
      expect(err).toBeInstanceOf(SdkHttpError);
      expect((err as SdkHttpError).status).toBe(500);
      expect((err as SdkHttpError).message).toContain('upstream exploded');
    });

    it('rejects with SdkHttpError for HTTP 503 with a JSON body that is not a JSON-RPC error', async () => {
      up.script = (_req, res) => answerJson(res, 503, { message: 'maintenance' });
      const err = await rejection(relay.request('tools/call', 'echo', { name: 'echo' }, options()));
      expect(err).toBeInstanceOf(SdkHttpError);
      expect((err as SdkHttpError).status).toBe(503);
    });

    it('rejects with SdkError for an unexpected content type', async () => {
      up.script = (req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: req.body.id, result: { content: [] } }));
      };
      const err = await rejection(relay.request('tools/call', 'echo', { name: 'echo' }, options()));
      expect(err).toBeInstanceOf(SdkError);
      expect(err).not.toBeInstanceOf(SdkHttpError);
      expect((err as SdkError).code).toBe(SdkErrorCode.ClientHttpUnexpectedContent);
    });

    it('rejects when the answer has no response for the request id', async () => {
      up.script = (req, res) => answerJson(res, 200, { jsonrpc: '2.0', id: req.body.id + 1000, result: { content: [] } });
      const err = await rejection(relay.request('tools/call', 'echo', { name: 'echo' }, options()));
      expect(err).toBeInstanceOf(SdkError);
      expect((err as SdkError).code).toBe(SdkErrorCode.InvalidResult);
    });

    it('rejects when the id matches but as a string', async () => {
      up.script = (req, res) => answerJson(res, 200, { jsonrpc: '2.0', id: String(req.body.id), result: { content: [] } });
      const err = await rejection(relay.request('tools/call', 'echo', { name: 'echo' }, options()));
      expect(err).toBeInstanceOf(SdkError);
      expect((err as SdkError).code).toBe(SdkErrorCode.InvalidResult);
    });

    it('rejects a result that is not an object', async () => {
      for (const result of ['just text', 42, [{ content: [] }], null]) {
        up.script = (req, res) => answerJson(res, 200, { jsonrpc: '2.0', id: req.body.id, result });
        const err = await rejection(relay.request('tools/call', 'echo', { name: 'echo' }, options()));
        expect(err, `result ${JSON.stringify(result)}`).toBeInstanceOf(SdkError);
        expect((err as SdkError).code).toBe(SdkErrorCode.InvalidResult);
      }
    });

    it('rejects a body that is not JSON', async () => {
      up.script = (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"jsonrpc":"2.0",');
      };
      const err = await rejection(relay.request('tools/call', 'echo', { name: 'echo' }, options()));
      expect(err).toBeInstanceOf(SdkError);
      expect((err as SdkError).code).toBe(SdkErrorCode.InvalidResult);
    });
  });

  describe('timeout', () => {
    it('rejects with SdkError RequestTimeout when the upstream never answers, and closes the exchange', async () => {
      up.script = () => undefined; // hold the request
      const started = Date.now();
      const err = await rejection(relay.request('tools/call', 'hang', { name: 'hang' }, options({ timeoutMs: 300 })));
      const elapsed = Date.now() - started;
      expect(err).toBeInstanceOf(SdkError);
      expect((err as SdkError).code).toBe(SdkErrorCode.RequestTimeout);
      expect(elapsed).toBeGreaterThanOrEqual(250);
      // undici runs headers timeouts on its coarse fast timers (~0.5 s ticks): 300 ms fires after 0.5–1 s.
      expect(elapsed).toBeLessThan(1_500);
      await expect(up.requests[0]!.closedEarly).resolves.toBe(true);
    });

    it('rejects with RequestTimeout when an SSE stream goes silent before the response', async () => {
      up.script = (req, res) => {
        startSse(res);
        res.write(sseEvent({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: req.body.params._meta.progressToken, progress: 1 } }));
        // ...and nothing more.
      };
      const progress: unknown[] = [];
      const started = Date.now();
      const err = await rejection(relay.request('tools/call', 'hang', { name: 'hang' }, options({ timeoutMs: 300, onProgress: (p) => progress.push(p) })));
      expect(err).toBeInstanceOf(SdkError);
      expect((err as SdkError).code).toBe(SdkErrorCode.RequestTimeout);
      // undici runs body timeouts on its coarse fast timers (~0.5 s ticks): 300 ms fires after 0.5–1 s.
      expect(Date.now() - started).toBeLessThan(1_500);
      expect(progress).toEqual([{ progress: 1 }]);
    });
  });

  describe('cancellation', () => {
    it('rejects promptly with the abort reason and closes the exchange upstream', async () => {
      let arrived!: () => void;
      const held = new Promise<void>((resolve) => (arrived = resolve));
      up.script = () => arrived(); // hold the request
      const controller = new AbortController();
      const pending = relay.request('tools/call', 'hang', { name: 'hang' }, options({ signal: controller.signal, timeoutMs: 5_000 }));
      await held;
      const reason = new Error('caller went away');
      const started = Date.now();
      controller.abort(reason);
      await expect(pending).rejects.toBe(reason);
      expect(Date.now() - started).toBeLessThan(200);
      const closed = await Promise.race([up.requests[0]!.closedEarly, delay(1_000).then(() => 'still open' as const)]);
      expect(closed).toBe(true);
    });

    it('rejects with the reason of a signal that was already aborted', async () => {
      const reason = new Error('too late');
      const err = await rejection(relay.request('tools/call', 'echo', { name: 'echo' }, options({ signal: AbortSignal.abort(reason) })));
      expect(err).toBe(reason);
    });

    it('cancelling one call leaves the relay usable', async () => {
      up.script = (req, res) => {
        if (req.body.params.name === 'hang') return;
        answerJson(res, 200, { jsonrpc: '2.0', id: req.body.id, result: { content: [{ type: 'text', text: 'ok' }] } });
      };
      const controller = new AbortController();
      const pending = relay.request('tools/call', 'hang', { name: 'hang' }, options({ signal: controller.signal }));
      await waitFor(() => up.requests.length === 1);
      controller.abort(new Error('stop'));
      await expect(pending).rejects.toThrow('stop');
      await expect(relay.request('tools/call', 'echo', { name: 'echo' }, options())).resolves.toEqual({ content: [{ type: 'text', text: 'ok' }] });
    });
  });

  describe('connection reuse', () => {
    it('carries consecutive JSON requests on one connection', async () => {
      for (let i = 0; i < 5; i++) {
        await relay.request('tools/call', 'echo', { name: 'echo' }, options());
        // undici hands a pipelining-1 socket back to the pool one event-loop turn after the response
        // ends (client-h1 onMessageComplete: setImmediate(resume)); a call issued in that same turn
        // takes a second socket (see the next test).
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      expect(up.requests).toHaveLength(5);
      expect(up.connections).toBe(1);
      expect(new Set(up.requests.map((r) => r.connection))).toEqual(new Set([1]));
    });

    it('does not open a connection per call when calls follow back to back', async () => {
      for (let i = 0; i < 10; i++) await relay.request('tools/call', 'echo', { name: 'echo' }, options());
      expect(up.requests).toHaveLength(10);
      // The relay resolves inside the response-end callback, before undici frees the socket: two alternate.
      expect(up.connections).toBeLessThanOrEqual(2);
    });

    it('reuses the connection after an SSE answer once the server ends the stream', async () => {
      up.script = async (req, res) => {
        if (req.body.params.name === 'stream') {
          startSse(res);
          res.write(sseEvent({ jsonrpc: '2.0', id: req.body.id, result: { content: [] } }));
          // The end comes in a later packet than the response: the relay must keep reading it.
          await delay(10);
          res.end();
          return;
        }
        answerJson(res, 200, { jsonrpc: '2.0', id: req.body.id, result: { content: [] } });
      };
      await relay.request('tools/call', 'stream', { name: 'stream' }, options());
      await up.requests[0]!.finished;
      await delay(20);
      await relay.request('tools/call', 'json', { name: 'json' }, options());
      expect(up.requests.map((r) => r.connection)).toEqual([1, 1]);
      expect(up.connections).toBe(1);
      await expect(up.requests[0]!.closedEarly).resolves.toBe(false);
    });
  });

  describe('housekeeping', () => {
    it('leaves no abort listener on a long-lived signal after success or failure', async () => {
      const controller = new AbortController();
      await relay.request('tools/call', 'echo', { name: 'echo' }, options({ signal: controller.signal }));
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      up.script = (req, res) => answerJson(res, 200, { jsonrpc: '2.0', id: req.body.id, error: { code: -32603, message: 'boom' } });
      await rejection(relay.request('tools/call', 'echo', { name: 'echo' }, options({ signal: controller.signal })));
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    });

    it('rejects when the upstream drops the connection without answering', async () => {
      up.script = (_req, res) => {
        res.socket?.destroy();
      };
      const err = await rejection(relay.request('tools/call', 'echo', { name: 'echo' }, options()));
      expect(err).toBeInstanceOf(Error);
    });

    it('rejects when nothing listens at the address', async () => {
      const vacant = new ScriptedUpstream();
      await vacant.start();
      const url = vacant.url;
      await vacant.stop();
      const lonely = new ModernHttpRelay(new URL(url), {}, CLIENT_INFO);
      try {
        const err = await rejection(lonely.request('tools/call', 'echo', { name: 'echo' }, options()));
        expect(err).toBeInstanceOf(Error);
        expect((err as { code?: unknown }).code).toBe('ECONNREFUSED');
      } finally {
        await lonely.close();
      }
    });
  });
});

async function waitFor(ok: () => boolean, timeoutMs = 1_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await delay(5);
  }
}

// ---------------------------------------------------------------------------------------------
// Through the gateway's error mapping
// ---------------------------------------------------------------------------------------------

describe('ModernHttpRelay failures mapped by UpstreamLink', () => {
  const TOKEN = 'bearer-Zq8tY4vN2mK7pL1x';
  let up: ScriptedUpstream;
  let definition: UpstreamDefinition;
  let link: UpstreamLink;
  let relay: ModernHttpRelay;

  beforeEach(async () => {
    up = new ScriptedUpstream();
    await up.start();
    definition = upstream({ name: 'scripted', transport: { type: 'http', url: up.url }, auth: { type: 'bearer', token: TOKEN }, timeoutMs: 100 });
    link = new UpstreamLink(
      definition,
      {
        logger: pino({ level: 'silent' }),
        clientInfo: CLIENT_INFO,
        healthIntervalMs: 0,
        circuitThreshold: 3,
        backoffInitialMs: 100,
        backoffMaxMs: 1_000,
        idleSessionMs: 60_000,
        maxSessions: 4,
      },
      { onInventoryStale: () => undefined, onResourceUpdated: () => undefined, onStatus: () => undefined },
    );
    // Built exactly as upstream-session.ts builds the relay for a modern HTTP upstream.
    if (definition.transport.type !== 'http') throw new Error('expected an http transport');
    relay = new ModernHttpRelay(new URL(definition.transport.url), upstreamCredentials(definition.auth).headers, CLIENT_INFO);
  });

  afterEach(async () => {
    await up.stop();
    await relay.close();
    await link.close();
  });

  /** One relayed call as Federation.viaRelay issues it, its failure mapped as Federation.relay maps it. */
  async function call(name: string): Promise<PorticoError> {
    const err = await rejection(
      relay.request('tools/call', name, { name, arguments: {} }, { callerCapabilities: {}, signal: new AbortController().signal, timeoutMs: definition.timeoutMs + 1_000 }),
    );
    const mapped = link.toPortico(err, `calling ${name}`);
    expect(mapped).toBeInstanceOf(PorticoError);
    return mapped;
  }

  function expectNoToken(err: PorticoError): void {
    expect(err.message).not.toContain(TOKEN);
    expect(JSON.stringify(err.details ?? null)).not.toContain(TOKEN);
  }

  it('sends the definition’s bearer upstream', async () => {
    await relay.request('tools/call', 'echo', { name: 'echo' }, { callerCapabilities: {}, signal: new AbortController().signal, timeoutMs: 1_000 });
    expect(up.requests[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('maps -32602 (HTTP 200 and HTTP 400) to validation_failed, scrubbing the bearer', async () => {
    for (const status of [200, 400]) {
      up.script = (req, res) =>
        answerJson(res, status, { jsonrpc: '2.0', id: req.body.id, error: { code: -32602, message: `bad arguments; your header was Bearer ${TOKEN}` } });
      const err = await call('echo');
      expect(err.code, `HTTP ${status}`).toBe('validation_failed');
      expect(err.message).toContain('bad arguments');
      expect(err.message).toContain('***');
      expectNoToken(err);
    }
  });

  it('maps -32002 to not_found, with the upstream data as details', async () => {
    up.script = (req, res) => answerJson(res, 200, { jsonrpc: '2.0', id: req.body.id, error: { code: -32002, message: 'Resource not found', data: { uri: 'file:///nope' } } });
    const err = await call('read');
    expect(err.code).toBe('not_found');
    expect(err.details).toEqual({ uri: 'file:///nope' });
    expectNoToken(err);
  });

  it('maps HTTP 500 to upstream_failed without the bearer the upstream echoed', async () => {
    up.script = (req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`internal error handling ${String(req.headers.authorization)}`);
    };
    const err = await call('echo');
    expect(err.code).toBe('upstream_failed');
    expect(err.message).toContain('scripted');
    expect(err.message).toContain('calling echo');
    expect(err.message).toContain('internal error handling Bearer ***');
    expectNoToken(err);
  });

  it('maps a timeout to upstream_timeout', async () => {
    up.script = () => undefined; // never answer
    const started = Date.now();
    const err = await call('hang');
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(err.code).toBe('upstream_timeout');
    expect(err.message).toContain(`within ${definition.timeoutMs} ms`);
    expectNoToken(err);
  });

  it('maps a caller cancellation to cancelled, whether the pipeline or a bare abort() stopped it', async () => {
    up.script = () => undefined; // hold every request
    for (const reason of [new PorticoError('cancelled', 'The client disconnected.'), undefined]) {
      const controller = new AbortController();
      const pending = relay.request('tools/call', 'hang', { name: 'hang' }, { callerCapabilities: {}, signal: controller.signal, timeoutMs: 5_000 });
      const before = up.requests.length;
      await waitFor(() => up.requests.length > before);
      controller.abort(reason);
      const mapped = link.toPortico(await rejection(pending), 'calling hang');
      expect(mapped.code).toBe('cancelled');
      await expect(up.requests.at(-1)!.closedEarly).resolves.toBe(true);
    }
  });

  it('maps a dropped connection to upstream_failed', async () => {
    up.script = (_req, res) => {
      res.socket?.destroy();
    };
    const err = await call('echo');
    expect(err.code).toBe('upstream_failed');
    expect(err.message).toContain('calling echo');
    expectNoToken(err);
  });
});
