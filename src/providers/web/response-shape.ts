/**
 * How a remote answer is shown to an agent: JSON pretty-printed, text decoded and cut at a length,
 * anything else as base64 — with a `truncated` flag whenever something was left out.
 */
import type { CallToolResult, JsonObject } from '../../core/catalog/mcp-shapes.js';
import type { OutboundResponse } from './guarded-fetch.js';

export interface ShapedBody {
  kind: 'json' | 'text' | 'binary';
  /** Pretty JSON, text, or base64 for binary bodies. */
  text: string;
  json?: unknown;
  truncated: boolean;
}

const isJson = (contentType: string) => /^application\/(?:[\w.+-]*\+)?json\b|^text\/json\b/i.test(contentType);
const isText = (contentType: string) => contentType === '' || /^text\/|^application\/(?:[\w.+-]*\+)?(?:xml|javascript|x-www-form-urlencoded|yaml|x-yaml|graphql)\b/i.test(contentType);

export function shapeBody(res: OutboundResponse, maxTextChars: number): ShapedBody {
  if (isJson(res.contentType) && !res.truncated) {
    try {
      const json: unknown = JSON.parse(res.body.toString('utf8'));
      const pretty = JSON.stringify(json, null, 2);
      if (pretty.length <= maxTextChars) return { kind: 'json', text: pretty, json, truncated: false };
      return { kind: 'json', text: pretty.slice(0, maxTextChars), truncated: true };
    } catch {
      // Not JSON after all: show it as text.
    }
  }
  if (isJson(res.contentType) || isText(res.contentType)) {
    const text = res.body.toString('utf8');
    const cut = text.length > maxTextChars;
    return { kind: 'text', text: cut ? text.slice(0, maxTextChars) : text, truncated: res.truncated || cut };
  }
  return { kind: 'binary', text: res.body.toString('base64'), truncated: res.truncated };
}

/** The tool result: a readable summary for the model, the same facts as structured content. */
export function toToolResult(res: OutboundResponse, maxTextChars: number): CallToolResult {
  const body = shapeBody(res, maxTextChars);
  const structured: JsonObject = {
    status: res.status,
    url: res.url,
    redirects: res.redirects,
    headers: res.headers,
    contentType: res.contentType,
    bytes: res.body.length,
    bodyKind: body.kind,
    body: body.text,
    truncated: body.truncated,
  };
  if (body.json !== undefined) structured.json = body.json as JsonObject;
  const lines = [
    `Status: ${res.status}`,
    `URL: ${res.url}`,
    ...(res.redirects.length ? [`Redirects: ${res.redirects.length}`] : []),
    `Content-Type: ${res.contentType || '(none)'}`,
    `Truncated: ${body.truncated ? 'yes' : 'no'}`,
    '',
    body.kind === 'binary' ? `(binary body, ${res.body.length} bytes, base64)\n${body.text}` : body.text,
  ];
  // A 404 is an answer, not a failure of the tool: the status is in the result.
  return { content: [{ type: 'text', text: lines.join('\n') }], structuredContent: structured };
}
