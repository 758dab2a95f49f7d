/**
 * A cancellation source cheaper than AbortController (which costs microseconds to create on the hot
 * path). Surfaces that may cancel a call pass one; handlers still get a real AbortSignal, created
 * only if they ask for `ctx.signal`.
 */
export interface CancelSource {
  readonly aborted: boolean;
  readonly reason: unknown;
  /** Register a listener; returns a function that removes it. */
  onAbort(listener: (reason: unknown) => void): () => void;
}

/** View an AbortSignal as a CancelSource. */
export function cancelSourceOf(signal: AbortSignal | CancelSource): CancelSource {
  if (!(signal instanceof AbortSignal)) return signal;
  return {
    get aborted() {
      return signal.aborted;
    },
    get reason() {
      return signal.reason as unknown;
    },
    onAbort(listener) {
      const handler = () => listener(signal.reason);
      signal.addEventListener('abort', handler, { once: true });
      return () => signal.removeEventListener('abort', handler);
    },
  };
}
