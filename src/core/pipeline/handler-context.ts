/**
 * The ExecutionContext one handler run receives, and the switch the pipeline stops it with.
 *
 * It is a class on purpose. An object literal with getters (`{ get signal() { … } }`) built per call
 * gives every call its own getter closures, and V8 keeps those — and through them the call's whole
 * state, request and response included — reachable from the old generation until the next full GC.
 * Under load every asynchronous call's garbage was then promoted: 40% of the young generation
 * survived each scavenge instead of 4%, scavenges took 5–20 ms, and throughput fell by a quarter.
 * Getters on the prototype cost nothing per call.
 */
import type { ClientInfo, ExecutionContext, Listening, LogLevel, ProgressUpdate, SurfaceName } from './execution-context.js';
import type { CallOptions, CallScope } from './pipeline.js';
import type { Principal } from '../identity/principal.js';
import { CancelController, type CancelSource } from './cancellation.js';
import type { InputRound } from './input-requests.js';

const NO_INPUT: InputRound = Object.freeze({ responses: undefined, state: () => undefined });
const NO_CLIENT: ClientInfo = Object.freeze({ capabilities: Object.freeze({}) });
const NOT_LISTENING: Listening = Object.freeze({ progress: false, logLevel: undefined });
const noop = () => undefined;

/** Answers of a previous input round, with the state the surface verified. */
class InputAnswers implements InputRound {
  constructor(
    readonly responses: Readonly<Record<string, unknown>> | undefined,
    private readonly verifiedState: unknown,
  ) {}
  state<T = unknown>(): T | undefined {
    return this.verifiedState as T | undefined;
  }
}

export class HandlerContext implements ExecutionContext {
  readonly principal: Principal;
  readonly surface: SurfaceName;
  readonly requestId: string;
  readonly sessionId: string | undefined;
  readonly client: ClientInfo;
  readonly listens: Listening;
  readonly progress: (update: ProgressUpdate) => void;
  readonly log: (level: LogLevel, data: unknown, logger?: string) => void;
  readonly input: InputRound;
  /** Set by the pipeline while it races an asynchronous handler against `stop`. */
  rejectStop: ((err: unknown) => void) | undefined = undefined;
  // The handler's AbortSignal and CancelSource exist only once it asks for them.
  private controller: AbortController | undefined = undefined;
  private canceller: CancelController | undefined = undefined;
  private stopReason: unknown = undefined;

  constructor(caller: CallScope, channels: CallOptions) {
    this.principal = caller.principal;
    this.surface = caller.surface;
    this.requestId = caller.requestId;
    this.sessionId = caller.sessionId;
    this.client = caller.client ?? NO_CLIENT;
    const { onProgress, onLog, input } = channels;
    this.listens = onProgress === undefined && onLog === undefined ? NOT_LISTENING : { progress: onProgress !== undefined, logLevel: onLog ? (channels.logLevel ?? 'debug') : undefined };
    this.progress = onProgress ?? noop;
    this.log = onLog ?? noop;
    this.input = input ? new InputAnswers(input.responses, input.state) : NO_INPUT;
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.stopReason !== undefined) this.controller.abort(this.stopReason);
    }
    return this.controller.signal;
  }

  get cancellation(): CancelSource {
    if (!this.canceller) {
      this.canceller = new CancelController();
      if (this.stopReason !== undefined) this.canceller.abort(this.stopReason);
    }
    return this.canceller;
  }

  /** Stop the handler (timeout, cancellation); only the first call counts. */
  stop(reason: unknown, error: unknown): void {
    if (this.stopReason !== undefined) return;
    this.stopReason = reason ?? error;
    // The call's outcome is decided first: a handler that answers the moment it is told to stop
    // must not win the race against its own cancellation or deadline.
    this.rejectStop?.(error);
    this.controller?.abort(this.stopReason);
    this.canceller?.abort(this.stopReason);
  }
}
