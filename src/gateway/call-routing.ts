/**
 * Which downstream call an upstream's unsolicited traffic belongs to. On a legacy upstream,
 * logging messages and server-to-client requests (sampling, elicitation, roots) arrive on the
 * session, not tagged with the request that caused them. They are routed to the one call in flight
 * on that session; when several calls share a session (`shared` isolation, concurrent callers) the
 * origin is ambiguous, so logs are dropped and input requests refused rather than risk showing one
 * principal's traffic to another. `per-principal` / `per-session` isolation avoids the ambiguity.
 */
import type { JsonObject } from '../core/catalog/mcp-shapes.js';
import { PorticoError } from '../core/errors.js';

export type ServerRequestMethod = 'sampling/createMessage' | 'elicitation/create' | 'roots/list';

/** The part of a downstream call that can receive upstream traffic. */
export interface CallSink {
  log(params: JsonObject): void;
  /** Relay a server-to-client request to the caller; rejects when the caller cannot answer. */
  ask(method: ServerRequestMethod, params: JsonObject, signal: AbortSignal): Promise<JsonObject>;
}

export class InFlightCalls {
  private readonly calls = new Set<CallSink>();

  /** Track a call for as long as `run` lasts. */
  async around<T>(sink: CallSink, run: () => Promise<T>): Promise<T> {
    this.calls.add(sink);
    try {
      return await run();
    } finally {
      this.calls.delete(sink);
    }
  }

  private only(): CallSink | undefined {
    if (this.calls.size !== 1) return undefined;
    return this.calls.values().next().value;
  }

  log(params: JsonObject): void {
    this.only()?.log(params);
  }

  ask(method: ServerRequestMethod, params: JsonObject, signal: AbortSignal): Promise<JsonObject> {
    const sink = this.only();
    // Roots asked outside any call (servers ask right after connecting): Portico itself has none.
    if (!sink && method === 'roots/list' && this.calls.size === 0) return Promise.resolve({ roots: [] });
    if (!sink) {
      return Promise.reject(
        new PorticoError('bad_request', this.calls.size === 0 ? `${method} outside of any call cannot be relayed` : `${method} cannot be attributed to one of several concurrent calls on a shared upstream session`),
      );
    }
    return sink.ask(method, params, signal);
  }
}
