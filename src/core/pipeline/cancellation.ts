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
  return signal instanceof AbortSignal ? new AbortSignalSource(signal) : signal;
}

/**
 * A class rather than a literal with getters: per-call getter closures keep the call's state
 * reachable from V8's old generation until a full GC (see handler-context.ts).
 */
class AbortSignalSource implements CancelSource {
  constructor(private readonly signal: AbortSignal) {}
  get aborted(): boolean {
    return this.signal.aborted;
  }
  get reason(): unknown {
    return this.signal.reason as unknown;
  }
  onAbort(listener: (reason: unknown) => void): () => void {
    const signal = this.signal;
    const handler = () => listener(signal.reason);
    signal.addEventListener('abort', handler, { once: true });
    return () => signal.removeEventListener('abort', handler);
  }
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
