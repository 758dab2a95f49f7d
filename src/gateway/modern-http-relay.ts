/**
 * The lean path for relaying a call to a modern-era (2026-07-28) Streamable HTTP upstream.
 *
 * Why it exists: the modern era is stateless — every request carries its own envelope and needs no
 * session — so a relayed `tools/call` is one HTTP POST. The SDK `Client` spends several hundred
 * microseconds of CPU per call on schema validation, header objects and its response funnel; a
 * gateway that pays that on every hop adds milliseconds under load. Here one pooled keep-alive
 * connection (the built-in HTTP/1.1 client for `http:`, undici for `https:`) carries the same wire
 * request the SDK would send (envelope in `_meta`, SEP-2243 headers, a progress token) and reads
 * back JSON or the SSE stream of progress and log notifications that ends with the response.
 *
 * Failures are thrown as the SDK's own error classes (`ProtocolError` for a JSON-RPC error,
 * `SdkHttpError` for an HTTP failure, `SdkError` for a timeout) so the link maps them exactly as
 * it maps the SDK's. Everything this path does not cover — OAuth upstreams (401 refresh and
 * step-up), tools with `x-mcp-header` parameters, listing, subscriptions — stays on the SDK.
 */
import { CLIENT_CAPABILITIES_META_KEY, CLIENT_INFO_META_KEY, LOG_LEVEL_META_KEY, PROTOCOL_VERSION_META_KEY, ProtocolError, SdkError, SdkErrorCode, SdkHttpError } from '@modelcontextprotocol/client';
import { createParser, type EventSourceParser } from 'eventsource-parser';
import type { IncomingHttpHeaders } from 'node:http';
import type { LookupFunction } from 'node:net';
import { TextDecoder } from 'node:util';
import { Pool, type Dispatcher } from 'undici';
import { headerBlock, Http1Pool, type ExchangeControl, type ResponseHandler } from './http1-pool.js';
import type { JsonObject } from '../core/catalog/mcp-shapes.js';
import { PorticoError } from '../core/errors.js';
import { cancelSourceOf, type CancelSource } from '../core/pipeline/cancellation.js';

export const MODERN_REVISION = '2026-07-28';

/** The requests that take this path; each mirrors one parameter in the `Mcp-Name` header. */
export type RelayedMethod = 'tools/call' | 'prompts/get' | 'resources/read';

export interface RelayRequestOptions {
  /** The caller's client capabilities: the upstream asks only for input the caller can give. */
  callerCapabilities: JsonObject;
  /** The lowest log level the caller listens at; absent: the upstream sends no log messages. */
  logLevel?: string | undefined;
  /** The caller's cancellation (a CancelSource on the hot path: no AbortSignal per call). */
  signal: AbortSignal | CancelSource;
  /** A backstop; the pipeline's own deadline normally fires first and aborts `signal`. */
  timeoutMs: number;
  /** Present when the caller listens for progress: a progress token goes upstream. */
  onProgress?: (progress: { progress: number; total?: number; message?: string }) => void;
  onLog?: (params: JsonObject) => void;
}

/** Response bodies larger than this are refused rather than buffered without bound. */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
const STANDARD_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': MODERN_REVISION } as const;
const BASE64_PREFIX = '=?base64?';
const BASE64_SUFFIX = '?=';

/** SEP-2243 header value: printable ASCII as is, anything else in the base64 sentinel form. */
export function mcpHeaderValue(value: string): string {
  let plain = value.length > 0 && value === value.trim() && !(value.startsWith(BASE64_PREFIX) && value.endsWith(BASE64_SUFFIX));
  for (let i = 0; plain && i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (!(c === 9 || (c >= 32 && c <= 126))) plain = false;
  }
  return plain ? value : `${BASE64_PREFIX}${Buffer.from(value, 'utf8').toString('base64')}${BASE64_SUFFIX}`;
}

function mediaType(contentType: string | string[] | undefined): string {
  const value = Array.isArray(contentType) ? contentType[0] : contentType;
  return (value ?? '').split(';', 1)[0]!.trim().toLowerCase();
}

interface JsonRpcMessage {
  id?: unknown;
  method?: string;
  params?: JsonObject;
  result?: unknown;
  error?: { code?: unknown; message?: unknown; data?: unknown };
}

export class ModernHttpRelay {
  /** `http:` upstreams: the gateway's own small HTTP/1.1 client (see http1-pool.ts for why). */
  private readonly http1: Http1Pool | undefined;
  /** `https:` upstreams: undici (TLS, ALPN, everything a remote server may need). */
  private readonly pool: Pool | undefined;
  /** The headers every request carries, as validated header lines. */
  private readonly fixedHeaders: string;
  private readonly path: string;
  private nextId = 1;

  constructor(
    url: URL,
    /** Credential headers (bearer, custom headers), sent on every request. */
    private readonly headers: Record<string, string>,
    private readonly clientInfo: { name: string; version: string },
    /** Resolves (and checks) the host of every connection: the network guard. */
    lookup?: LookupFunction,
  ) {
    if (url.protocol === 'http:') this.http1 = new Http1Pool(url, lookup ? { lookup } : {});
    else this.pool = new Pool(url.origin, { keepAliveTimeout: 30_000, ...(lookup ? { connect: { lookup } } : {}) });
    this.path = `${url.pathname}${url.search}`;
    this.fixedHeaders = headerBlock({ ...headers, ...STANDARD_HEADERS });
  }

  /** Send one request and return its JSON-RPC `result` (which may be `input_required`). */
  request(method: RelayedMethod, name: string, params: JsonObject, options: RelayRequestOptions): Promise<unknown> {
    const id = this.nextId++;
    const progressToken = options.onProgress ? id : undefined;
    // Built by assignment: computed keys in an object literal cost a runtime call each, per call.
    const meta: JsonObject = {};
    meta[PROTOCOL_VERSION_META_KEY] = MODERN_REVISION;
    meta[CLIENT_INFO_META_KEY] = this.clientInfo;
    meta[CLIENT_CAPABILITIES_META_KEY] = options.callerCapabilities;
    // Modern upstreams log only when a request names a level: ask for what the caller listens to.
    if (options.logLevel !== undefined) meta[LOG_LEVEL_META_KEY] = options.logLevel;
    const callerMeta = params._meta as JsonObject | undefined;
    // (A key named `__proto__` from parsed JSON is defined as data, as a spread would, not set as the prototype.)
    if (callerMeta) for (const key of Object.keys(callerMeta)) Object.defineProperty(meta, key, { value: callerMeta[key], enumerable: true, writable: true, configurable: true });
    if (progressToken !== undefined) meta.progressToken = progressToken;
    const body = JSON.stringify({ jsonrpc: '2.0', id, method, params: { ...params, _meta: meta } });
    return new Promise((resolve, reject) => {
      const exchange = new RelayedResponse(id, progressToken, options, resolve, reject);
      if (this.http1) {
        const headers = `${this.fixedHeaders}mcp-method: ${method}\r\nmcp-name: ${mcpHeaderValue(name)}\r\n`;
        this.http1.dispatch({ path: this.path, headers, body, timeoutMs: options.timeoutMs }, exchange);
        return;
      }
      this.pool!.dispatch(
        {
          method: 'POST',
          path: this.path,
          headers: { ...this.headers, ...STANDARD_HEADERS, 'mcp-method': method, 'mcp-name': mcpHeaderValue(name) },
          body,
          // The backstop: no answer, or a silent stream, for this long ends the call. (The pipeline's
          // own deadline normally aborts `signal` first.)
          headersTimeout: options.timeoutMs,
          bodyTimeout: options.timeoutMs,
        },
        exchange,
      );
    });
  }

  close(): Promise<void> {
    return this.http1 ? this.http1.close() : this.pool!.close();
  }
}

/**
 * One relayed request's response, read straight from the transport's callbacks (undici's dispatch
 * handler, or the same shape from the HTTP/1.1 pool): no body stream or async iterator per call.
 * JSON bodies are collected (bounded); an SSE body is parsed as it arrives, relaying progress and
 * log notifications until the response. It also settles the call when the caller cancels.
 */
class RelayedResponse implements Dispatcher.DispatchHandler, ResponseHandler {
  private controller: ExchangeControl | undefined;
  private status = 0;
  private type = '';
  private size = 0;
  private readonly chunks: Buffer[] = [];
  private stream: { parser: EventSourceParser; decoder: TextDecoder } | undefined;
  private settled = false;
  private readonly onAbort: () => void;
  private offAbort: (() => void) | undefined;

  constructor(
    private readonly id: number,
    private readonly progressToken: number | undefined,
    private readonly options: RelayRequestOptions,
    private readonly resolve: (result: unknown) => void,
    private readonly reject: (err: unknown) => void,
  ) {
    const cancel = cancelSourceOf(options.signal);
    this.onAbort = () => {
      const reason: unknown = cancel.reason;
      const err = reason instanceof Error ? reason : new PorticoError('cancelled');
      // Closing the exchange is how the modern era cancels a request over HTTP.
      this.controller?.abort(err);
      this.fail(err);
    };
    if (cancel.aborted) queueMicrotask(this.onAbort);
    else this.offAbort = cancel.onAbort(this.onAbort);
  }

  onRequestStart(controller: ExchangeControl): void {
    this.controller = controller;
    if (this.settled) controller.abort(new Error('cancelled'));
  }

  onResponseStart(_controller: ExchangeControl, statusCode: number, headers: IncomingHttpHeaders): void {
    this.status = statusCode;
    this.type = mediaType(headers['content-type']);
    if (this.type === 'text/event-stream' && statusCode >= 200 && statusCode < 300) {
      this.stream = { parser: createParser({ onEvent: (event) => this.onEvent(event.data) }), decoder: new TextDecoder() };
    }
  }

  onResponseData(controller: ExchangeControl, chunk: Buffer): void {
    if (this.settled) return;
    this.size += chunk.length;
    if (this.size > MAX_RESPONSE_BYTES) {
      const err = new SdkError(SdkErrorCode.InvalidResult, `the upstream response exceeds ${MAX_RESPONSE_BYTES} bytes`);
      controller.abort(err);
      this.fail(err);
      return;
    }
    // SSE: decoded as it streams (a character split across chunks stays whole).
    if (this.stream) this.stream.parser.feed(this.stream.decoder.decode(chunk, { stream: true }));
    // A copy: the HTTP/1.1 pool reuses its read buffer for the next read.
    else this.chunks.push(Buffer.from(chunk));
  }

  onResponseEnd(): void {
    if (this.settled) return;
    if (this.stream) return this.fail(new SdkError(SdkErrorCode.ConnectionClosed, 'the upstream closed the stream before answering'));
    const text = this.chunks.length === 1 ? this.chunks[0]!.toString('utf8') : Buffer.concat(this.chunks).toString('utf8');
    try {
      if (this.status < 200 || this.status >= 300) {
        // A modern upstream answers a refused request with a JSON-RPC error body (400 and others).
        const message = this.type === 'application/json' ? parseJson(text) : undefined;
        if (message && !Array.isArray(message) && (message as JsonRpcMessage).error) return this.succeed(settle(message as JsonRpcMessage));
        throw new SdkHttpError(SdkErrorCode.ClientHttpNotImplemented, `Error POSTing to endpoint: ${text.slice(0, 500)}`, { status: this.status, text });
      }
      if (this.type !== 'application/json') throw new SdkError(SdkErrorCode.ClientHttpUnexpectedContent, `Unexpected content type: ${this.type || '(none)'}`);
      const parsed = parseJson(text);
      const messages = (Array.isArray(parsed) ? parsed : [parsed]) as JsonRpcMessage[];
      const answer = messages.find((m) => m && typeof m === 'object' && m.id === this.id);
      if (!answer) throw new SdkError(SdkErrorCode.InvalidResult, 'the upstream answered without a response to the request');
      this.succeed(settle(answer));
    } catch (err) {
      this.fail(err);
    }
  }

  onResponseError(_controller: ExchangeControl, error: Error): void {
    const code = (error as { code?: unknown }).code;
    this.fail(code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'HTTP1_TIMEOUT' ? new SdkError(SdkErrorCode.RequestTimeout, `Request timed out after ${this.options.timeoutMs} ms`) : error);
  }

  private onEvent(data: string): void {
    if (this.settled) return;
    const message = parseJson(data) as JsonRpcMessage | undefined;
    if (!message || typeof message !== 'object') return;
    if (message.id === this.id && (message.result !== undefined || message.error !== undefined)) {
      // The rest of the stream (the server ends it right after) is read and dropped, so the connection stays reusable.
      try {
        this.succeed(settle(message));
      } catch (err) {
        this.fail(err);
      }
    } else if (message.method === 'notifications/progress') {
      const p = message.params;
      if (p && p.progressToken === this.progressToken && typeof p.progress === 'number') {
        this.options.onProgress?.({
          progress: p.progress,
          ...(typeof p.total === 'number' ? { total: p.total } : {}),
          ...(typeof p.message === 'string' ? { message: p.message } : {}),
        });
      }
    } else if (message.method === 'notifications/message' && message.params) this.options.onLog?.(message.params);
  }

  private succeed(result: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.offAbort?.();
    this.resolve(result);
  }

  private fail(err: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.offAbort?.();
    this.reject(err);
  }
}

/** A response's result, or its error as the SDK's `ProtocolError`. */
function settle(message: JsonRpcMessage): unknown {
  if (message.error) {
    const code = typeof message.error.code === 'number' ? message.error.code : -32603;
    throw new ProtocolError(code, typeof message.error.message === 'string' ? message.error.message : 'upstream error', message.error.data);
  }
  const result = message.result as JsonObject | undefined;
  if (!result || typeof result !== 'object' || Array.isArray(result)) throw new SdkError(SdkErrorCode.InvalidResult, 'the upstream sent a result that is not an object');
  // `resultType: "complete"` is the envelope's default; the SDK client drops it too, so both paths relay the same result.
  if (result.resultType === 'complete') {
    const { resultType: _complete, ...rest } = result;
    return rest;
  }
  return result;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
