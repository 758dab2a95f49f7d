/**
 * Asking the client for input (elicitation, sampling, roots) and reading its answers back, shared
 * by every fixture that uses the multi-round-trip flow. Answers arrive as untrusted JSON from the
 * client, so each reader returns `undefined` for anything missing or malformed and the handler asks
 * again instead of completing on garbage (the suite's "validate-input" and "missing-input-response"
 * scenarios expect exactly that).
 */
import { compileArgumentValidator } from '../../core/catalog/argument-validator.js';
import type { JsonObject } from '../../core/catalog/mcp-shapes.js';
import { ask, type InputRequest, type InputRound } from '../../core/pipeline/input-requests.js';

export const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The raw answer under `key` in this round (undefined on the first round or when the client left it out). */
export const answerTo = (round: InputRound, key: string): unknown => round.responses?.[key];

/** A decline or cancel is a real answer (the user said no), unlike a malformed one. */
export type ElicitationAnswer = { action: 'accept'; content: JsonObject } | { action: 'decline' | 'cancel' };

export interface Form {
  readonly requestedSchema: JsonObject;
  /** The elicitation request to return in `needsInput`. */
  ask(message: string): InputRequest;
  /** Parse a raw answer; undefined when absent, malformed, or accepted content that does not fit the schema. */
  parse(answer: unknown): ElicitationAnswer | undefined;
  /** Parse the answer given under `key` in this round. */
  read(round: InputRound, key: string): ElicitationAnswer | undefined;
}

/**
 * A form elicitation whose accepted content is checked against the very schema the user was shown,
 * compiled once at definition time.
 */
export function defineForm(requestedSchema: JsonObject, label: string): Form {
  const validate = compileArgumentValidator(requestedSchema, label);
  const parse = (answer: unknown): ElicitationAnswer | undefined => {
    if (!isObject(answer)) return undefined;
    if (answer.action === 'decline' || answer.action === 'cancel') return { action: answer.action };
    if (answer.action !== 'accept' || !isObject(answer.content) || validate(answer.content)) return undefined;
    return { action: 'accept', content: answer.content };
  };
  return {
    requestedSchema,
    ask: (message) => ask.elicit({ message, requestedSchema }),
    parse,
    read: (round, key) => parse(answerTo(round, key)),
  };
}

/** A single-turn sampling request for a plain text prompt. */
export function askModel(prompt: string, maxTokens: number): InputRequest {
  return ask.sample({ messages: [{ role: 'user', content: { type: 'text', text: prompt } }], maxTokens });
}

function blockText(block: unknown): string | undefined {
  if (!isObject(block) || typeof block.type !== 'string') return undefined;
  if (block.type === 'text') return typeof block.text === 'string' ? block.text : undefined;
  // Non-text replies (image, audio, tool use) are valid answers; the fixtures only report them.
  return `[${block.type} content]`;
}

/**
 * The text of a sampling answer (`CreateMessageResult`). Content may be one block or, since
 * 2025-11-25, an array of blocks; both are accepted.
 */
export function sampledText(answer: unknown): string | undefined {
  if (!isObject(answer)) return undefined;
  const content = answer.content;
  if (Array.isArray(content)) {
    const parts = content.map(blockText);
    return parts.length > 0 && parts.every((p) => p !== undefined) ? parts.join('\n') : undefined;
  }
  return blockText(content);
}

export interface Root {
  uri: string;
  name?: string;
}

/** The roots of a `roots/list` answer, or undefined when it is not `{ roots: [{ uri }, …] }`. */
export function listedRoots(answer: unknown): Root[] | undefined {
  if (!isObject(answer) || !Array.isArray(answer.roots)) return undefined;
  const roots: Root[] = [];
  for (const r of answer.roots) {
    if (!isObject(r) || typeof r.uri !== 'string') return undefined;
    roots.push(typeof r.name === 'string' ? { uri: r.uri, name: r.name } : { uri: r.uri });
  }
  return roots;
}

/**
 * What the client declared it can answer. A bare `elicitation: {}` means form mode (the
 * pre-2025-11-25 meaning); a client that lists modes must list `form` for the fixtures' forms.
 */
export const clientCan = {
  elicitForm(capabilities: JsonObject): boolean {
    const e = capabilities.elicitation;
    if (!isObject(e)) return false;
    return Object.keys(e).length === 0 || 'form' in e;
  },
  sample: (capabilities: JsonObject): boolean => isObject(capabilities.sampling),
  listRoots: (capabilities: JsonObject): boolean => isObject(capabilities.roots),
} as const;

export function describeAnswer(answer: ElicitationAnswer): string {
  return `action=${answer.action}, content=${answer.action === 'accept' ? JSON.stringify(answer.content) : 'none'}`;
}
