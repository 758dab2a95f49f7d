/**
 * Audit sink contract: one event per use of a catalog entry, written after the outcome is known,
 * and one per authentication and per administrative change. Events never carry results; call
 * arguments travel only to a sink that asks for them (`withArguments`), raw, and that sink redacts
 * and truncates them before storing. `record` must not block the call, so implementations buffer
 * and write in batches.
 */
import type { SurfaceName } from './execution-context.js';

/** Uses of catalog entries (what the pipeline records, and what call metrics count). */
export type CallAction = 'tools/call' | 'resources/read' | 'prompts/get' | 'completion/complete';

/** Authentication outcomes (`target`: the account or client id) and administrative changes (`target`: what changed). */
export type AuthAction = 'auth/login' | 'auth/logout' | 'auth/refresh' | 'auth/token';
export type AdminAction = 'admin/users' | 'admin/keys' | 'admin/roles' | 'admin/sessions' | 'admin/oauth-clients' | 'admin/upstreams' | 'admin/prompts' | 'admin/ai-configurations';

export type AuditAction = CallAction | AuthAction | AdminAction;

export type AuditOutcome = 'ok' | 'error' | 'invalid' | 'denied' | 'not_found' | 'rate_limited' | 'input_required' | 'cancelled' | 'timeout';

export interface AuditEvent {
  /** ISO-8601 time; the pipeline gives `atMs` instead and the sink formats it off the hot path. */
  readonly at?: string;
  /** Epoch milliseconds (preferred on hot paths). */
  readonly atMs?: number;
  readonly principalId: string;
  readonly principalName: string;
  readonly surface: SurfaceName;
  readonly action: AuditAction;
  /** Tool or prompt name, or resource URI. */
  readonly target: string;
  readonly outcome: AuditOutcome;
  readonly durationMs: number;
  readonly requestId: string;
  readonly errorCode?: string;
  /** Legacy MCP session the call came through. */
  readonly sessionId?: string;
  /** The client program, when the surface knows it (MCP clientInfo). */
  readonly client?: { readonly name?: string | undefined; readonly version?: string | undefined };
  /**
   * Context: `arguments` of a call, what an administrative change touched, why a login failed.
   * May hold secrets as recorded: a storing sink redacts and truncates it (never the caller).
   */
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface AuditSink {
  /** O(1) and never throws: buffer, write later. */
  record(event: AuditEvent): void;
  /** Write anything buffered (shutdown). */
  flush?(): Promise<void>;
  /** True if the sink stores call arguments (redacted): the pipeline then passes them in `details.arguments`. */
  readonly withArguments?: boolean;
}

export const nullAuditSink: AuditSink = { record: () => undefined };

/** Per-call measurements for metrics; implemented by the HTTP layer's Prometheus registry. */
export interface CallMetrics {
  observe(action: AuditAction, outcome: AuditOutcome, seconds: number): void;
}

export const nullCallMetrics: CallMetrics = { observe: () => undefined };
