/**
 * The modern-era fast path. The SDK's handler builds a protocol server per request (hundreds of
 * microseconds); for the hot methods of a well-formed 2026-07-28 request Portico answers directly
 * from the pipeline instead, producing the same wire result (`resultType`, caching hints,
 * `serverInfo`).
 *
 * The lean path only ever takes requests it can serve exactly like the SDK: a single request with a
 * valid envelope, matching standard headers, and nothing that needs streaming (progress, logs) or
 * verification (`requestState`, `inputResponses`). Everything else — including every malformed
 * request — falls through to the SDK handler, which owns the error answers. The conformance suite
 * runs against both paths.
 */
import type { RequestStateCodec } from '@modelcontextprotocol/server';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { JsonRpcCode, PorticoError, toPorticoError } from '../../core/errors.js';
import type { Principal } from '../../core/identity/principal.js';
import type { ClientInfo } from '../../core/pipeline/execution-context.js';
import { isNeedsInput, type NeedsInput } from '../../core/pipeline/input-requests.js';
import type { CancelSource } from '../../core/pipeline/cancellation.js';
import type { CallScope, Pipeline } from '../../core/pipeline/pipeline.js';
import type { JsonObject } from '../../core/catalog/mcp-shapes.js';
import { stateTarget, type SealedState } from '../mcp-server/protocol-server.js';

/** One parsed HTTP request as the lean path sees it. */
export interface LeanInput {
  readonly body: unknown;
  readonly headers: IncomingHttpHeaders;
  readonly requestId: string;
  readonly res: ServerResponse;
  /** Response headers to add, as a flat [name, value, …] list (the fast lane's security headers). */
  readonly responseHeaders?: readonly string[];
}

export interface LeanPath {
  /** Serve the request if it is a hot, well-formed modern request; false to let the SDK serve it. */
  tryHandle(principal: Principal, input: LeanInput): Promise<boolean> | boolean;
  /** Cheap pre-check on headers alone: could this request be lean? (No body needed.) */
  mayQualify(method: string | undefined, headers: IncomingHttpHeaders): boolean;
}

export interface LeanPathDeps {
  pipeline: Pipeline;
  stateCodec: RequestStateCodec<SealedState>;
  serverInfo: { name: string; version: string; title?: string };
  /** Must match the SDK server's cache hints so both paths answer alike. */
  cacheHints: Record<string, { ttlMs: number; cacheScope: 'public' | 'private' }>;
}

const MODERN = '2026-07-28';
const NO_HEADERS: readonly string[] = Object.freeze([]);
const PROTOCOL_VERSION = 'io.modelcontextprotocol/protocolVersion';
const CLIENT_CAPABILITIES = 'io.modelcontextprotocol/clientCapabilities';
const CLIENT_INFO = 'io.modelcontextprotocol/clientInfo';
const SERVER_INFO = 'io.modelcontextprotocol/serverInfo';
/** `_meta` keys a lean request may carry; anything else (progressToken, logLevel, …) goes to the SDK. */
const PLAIN_META = new Set([PROTOCOL_VERSION, CLIENT_CAPABILITIES, CLIENT_INFO]);

type HotMethod = 'tools/call' | 'tools/list' | 'resources/read' | 'resources/list' | 'resources/templates/list' | 'prompts/list' | 'prompts/get';
const HOT = new Set<string>(['tools/call', 'tools/list', 'resources/read', 'resources/list', 'resources/templates/list', 'prompts/list', 'prompts/get']);
const NAMED: Partial<Record<HotMethod, 'name' | 'uri'>> = { 'tools/call': 'name', 'prompts/get': 'name', 'resources/read': 'uri' };

/** Which client capability each kind of input request needs. */
const CAPABILITY_FOR: Record<string, string> = { 'elicitation/create': 'elicitation', 'sampling/createMessage': 'sampling', 'roots/list': 'roots' };

function isPlainObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

interface LeanRequest {
  id: string | number;
  method: HotMethod;
  params: JsonObject;
  client: ClientInfo;
}

/** Accept only what the SDK would accept unchanged; undefined means "let the SDK decide". */
function qualify(input: LeanInput): LeanRequest | undefined {
  const body = input.body as { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown } | undefined;
  if (!isPlainObject(body) || body.jsonrpc !== '2.0') return undefined;
  const method = body.method;
  if (typeof method !== 'string' || !HOT.has(method)) return undefined;
  const id = body.id;
  if (typeof id !== 'string' && typeof id !== 'number') return undefined;
  const params = body.params;
  if (!isPlainObject(params) || params.cursor !== undefined || params.inputResponses !== undefined || params.requestState !== undefined) return undefined;
  const meta = params._meta;
  if (!isPlainObject(meta)) return undefined;
  for (const key in meta) if (!PLAIN_META.has(key)) return undefined;
  const caps = meta[CLIENT_CAPABILITIES];
  if (meta[PROTOCOL_VERSION] !== MODERN || !isPlainObject(caps)) return undefined;
  const info = meta[CLIENT_INFO];
  if (info !== undefined && !(isPlainObject(info) && typeof info.name === 'string' && typeof info.version === 'string')) return undefined;

  const h = input.headers;
  if (h['mcp-protocol-version'] !== MODERN || h['mcp-method'] !== method) return undefined;
  const accept = h.accept;
  if (typeof accept !== 'string' || !accept.includes('application/json') || !accept.includes('text/event-stream')) return undefined;
  const named = NAMED[method as HotMethod];
  if (named) {
    const value = params[named];
    if (typeof value !== 'string' || h['mcp-name'] !== value) return undefined;
  } else if (h['mcp-name'] !== undefined) return undefined;
  if (method === 'tools/call' && params.arguments !== undefined && !isPlainObject(params.arguments)) return undefined;
  if (method === 'prompts/get' && params.arguments !== undefined) {
    if (!isPlainObject(params.arguments) || Object.values(params.arguments).some((v) => typeof v !== 'string')) return undefined;
  }
  const client: ClientInfo = info
    ? { name: info.name as string, version: info.version as string, capabilities: caps }
    : { capabilities: caps };
  return { id, method: method as HotMethod, params, client };
}

export function createLeanPath(deps: LeanPathDeps): LeanPath {
  const { pipeline } = deps;
  const serverInfoJson = JSON.stringify(deps.serverInfo);
  // List answers are cached by the pipeline per catalog version and permission set; their JSON is
  // cached here by the identity of that array, so a hot tools/list is one string concatenation.
  const listJson = new WeakMap<readonly unknown[], string>();

  const serverMetaJson = `{"${SERVER_INFO}":${serverInfoJson}}`;
  // Per method: the wire fields the SDK adds to every modern result.
  const wireFields = new Map<string, string>();
  for (const m of HOT) {
    const hint = deps.cacheHints[m];
    wireFields.set(m, `"resultType":"complete"${hint ? `,"ttlMs":${hint.ttlMs},"cacheScope":"${hint.cacheScope}"` : ''}`);
  }

  function send(res: ServerResponse, extra: readonly string[], status: number, body: string): void {
    // The flat-array form lets Node skip per-header bookkeeping when nothing was set before.
    res.writeHead(status, [...extra, 'content-type', 'application/json', 'content-length', String(Buffer.byteLength(body))]);
    res.end(body);
  }

  /** A handler result plus the wire fields the SDK adds. */
  function resultBody(id: string | number, method: HotMethod, result: JsonObject): string {
    const { _meta, ...rest } = result as JsonObject & { _meta?: JsonObject };
    const fields = JSON.stringify(rest);
    const open = fields.length > 2 ? `${fields.slice(0, -1)},` : '{';
    const meta = _meta && Object.keys(_meta).length ? JSON.stringify({ ..._meta, [SERVER_INFO]: deps.serverInfo }) : serverMetaJson;
    return `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${open}${wireFields.get(method)!},"_meta":${meta}}}`;
  }

  function listBody(id: string | number, method: HotMethod, key: string, list: readonly unknown[]): string {
    let json = listJson.get(list);
    if (json === undefined) {
      json = `{"${key}":${JSON.stringify(list)},${wireFields.get(method)!},"_meta":${serverMetaJson}}`;
      listJson.set(list, json);
    }
    return `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${json}}`;
  }

  function errorBody(id: string | number, err: unknown): { status: number; body: string } {
    const safe = toPorticoError(err);
    const error: JsonObject = { code: safe.jsonRpcCode, message: safe.message };
    if (safe.details !== undefined) error.data = safe.details;
    // The SDK answers a missing client capability with HTTP 400; other errors travel in-band.
    const status = safe.jsonRpcCode === JsonRpcCode.MissingClientCapability ? 400 : 200;
    return { status, body: JSON.stringify({ jsonrpc: '2.0', id, error }) };
  }

  async function inputRequiredBody(id: string | number, needs: NeedsInput, lean: LeanRequest, principal: Principal): Promise<string> {
    for (const [key, ask] of Object.entries(needs.requests)) {
      const capability = CAPABILITY_FOR[ask.method];
      if (capability && !isPlainObject(lean.client.capabilities[capability])) {
        throw new PorticoError('missing_client_capability', `Cannot request input '${key}' (${ask.method}): the request's client capabilities do not declare ${capability}.`, {
          details: { requiredCapabilities: { [capability]: {} } },
        });
      }
    }
    const result: JsonObject = { resultType: 'input_required', inputRequests: needs.requests };
    if (needs.state !== undefined) {
      const target = stateTarget(lean.method, String(lean.params[NAMED[lean.method] ?? 'name']));
      result.requestState = await deps.stateCodec.mint({ s: needs.state, p: principal.id, t: target });
    }
    result._meta = { [SERVER_INFO]: deps.serverInfo };
    return JSON.stringify({ jsonrpc: '2.0', id, result });
  }

  return {
    mayQualify(method, headers) {
      const mcpMethod = headers['mcp-method'];
      return method === 'POST' && headers['mcp-protocol-version'] === MODERN && typeof mcpMethod === 'string' && HOT.has(mcpMethod) && headers['mcp-session-id'] === undefined;
    },
    async tryHandle(principal, input) {
      const lean = qualify(input);
      if (!lean) return false;
      const res = input.res;
      const extra = input.responseHeaders ?? NO_HEADERS;
      const { id, method, params } = lean;
      const scope: CallScope = { principal, surface: 'mcp', requestId: input.requestId, client: lean.client };
      try {
        switch (method) {
          case 'tools/list':
            send(res, extra, 200, listBody(id, method, 'tools', pipeline.listTools(scope)));
            return true;
          case 'resources/list':
            send(res, extra, 200, listBody(id, method, 'resources', pipeline.listResources(scope)));
            return true;
          case 'resources/templates/list':
            send(res, extra, 200, listBody(id, method, 'resourceTemplates', pipeline.listResourceTemplates(scope)));
            return true;
          case 'prompts/list':
            send(res, extra, 200, listBody(id, method, 'prompts', pipeline.listPrompts(scope)));
            return true;
          default:
            break;
        }
        // A client that goes away cancels its call (watched only once a handler goes asynchronous).
        const options = { signal: new ResponseCancellation(res) };
        const result =
          method === 'tools/call'
            ? await pipeline.callTool(scope, params.name as string, params.arguments ?? {}, options)
            : method === 'resources/read'
              ? await pipeline.readResource(scope, params.uri as string, options)
              : await pipeline.getPrompt(scope, params.name as string, params.arguments as Record<string, string> | undefined, options);
        if (res.destroyed) return true;
        send(res, extra, 200, isNeedsInput(result) ? await inputRequiredBody(id, result, lean, principal) : resultBody(id, method, result as unknown as JsonObject));
      } catch (err) {
        if (res.destroyed) return true;
        const { status, body } = errorBody(id, err);
        send(res, extra, status, body);
      }
      return true;
    },
  };
}

/** Cancellation by the client closing the connection, listening only when someone asks. */
class ResponseCancellation implements CancelSource {
  constructor(private readonly res: ServerResponse) {}
  get aborted(): boolean {
    return this.res.destroyed && !this.res.writableFinished;
  }
  get reason(): unknown {
    return this.aborted ? new PorticoError('cancelled') : undefined;
  }
  onAbort(listener: (reason: unknown) => void): () => void {
    const onClose = () => {
      if (!this.res.writableFinished) listener(new PorticoError('cancelled'));
    };
    this.res.once('close', onClose);
    return () => this.res.off('close', onClose);
  }
}
