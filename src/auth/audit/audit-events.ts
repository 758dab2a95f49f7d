/**
 * Building audit events that are not catalog calls: authentication outcomes and administrative
 * changes. Any code holding the runtime's AuditSink records through these, so every event has the
 * same shape. Secrets never go in: pass what was tried (a username, a client id, a key id), never
 * the credential; `details` is redacted again when stored, as a second line of defence.
 */
import { PorticoError } from '../../core/errors.js';
import type { Authenticator } from '../../core/identity/authenticator.js';
import type { Credentials, Principal } from '../../core/identity/principal.js';
import type { AdminAction, AuditEvent, AuditOutcome, AuditSink, AuthAction } from '../../core/pipeline/audit-sink.js';
import type { SurfaceName } from '../../core/pipeline/execution-context.js';
import type { IdentityChange } from '../identity-service.js';
import { parseApiKey } from '../api-key-format.js';

/** Who acted when no principal is known: a failed login, the local operator. */
export const ANONYMOUS = Object.freeze({ id: 'anonymous', name: 'anonymous' });
export const LOCAL_OPERATOR = Object.freeze({ id: 'local:cli', name: 'cli' });

export interface AuthAuditInput {
  action: AuthAction;
  /** `ok` for success; `denied` for a refused credential; `rate_limited` for a throttled attempt. */
  outcome: AuditOutcome;
  /** The account, client or key the attempt named (never the secret). */
  target: string;
  /** Who it turned out to be, on success. */
  principal?: Pick<Principal, 'id' | 'name'> | undefined;
  surface: SurfaceName;
  requestId?: string | undefined;
  /** Client address or program (`ip:…`, `name/version`). */
  client?: { name?: string | undefined; version?: string | undefined } | undefined;
  errorCode?: string | undefined;
  details?: Record<string, unknown> | undefined;
  durationMs?: number | undefined;
}

/** Record an authentication attempt (login, refresh, logout, token issuance or refusal). */
export function auditAuth(sink: AuditSink, input: AuthAuditInput): void {
  const who = input.principal ?? ANONYMOUS;
  const event: { -readonly [K in keyof AuditEvent]: AuditEvent[K] } = {
    at: new Date().toISOString(),
    principalId: who.id,
    principalName: who.name,
    surface: input.surface,
    action: input.action,
    target: input.target,
    outcome: input.outcome,
    durationMs: input.durationMs ?? 0,
    requestId: input.requestId ?? '-',
  };
  if (input.errorCode) event.errorCode = input.errorCode;
  if (input.client) event.client = input.client;
  if (input.details) event.details = input.details;
  sink.record(event);
}

export interface AdminAuditInput {
  action: AdminAction;
  /** What changed: a username, key id, role name, session id. */
  target: string;
  /** `create`, `update`, `delete`, `revoke`, `close`… */
  operation: string;
  /** Who made the change; undefined is the local operator (CLI). */
  actor?: { principal: Pick<Principal, 'id' | 'name'>; surface?: SurfaceName | undefined; requestId?: string | undefined } | undefined;
  outcome?: AuditOutcome | undefined;
  details?: Record<string, unknown> | undefined;
}

/** Record an administrative change. */
export function auditAdmin(sink: AuditSink, input: AdminAuditInput): void {
  const who = input.actor?.principal ?? LOCAL_OPERATOR;
  sink.record({
    at: new Date().toISOString(),
    principalId: who.id,
    principalName: who.name,
    surface: input.actor ? (input.actor.surface ?? 'internal') : 'cli',
    action: input.action,
    target: input.target,
    outcome: input.outcome ?? 'ok',
    durationMs: 0,
    requestId: input.actor?.requestId ?? '-',
    details: { operation: input.operation, ...input.details },
  });
}

/** The identity service's `onAudit` hook, writing to a sink. */
export function identityAuditHook(sink: AuditSink): (change: IdentityChange) => void {
  return (change) => auditAdmin(sink, { action: change.action, target: change.target, operation: change.operation, actor: change.actor, details: change.details });
}

/** What a refused credential was, without the secret: `key:<id>` for a Portico API key, else its kind. */
function credentialTarget(credentials: Credentials): string {
  if (credentials.apiKey !== undefined) {
    const parsed = parseApiKey(credentials.apiKey);
    return parsed ? `key:${parsed.id}` : 'api-key';
  }
  const parsed = credentials.bearer ? parseApiKey(credentials.bearer) : undefined;
  return parsed ? `key:${parsed.id}` : 'bearer-token';
}

/**
 * An authenticator that records every refused credential (`auth/token`, outcome `denied`). A
 * successful authentication is not an event of its own: the call it authenticates is.
 * Synchronous answers stay synchronous.
 */
export function auditingAuthenticator(inner: Authenticator, sink: AuditSink): Authenticator {
  const refused = (err: unknown, credentials: Credentials): void => {
    if (!(err instanceof PorticoError) || (err.code !== 'unauthenticated' && err.code !== 'forbidden')) return;
    auditAuth(sink, {
      action: 'auth/token',
      outcome: 'denied',
      target: credentialTarget(credentials),
      surface: 'internal',
      errorCode: err.code,
      details: { reason: err.message },
    });
  };
  return {
    authenticate(credentials) {
      try {
        const result = inner.authenticate(credentials);
        if (result instanceof Promise) {
          return result.catch((err: unknown) => {
            refused(err, credentials);
            throw err;
          });
        }
        return result;
      } catch (err) {
        refused(err, credentials);
        throw err;
      }
    },
  };
}
