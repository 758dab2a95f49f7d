/**
 * Reading a client's sampling answer (`CreateMessageResult`), which arrives as untrusted JSON:
 * anything missing or malformed reads as undefined, and the tool asks again rather than storing
 * garbage. Content is one block or, since 2025-11-25, an array of blocks.
 */

export interface SampledAnswer {
  readonly text: string;
  readonly model: string | null;
  readonly stopReason: string | null;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function blockText(block: unknown): string | undefined {
  if (!isObject(block) || block.type !== 'text') return undefined;
  return typeof block.text === 'string' ? block.text : undefined;
}

/** The text of a sampling answer; undefined unless it is text (a generation stores text only). */
export function readSampledAnswer(answer: unknown): SampledAnswer | undefined {
  if (!isObject(answer)) return undefined;
  const content = answer.content;
  const blocks = Array.isArray(content) ? content : [content];
  const parts = blocks.map(blockText);
  if (parts.length === 0 || parts.some((p) => p === undefined)) return undefined;
  return {
    text: parts.join('\n'),
    model: typeof answer.model === 'string' && answer.model ? answer.model.slice(0, 200) : null,
    stopReason: typeof answer.stopReason === 'string' ? answer.stopReason : null,
  };
}

/** Whether the client declared it can sample. */
export const clientCanSample = (capabilities: Readonly<Record<string, unknown>>): boolean => isObject(capabilities.sampling);
