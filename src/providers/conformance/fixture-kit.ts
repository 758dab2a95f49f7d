/**
 * Small shared pieces of the conformance fixtures. The fixture names, texts and URIs are fixed by
 * the MCP conformance suite, so they live as literals in the files that use them; only what several
 * files need is here.
 */
import type { CallToolResult, JsonObject } from '../../core/catalog/mcp-shapes.js';

/** The provider name, used as the `source` of every entry so the composition root can drop them all at once. */
export const FIXTURE_SOURCE = 'conformance';

/**
 * Input schema of a tool that takes no arguments. Deliberately open (no `additionalProperties:
 * false`): the suite calls these tools with `arguments` omitted or `{}`, and a stray key from some
 * client is not worth failing a fixture over.
 */
export function noArguments(): JsonObject {
  return { type: 'object', properties: {} };
}

export function textResult(text: string): CallToolResult {
  return { content: [{ type: 'text', text }] };
}
