/**
 * Asking the caller for input in the middle of a call (elicitation, sampling, roots), written once
 * for every surface in the multi-round-trip style of MCP 2026-07-28: a handler that needs input
 * returns `needsInput(...)`; the caller answers; the handler runs again with `ctx.input.responses`
 * and the `state` it left. Legacy MCP sessions and stdio get the same flow as real server-to-client
 * requests; surfaces that cannot ask (REST, CLI) report that input is required.
 */
import type { JsonObject } from './../catalog/mcp-shapes.js';

export type InputRequest =
  | { method: 'elicitation/create'; params: JsonObject }
  | { method: 'sampling/createMessage'; params: JsonObject }
  | { method: 'roots/list'; params?: JsonObject };

export const NEEDS_INPUT = Symbol.for('portico.needsInput');

export interface NeedsInput {
  readonly [NEEDS_INPUT]: true;
  /** Requests keyed by a name the handler chooses; answers come back under the same keys. */
  readonly requests: Readonly<Record<string, InputRequest>>;
  /** Anything JSON the handler wants back on the next round (signed by the surface, not encrypted). */
  readonly state?: unknown;
}

export function needsInput(requests: Record<string, InputRequest>, state?: unknown): NeedsInput {
  return Object.freeze({ [NEEDS_INPUT]: true as const, requests: Object.freeze({ ...requests }), ...(state === undefined ? {} : { state }) });
}

export function isNeedsInput(value: unknown): value is NeedsInput {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[NEEDS_INPUT] === true;
}

export const ask = {
  elicit: (params: { message: string; requestedSchema: JsonObject } & JsonObject): InputRequest => ({ method: 'elicitation/create', params: { mode: 'form', ...params } }),
  sample: (params: { messages: unknown[]; maxTokens: number } & JsonObject): InputRequest => ({ method: 'sampling/createMessage', params }),
  roots: (): InputRequest => ({ method: 'roots/list', params: {} }),
} as const;

/** What the handler sees of earlier rounds. */
export interface InputRound {
  /** Answers of the latest round by key, or undefined on the first round. */
  readonly responses: Readonly<Record<string, unknown>> | undefined;
  /** The state returned with the previous `needsInput`, after the surface verified it. */
  state<T = unknown>(): T | undefined;
}

/** Convenience: the accepted content of an elicitation answer, or undefined. */
export function acceptedElicitation(round: InputRound, key: string): JsonObject | undefined {
  const answer = round.responses?.[key] as { action?: string; content?: JsonObject } | undefined;
  return answer?.action === 'accept' && answer.content && typeof answer.content === 'object' ? answer.content : undefined;
}
