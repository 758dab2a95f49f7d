/**
 * The lean path for relaying a call to a modern-era (2026-07-28) Streamable HTTP upstream.
 *
 * Why it exists: the modern era is stateless — every request carries its own envelope and needs no
 * session — so a relayed `tools/call` is one HTTP POST. The SDK `Client` spends several hundred
 * microseconds of CPU per call on schema validation, header objects and its response funnel; a
 * gateway that pays that on every hop adds milliseconds under load. Here a pooled undici
 * connection carries the same wire request the SDK would send (envelope in `_meta`, SEP-2243
 * headers, a progress token) and reads back JSON or the SSE stream of progress and log
 * notifications that ends with the response.
 *
 * Failures are thrown as the SDK's own error classes (`ProtocolError` for a JSON-RPC error,
 * `SdkHttpError` for an HTTP failure, `SdkError` for a timeout) so the link maps them exactly as
 * it maps the SDK's. Everything this path does not cover — OAuth upstreams (401 refresh and
 * step-up), tools with `x-mcp-header` parameters, listing, subscriptions — stays on the SDK.
 */
import { CLIENT_CAPABILITIES_META_KEY, CLIENT_INFO_META_KEY, LOG_LEVEL_META_KEY, PROTOCOL_VERSION_META_KEY, ProtocolError, SdkError, SdkErrorCode, SdkHttpError } from '@modelcontextprotocol/client';
import { createParser } from 'eventsource-parser';
import { Pool, type Dispatcher } from 'undici';
import type { JsonObject } from '../core/catalog/mcp-shapes.js';

export const MODERN_REVISION = '2026-07-28';

/** The requests that take this path; each mirrors one parameter in the `Mcp-Name` header. */
export type RelayedMethod = 'tools/call' | 'prompts/get' | 'resources/read';

export interface RelayRequestOptions {
  /** The caller's client capabilities: the upstream asks only for input the caller can give. */
  callerCapabilities: JsonObject;
  /** The lowest log level the caller listens at; absent: the upstream sends no log messages. */
  logLevel?: string | undefined;
  signal: AbortSignal;
  /** A backstop; the pipeline's own deadline normally fires first and aborts `signal`. */
  timeoutMs: number;
  /** Present when the caller listens for progress: a progress token goes upstream. */
  onProgress?: (progress: { progress: number; total?: number; message?: string }) => void;
  onLog?: (params: JsonObject) => void;
}

/** Response bodies larger than this are refused rather than buffered without bound. */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
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
  private readonly pool: Pool;
  private readonly path: string;
  private nextId = 1;

  constructor(
    url: URL,
    /** Credential headers (bearer, custom headers), sent on every request. */
    private readonly headers: Record<string, string>,
    private readonly clientInfo: { name: string; version: string },
  ) {
    this.pool = new Pool(url.origin, {
      // Calls can run long (their own deadline ends them); undici's idle-body timeout must not.
      headersTimeout: 0,
      bodyTimeout: 0,
      keepAliveTimeout: 30_000,
    });
    this.path = `${url.pathname}${url.search}`;
  }

  /** Send one request and return its JSON-RPC `result` (which may be `input_required`). */
  async request(method: RelayedMethod, name: string, params: JsonObject, options: RelayRequestOptions): Promise<unknown> {
    const id = this.nextId++;
    const progressToken = options.onProgress ? id : undefined;
    const meta: JsonObject = {
      [PROTOCOL_VERSION_META_KEY]: MODERN_REVISION,
      [CLIENT_INFO_META_KEY]: this.clientInfo,
      [CLIENT_CAPABILITIES_META_KEY]: options.callerCapabilities,
      // Modern upstreams log only when a request names a level: ask for what the caller listens to.
      ...(options.logLevel !== undefined ? { [LOG_LEVEL_META_KEY]: options.logLevel } : {}),
      ...(params._meta as JsonObject | undefined),
      ...(progressToken !== undefined ? { progressToken } : {}),
    };
    const body = JSON.stringify({ jsonrpc: '2.0', id, method, params: { ...params, _meta: meta } });

    const abort = new AbortController();
    const onAbort = () => abort.abort(options.signal.reason);
    if (options.signal.aborted) onAbort();
    else options.signal.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => abort.abort(new SdkError(SdkErrorCode.RequestTimeout, `Request timed out after ${options.timeoutMs} ms`)), options.timeoutMs);
    try {
      const response = await this.pool.request({
        method: 'POST',
        path: this.path,
        headers: {
          ...this.headers,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': MODERN_REVISION,
          'mcp-method': method,
          'mcp-name': mcpHeaderValue(name),
        },
        body,
        signal: abort.signal,
      });
      return await this.read(response, id, progressToken, options);
    } catch (err) {
      // undici reports an abort as its own error: surface the reason (timeout, cancellation).
      if (abort.signal.aborted) throw abort.signal.reason instanceof Error ? abort.signal.reason : new SdkError(SdkErrorCode.RequestTimeout, 'Request cancelled');
      throw err;
    } finally {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
    }
  }

  private async read(response: Dispatcher.ResponseData, id: number, progressToken: number | undefined, options: RelayRequestOptions): Promise<unknown> {
    const type = mediaType(response.headers['content-type']);
    if (response.statusCode < 200 || response.statusCode >= 300) {
      const text = await boundedText(response.body);
      // A modern upstream answers a refused request with a JSON-RPC error body (400 and others).
      const message = type === 'application/json' ? parseJson(text) : undefined;
      if (message && !Array.isArray(message) && (message as JsonRpcMessage).error) return settle(message as JsonRpcMessage);
      throw new SdkHttpError(SdkErrorCode.ClientHttpNotImplemented, `Error POSTing to endpoint: ${text.slice(0, 500)}`, { status: response.statusCode, text });
    }
    if (type === 'application/json') {
      const parsed = parseJson(await boundedText(response.body));
      const messages = (Array.isArray(parsed) ? parsed : [parsed]) as JsonRpcMessage[];
      const answer = messages.find((m) => m && typeof m === 'object' && m.id === id);
      if (!answer) throw new SdkError(SdkErrorCode.InvalidResult, 'the upstream answered without a response to the request');
      return settle(answer);
    }
    if (type === 'text/event-stream') return this.readStream(response.body, id, progressToken, options);
    response.body.resume();
    throw new SdkError(SdkErrorCode.ClientHttpUnexpectedContent, `Unexpected content type: ${type || '(none)'}`);
  }

  /** Relay the stream's notifications until the response arrives; the rest of the stream is dropped. */
  private async readStream(body: Dispatcher.ResponseData['body'], id: number, progressToken: number | undefined, options: RelayRequestOptions): Promise<unknown> {
    let answer: JsonRpcMessage | undefined;
    const parser = createParser({
      onEvent: (event) => {
        if (answer) return;
        const message = parseJson(event.data) as JsonRpcMessage | undefined;
        if (!message || typeof message !== 'object') return;
        if (message.id === id && (message.result !== undefined || message.error !== undefined)) answer = message;
        else if (message.method === 'notifications/progress') {
          const p = message.params;
          if (p && p.progressToken === progressToken && typeof p.progress === 'number') {
            options.onProgress?.({
              progress: p.progress,
              ...(typeof p.total === 'number' ? { total: p.total } : {}),
              ...(typeof p.message === 'string' ? { message: p.message } : {}),
            });
          }
        } else if (message.method === 'notifications/message' && message.params) options.onLog?.(message.params);
      },
    });
    // undici's body yields Buffers whatever the encoding says; a streaming decoder keeps characters split across chunks whole.
    const decoder = new TextDecoder();
    let size = 0;
    for await (const chunk of body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_RESPONSE_BYTES) {
        body.destroy();
        throw new SdkError(SdkErrorCode.InvalidResult, `the upstream stream exceeds ${MAX_RESPONSE_BYTES} bytes without answering`);
      }
      parser.feed(decoder.decode(chunk, { stream: true }));
      if (answer) {
        body.destroy();
        return settle(answer);
      }
    }
    throw new SdkError(SdkErrorCode.ConnectionClosed, 'the upstream closed the stream before answering');
  }

  close(): Promise<void> {
    return this.pool.close();
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

async function boundedText(body: Dispatcher.ResponseData['body']): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_RESPONSE_BYTES) {
      body.destroy();
      throw new SdkError(SdkErrorCode.InvalidResult, `the upstream response exceeds ${MAX_RESPONSE_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
}
