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

/**
 * A CancelSource its owner aborts: listeners are called once, in the order they came, when it is
 * (the pipeline's `ctx.cancellation`). A listener added after the abort is not called, as with
 * AbortSignal: check `aborted` first.
 */
export class CancelController implements CancelSource {
  aborted = false;
  reason: unknown;
  private listeners: ((reason: unknown) => void)[] | undefined;

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const waiting = this.listeners;
    this.listeners = undefined;
    if (waiting) for (const listener of waiting) listener(reason);
  }

  onAbort(listener: (reason: unknown) => void): () => void {
    if (this.aborted) return () => undefined;
    (this.listeners ??= []).push(listener);
    return () => {
      const at = this.listeners?.indexOf(listener) ?? -1;
      if (at >= 0) this.listeners!.splice(at, 1);
    };
  }
}
