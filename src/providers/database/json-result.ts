/** Tool and resource results carrying JSON: pretty text for people, structured content for programs. */
import type { CallToolResult, JsonObject, ReadResourceResult } from '../../core/catalog/mcp-shapes.js';

export function jsonResult(value: JsonObject): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value, null, 2) }], structuredContent: value };
}

export function jsonResource(uri: string, value: unknown): ReadResourceResult {
  return { contents: [{ uri, mimeType: 'application/json', text: JSON.stringify(value, null, 2) }] };
}
