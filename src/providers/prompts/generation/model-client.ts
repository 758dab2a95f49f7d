/**
 * The model client contract: one completion request to one AI configuration's model API. Each
 * implementation wraps an official SDK (openai, @anthropic-ai/sdk) with the SDK's own retries off —
 * retries, backoff, rate limits and fallback are the router's (model-router.ts), the same for every
 * provider — and turns every failure into a ModelCallError whose message is safe to show.
 */

export interface ModelRequest {
  /** The rendered prompt, sent as the user message. */
  readonly prompt: string;
  readonly system?: string | undefined;
  readonly maxTokens: number;
  readonly temperature?: number | undefined;
  readonly topP?: number | undefined;
  readonly stop?: readonly string[] | undefined;
}

export interface ModelResponse {
  readonly text: string;
  /** The model that answered, as the API reports it. */
  readonly model: string;
  readonly inputTokens: number | null;
  readonly outputTokens: number | null;
  readonly stopReason: string | null;
}

export interface ModelClient {
  complete(request: ModelRequest, signal: AbortSignal): Promise<ModelResponse>;
}

export type ModelFailureKind = 'http' | 'timeout' | 'connection' | 'invalid_response' | 'cancelled';

/** A failed model call, described without the API key or the provider's raw body. */
export class ModelCallError extends Error {
  readonly kind: ModelFailureKind;
  readonly status: number | undefined;
  /** From a Retry-After header, when the API sent one. */
  readonly retryAfterMs: number | undefined;

  constructor(kind: ModelFailureKind, message: string, options: { status?: number | undefined; retryAfterMs?: number | undefined } = {}) {
    super(message);
    this.name = 'ModelCallError';
    this.kind = kind;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }

  /** Worth trying again on the same configuration: rate limits, server faults, timeouts, broken connections. */
  get retryable(): boolean {
    if (this.kind === 'timeout' || this.kind === 'connection') return true;
    if (this.kind !== 'http' || this.status === undefined) return false;
    return this.status === 408 || this.status === 409 || this.status === 429 || this.status >= 500;
  }
}

/** Milliseconds from a Retry-After (seconds or HTTP date) or retry-after-ms header. */
export function retryAfterFrom(headers: Headers | undefined): number | undefined {
  if (!headers) return undefined;
  const ms = Number(headers.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const value = headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * A provider's error message, cut short and with the API key blotted out wherever it appears (some
 * APIs echo a partial key back; a misconfigured proxy may echo all of it).
 */
export function scrubbed(message: string | undefined, apiKey: string | undefined): string {
  let text = (message ?? '').replace(/\s+/g, ' ').trim();
  if (apiKey && apiKey.length >= 4) text = text.split(apiKey).join('[redacted]');
  // Anything that looks like a key (sk-…, long tokens) goes too.
  text = text.replace(/\b(sk|key|api)[-_][A-Za-z0-9_*-]{6,}/gi, '[redacted]');
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** The error classes both official SDKs export under the same names. */
export interface SdkErrorClasses {
  readonly APIUserAbortError: abstract new (...args: never[]) => Error;
  readonly APIConnectionTimeoutError: abstract new (...args: never[]) => Error;
  readonly APIConnectionError: abstract new (...args: never[]) => Error;
  readonly APIError: abstract new (...args: never[]) => Error & { status: number | undefined; headers: Headers | undefined };
}

/** Translate an SDK failure into a ModelCallError (order matters: the subclasses come first). */
export function fromSdkError(err: unknown, sdk: SdkErrorClasses, apiKey: string | undefined): ModelCallError {
  if (err instanceof ModelCallError) return err;
  if (err instanceof sdk.APIUserAbortError) return new ModelCallError('cancelled', 'The model request was cancelled.');
  if (err instanceof sdk.APIConnectionTimeoutError) return new ModelCallError('timeout', 'The model API did not answer in time.');
  if (err instanceof sdk.APIConnectionError) return new ModelCallError('connection', 'The model API could not be reached.');
  if (err instanceof sdk.APIError && typeof err.status === 'number') {
    const detail = scrubbed(err.message, apiKey);
    return new ModelCallError('http', `The model API answered HTTP ${err.status}${detail ? `: ${detail}` : ''}.`, { status: err.status, retryAfterMs: retryAfterFrom(err.headers) });
  }
  return new ModelCallError('invalid_response', 'The model API answered with something the SDK could not read.');
}
