/** What a handler receives besides its arguments: who is calling, and how to talk back. */
import type { CancelSource } from './cancellation.js';
import type { Principal } from '../identity/principal.js';
import type { JsonObject } from '../catalog/mcp-shapes.js';
import type { InputRound } from './input-requests.js';

export type SurfaceName = 'mcp' | 'mcp-legacy' | 'mcp-sse' | 'stdio' | 'rest' | 'cli' | 'ui' | 'internal';

/** MCP log levels, lowest first. */
const LOG_LEVELS: ReadonlySet<string> = new Set(['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency']);
export type LogLevel = 'debug' | 'info' | 'notice' | 'warning' | 'error' | 'critical' | 'alert' | 'emergency';

/** A log level as a peer may send one (an upstream's message, a request's `_meta`). */
export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && LOG_LEVELS.has(value);
}

export interface ProgressUpdate {
  progress: number;
  total?: number;
  message?: string;
}

/** Who is on the other end of the surface, when the surface knows. */
export interface ClientInfo {
  readonly name?: string;
  readonly version?: string;
  /** MCP client capabilities (sampling, elicitation, roots, …); `{}` when the surface cannot ask. */
  readonly capabilities: JsonObject;
}

export interface Listening {
  readonly progress: boolean;
  readonly logLevel: LogLevel | undefined;
}

export interface ExecutionContext {
  readonly principal: Principal;
  readonly surface: SurfaceName;
  readonly requestId: string;
  /** The caller's MCP session (legacy era), when it has one (gateway per-session isolation). */
  readonly sessionId?: string | undefined;
  readonly client: ClientInfo;
  /** Aborted on client cancellation, on timeout, or on shutdown. Pass it to any I/O. */
  readonly signal: AbortSignal;
  /**
   * The same cancellation as `signal` without creating an AbortSignal, which costs microseconds
   * and GC work per call: for hot paths that only need to know when to stop (the gateway's relay).
   */
  readonly cancellation: CancelSource;
  /**
   * What the caller listens for: progress (it sent a progress token) and log messages from which
   * level up (undefined: none). A relay asks its upstream for exactly this much, no more.
   */
  readonly listens: Listening;
  /** Report progress; a no-op when the caller did not ask for progress. */
  progress(update: ProgressUpdate): void;
  /** Send a log message to the caller (MCP logging); a no-op where the caller does not listen. */
  log(level: LogLevel, data: unknown, logger?: string): void;
  /** Answers to earlier `needsInput` rounds. */
  readonly input: InputRound;
}
