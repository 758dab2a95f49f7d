/* global fetch, AbortSignal -- Node globals; the root ESLint config declares them only for *.js */
// The MCP wire pieces the bench sends: the modern (2026-07-28) echo `tools/call` and the legacy (2025-11-25) session
// handshake, plus a response reader that understands both JSON and text/event-stream bodies.

export const MODERN_REVISION = '2026-07-28';
export const LEGACY_REVISION = '2025-11-25';
export const ECHO_MESSAGE = 'hello';

/** The one request every target is driven with. */
/** A credential for targets that require one (Portico); the references ignore it. Set once at start. */
export const CREDENTIAL = /** @type {{ authorization?: string }} */ ({});

/** Headers of the modern echo request, including the credential once it is known. */
export function modernEchoHeaders() {
  return { ...MODERN_ECHO_HEADERS, ...CREDENTIAL };
}

export const MODERN_ECHO_HEADERS = Object.freeze({
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': MODERN_REVISION,
  'mcp-method': 'tools/call',
  'mcp-name': 'echo',
});

export const MODERN_ECHO_BODY = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: {
    name: 'echo',
    arguments: { message: ECHO_MESSAGE },
    _meta: {
      'io.modelcontextprotocol/protocolVersion': MODERN_REVISION,
      'io.modelcontextprotocol/clientCapabilities': {},
      'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' },
    },
  },
});

/**
 * Cheap per-response check used during load (autocannon `verifyBody`): the echoed text is present and it is neither a
 * JSON-RPC error nor an `isError` tool result.
 * @param {string} body
 */
export function looksLikeEchoResult(body) {
  return body.includes(`"${ECHO_MESSAGE}"`) && !body.includes('"error":') && !body.includes('"isError":true');
}

/**
 * Extract JSON-RPC messages from a response body: a JSON object/array, or the `data:` payloads of an SSE stream.
 * @param {string} contentType
 * @param {string} text
 * @returns {unknown[]}
 */
export function parseJsonRpcMessages(contentType, text) {
  if (contentType.toLowerCase().includes('text/event-stream')) {
    /** @type {unknown[]} */
    const out = [];
    for (const event of text.split(/\r?\n\r?\n/)) {
      const data = event
        .split(/\r?\n/)
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).replace(/^ /, ''))
        .join('\n');
      if (!data) continue;
      try {
        out.push(JSON.parse(data));
      } catch {
        out.push({ unparsable: data });
      }
    }
    return out;
  }
  const parsed = JSON.parse(text);
  return Array.isArray(parsed) ? parsed : [parsed];
}

/**
 * POST one modern echo call and check it is a correct JSON-RPC result carrying "hello".
 * @param {string} url
 * @returns {Promise<{ ok: true, contentType: string } | { ok: false, reason: string }>}
 */
export async function verifyModernEcho(url) {
  /** @type {Response} */
  let res;
  let text;
  try {
    res = await fetch(url, { method: 'POST', headers: modernEchoHeaders(), body: MODERN_ECHO_BODY, signal: AbortSignal.timeout(10_000) });
    text = await res.text();
  } catch (err) {
    return { ok: false, reason: `request failed: ${errorText(err)}` };
  }
  const contentType = res.headers.get('content-type') ?? '';
  const snippet = text.length > 300 ? `${text.slice(0, 300)}…` : text;
  if (res.status < 200 || res.status > 299) {
    return { ok: false, reason: `HTTP ${res.status} (${contentType || 'no content-type'}): ${snippet}` };
  }
  /** @type {unknown[]} */
  let messages;
  try {
    messages = parseJsonRpcMessages(contentType, text);
  } catch {
    return { ok: false, reason: `HTTP ${res.status} but the body is not JSON (${contentType}): ${snippet}` };
  }
  const reply = /** @type {any} */ (messages.find((m) => m && typeof m === 'object' && 'id' in m && /** @type {any} */ (m).id === 1));
  if (!reply) return { ok: false, reason: `no JSON-RPC response with id 1 in the body: ${snippet}` };
  if (reply.jsonrpc !== '2.0') return { ok: false, reason: `response is not JSON-RPC 2.0: ${snippet}` };
  if (reply.error) return { ok: false, reason: `JSON-RPC error ${reply.error.code}: ${reply.error.message}` };
  if (!reply.result || typeof reply.result !== 'object') return { ok: false, reason: `response has no result: ${snippet}` };
  if (reply.result.isError) return { ok: false, reason: `tool returned isError: ${snippet}` };
  const content = Array.isArray(reply.result.content) ? reply.result.content : [];
  if (!content.some((/** @type {any} */ c) => c?.type === 'text' && c.text === ECHO_MESSAGE)) {
    return { ok: false, reason: `result does not contain a text item "${ECHO_MESSAGE}": ${snippet}` };
  }
  return { ok: true, contentType };
}

/** @param {unknown} err */
export function errorText(err) {
  if (err instanceof Error) {
    const cause = /** @type {any} */ (err).cause;
    return cause ? `${err.message} (${cause.code ?? cause.message ?? cause})` : err.message;
  }
  return String(err);
}
