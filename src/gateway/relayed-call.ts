/**
 * A relayed call that may pause for input from the downstream caller, across Portico's input
 * rounds (`needsInput` → the caller answers → the handler runs again):
 * - a modern upstream answers `input_required` itself: its requests go downstream as they are and
 *   its `requestState` rides in Portico's (sealed) state to the next round;
 * - a legacy upstream sends a server-to-client request in the middle of the call: the upstream call
 *   stays open, parked here under a random token for the next round, which answers the request
 *   and keeps waiting for the result.
 * A parked call that is not resumed in time is cancelled upstream.
 */
import { randomUUID } from 'node:crypto';
import type { JsonObject } from '../core/catalog/mcp-shapes.js';
import { PorticoError } from '../core/errors.js';
import { isLogLevel, type ExecutionContext } from '../core/pipeline/execution-context.js';
import { needsInput, type InputRequest, type NeedsInput } from '../core/pipeline/input-requests.js';
import type { CallSink, ServerRequestMethod } from './call-routing.js';

/** What one upstream request produced: a result, or the modern era's `input_required`. */
export type UpstreamOutcome<T> = { kind: 'result'; value: T } | { kind: 'input_required'; inputRequests: Record<string, unknown>; requestState?: string };

/** How to (re)issue the upstream request. `resume` carries the answers of a modern input round. */
export type UpstreamStart<T> = (sink: CallSink, signal: AbortSignal, ctx: () => ExecutionContext | undefined, resume?: Resume) => Promise<UpstreamOutcome<T>>;

/** The answers of a modern upstream's input round, sent back with the retried request. */
export interface Resume {
  responses: Record<string, unknown> | undefined;
  requestState: string | undefined;
}

interface RelayState {
  /** A parked legacy call. */
  pending?: string;
  /** A modern upstream's input round: its requestState, if it sent one. */
  modern?: { rs?: string };
}

const INPUT_KEY = 'upstream';
const CAPABILITY_OF: Record<ServerRequestMethod, string> = { 'roots/list': 'roots', 'sampling/createMessage': 'sampling', 'elicitation/create': 'elicitation' };

/** An upstream `notifications/message` passed on to the caller. */
export function logTo(ctx: ExecutionContext, params: JsonObject): void {
  ctx.log(isLogLevel(params.level) ? params.level : 'info', params.data, typeof params.logger === 'string' ? params.logger : undefined);
}

class LiveCall<T> implements CallSink {
  private readonly controller = new AbortController();
  private ctx: ExecutionContext | undefined;
  private offAbort: (() => void) | undefined;
  private question: { request: InputRequest; resolve: (answer: JsonObject) => void; reject: (err: unknown) => void } | undefined;
  private wake: (() => void) | undefined;
  private readonly outcome: Promise<UpstreamOutcome<T>>;
  private settled: { ok: true; value: UpstreamOutcome<T> } | { ok: false; error: unknown } | undefined;

  constructor(start: UpstreamStart<T>, resume?: Resume) {
    this.outcome = start(this, this.controller.signal, () => this.ctx, resume);
    this.outcome.then(
      (value) => {
        this.settled = { ok: true, value };
        this.wake?.();
      },
      (error: unknown) => {
        this.settled = { ok: false, error };
        this.wake?.();
      },
    );
  }

  attach(ctx: ExecutionContext): void {
    this.ctx = ctx;
    const signal = ctx.signal;
    const abort = () => this.cancel(signal.reason);
    if (signal.aborted) abort();
    signal.addEventListener('abort', abort, { once: true });
    this.offAbort = () => signal.removeEventListener('abort', abort);
  }

  detach(): void {
    this.offAbort?.();
    this.offAbort = undefined;
    this.ctx = undefined;
  }

  cancel(reason?: unknown): void {
    this.controller.abort(reason ?? new PorticoError('cancelled'));
    this.question?.reject(new PorticoError('cancelled'));
    this.question = undefined;
  }

  log(params: JsonObject): void {
    if (this.ctx) logTo(this.ctx, params);
  }

  ask(method: ServerRequestMethod, params: JsonObject, signal: AbortSignal): Promise<JsonObject> {
    // A caller that lacks the capability would never be asked by a server it talks to directly:
    // answer for it (no roots) or refuse the upstream's request, and let the upstream carry on.
    const capabilities = this.ctx?.client.capabilities;
    if (capabilities && !(CAPABILITY_OF[method] in capabilities)) {
      if (method === 'roots/list') return Promise.resolve({ roots: [] });
      return Promise.reject(new PorticoError('missing_client_capability', `the caller does not support ${method}`));
    }
    if (this.question) return Promise.reject(new PorticoError('conflict', 'only one input request at a time can be relayed per call'));
    return new Promise<JsonObject>((resolve, reject) => {
      this.question = { request: { method, params } as InputRequest, resolve, reject };
      signal.addEventListener('abort', () => reject(new PorticoError('cancelled')), { once: true });
      this.wake?.();
    });
  }

  answer(response: unknown): void {
    const q = this.question;
    this.question = undefined;
    if (!q) return;
    if (response && typeof response === 'object') q.resolve(response as JsonObject);
    else q.reject(new PorticoError('bad_request', 'the caller did not answer the upstream input request'));
  }

  /** The result, or the next question to relay downstream. */
  async next(): Promise<{ done: true; outcome: UpstreamOutcome<T> } | { done: false; request: InputRequest }> {
    for (;;) {
      if (this.settled) {
        if (this.settled.ok) return { done: true, outcome: this.settled.value };
        throw this.settled.error;
      }
      if (this.question) return { done: false, request: this.question.request };
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}

/** A finished upstream request: its result, or a modern upstream's own input round relayed as it is (its state comes back to us). */
function settled<T>(outcome: UpstreamOutcome<T>): T | NeedsInput {
  if (outcome.kind === 'result') return outcome.value;
  return needsInput(outcome.inputRequests as Record<string, InputRequest>, { modern: outcome.requestState !== undefined ? { rs: outcome.requestState } : {} } satisfies RelayState);
}

interface Parked {
  call: LiveCall<unknown>;
  principalId: string;
  target: string;
  timer: NodeJS.Timeout;
}

export class RelayedCalls {
  private readonly parked = new Map<string, Parked>();

  constructor(private readonly parkMs: number) {}

  /**
   * Run (or resume) a relayed call for one input round. `target` names what is called (so a token
   * cannot resume another entry's call), `start` issues the upstream request.
   */
  async round<T>(ctx: ExecutionContext, target: string, start: UpstreamStart<T>): Promise<T | NeedsInput> {
    const state = ctx.input.state<RelayState>();
    let call: LiveCall<T>;
    if (state?.pending) {
      const parked = this.parked.get(state.pending);
      if (!parked || parked.principalId !== ctx.principal.id || parked.target !== target) throw new PorticoError('bad_request', 'the upstream input round expired or does not belong to this call');
      this.parked.delete(state.pending);
      clearTimeout(parked.timer);
      call = parked.call as LiveCall<T>;
      call.attach(ctx);
      call.answer(ctx.input.responses?.[INPUT_KEY]);
    } else {
      call = new LiveCall(start, state?.modern ? { responses: ctx.input.responses as Record<string, unknown> | undefined, requestState: state.modern.rs } : undefined);
      call.attach(ctx);
    }
    try {
      const step = await call.next();
      if (step.done) return settled(step.outcome);
      const token = randomUUID();
      const timer = setTimeout(() => {
        this.parked.delete(token);
        call.cancel(new PorticoError('timeout', 'the caller did not answer the upstream input request in time'));
      }, this.parkMs);
      timer.unref();
      this.parked.set(token, { call: call as LiveCall<unknown>, principalId: ctx.principal.id, target, timer });
      return needsInput({ [INPUT_KEY]: step.request }, { pending: token } satisfies RelayState);
    } finally {
      call.detach();
    }
  }

  /**
   * Like `round`, for a request that never pauses mid-call — a modern upstream asks for input in
   * its result — so nothing is parked and the request runs under the caller's own signal.
   */
  async direct<T>(ctx: ExecutionContext, issue: (resume: Resume | undefined) => Promise<UpstreamOutcome<T>>): Promise<T | NeedsInput> {
    const state = ctx.input.state<RelayState>();
    // A round parked on the general path (the upstream was legacy then) cannot continue here.
    if (state?.pending) throw new PorticoError('bad_request', 'the upstream input round expired or does not belong to this call');
    return settled(await issue(state?.modern ? { responses: ctx.input.responses as Record<string, unknown> | undefined, requestState: state.modern.rs } : undefined));
  }

  /** Cancel every parked call (upstream going away). */
  close(): void {
    for (const parked of this.parked.values()) {
      clearTimeout(parked.timer);
      parked.call.cancel();
    }
    this.parked.clear();
  }
}
