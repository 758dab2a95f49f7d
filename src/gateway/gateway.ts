/**
 * The gateway contract: live connections to upstream MCP servers and their federation into the
 * catalog. The REST API (`/api/v1/upstreams`), the CLI and the composition root code against this
 * interface only; the implementation lives beside it (`create-gateway.ts`).
 *
 * Errors (PorticoError codes from core/errors.ts): `not_found` unknown upstream id; `conflict` a
 * federated name or an id already taken; `validation_failed` a bad definition; `upstream_timeout`
 * a relayed request exceeded its deadline; `upstream_failed` the upstream could not be reached or
 * answered with a protocol error (message safe to show, never a credential); `cancelled` the
 * caller's signal fired.
 */
import type { CallToolResult, GetPromptResult, JsonObject, PromptDescriptor, ReadResourceResult, ResourceDescriptor, ResourceTemplateDescriptor, ToolDescriptor } from '../core/catalog/mcp-shapes.js';
import type { Principal } from '../core/identity/principal.js';
import type { UpstreamDefinition } from './upstream-definition.js';

export type UpstreamHealth = 'connected' | 'connecting' | 'degraded' | 'disconnected';

/** The negotiated protocol towards an upstream, once known. */
export type UpstreamEra = 'modern' | 'legacy';

export interface UpstreamStatus {
  readonly id: string;
  readonly name: string;
  /** The prefix its tools and prompts carry in the catalog (`''`: passed through). */
  readonly namespace: string;
  readonly transport: UpstreamDefinition['transport']['type'];
  readonly authType: UpstreamDefinition['auth']['type'];
  readonly isolation: UpstreamDefinition['isolation'];
  readonly health: UpstreamHealth;
  /** Why it is degraded or disconnected (safe to show: no credentials). */
  readonly reason?: string;
  readonly era?: UpstreamEra;
  /** Upstream server name/version from its discovery or initialize result. */
  readonly serverInfo?: { name: string; version: string };
  /** What the upstream offers (before allow/deny filtering for tools: after). */
  readonly counts: { tools: number; resources: number; resourceTemplates: number; prompts: number };
  readonly connectedAt?: Date;
  readonly lastActivityAt?: Date;
  /** Consecutive failed connection attempts (the circuit opens after a few). */
  readonly failures: number;
  /** stdio only: pid of the supervised child of the shared session, when running. */
  readonly pid?: number;
}

/** Options of one relayed request. */
export interface RelayOptions {
  /** Deadline for this request; default the upstream's `timeoutMs`. */
  timeoutMs?: number;
  /** Cancellation by the caller (relayed upstream as `notifications/cancelled`). */
  signal?: AbortSignal;
  /** Receives upstream progress for this request. */
  onProgress?: (update: { progress: number; total?: number; message?: string }) => void;
  /** Per-session isolation: the downstream session this request belongs to. */
  sessionId?: string;
}

/**
 * Direct, per-upstream access (the REST relay of seed 003). Names are the upstream's own names,
 * not the federated ones. The principal selects the upstream session under `per-principal` and
 * `per-session` isolation; permission checks are the caller's job (the REST routes check
 * `upstreams:*` permissions; federated MCP calls go through the pipeline).
 */
export interface UpstreamRelay {
  listTools(principal: Principal, id: string, options?: RelayOptions): Promise<ToolDescriptor[]>;
  callTool(principal: Principal, id: string, name: string, args: JsonObject | undefined, options?: RelayOptions): Promise<CallToolResult>;
  listResources(principal: Principal, id: string, options?: RelayOptions): Promise<ResourceDescriptor[]>;
  listResourceTemplates(principal: Principal, id: string, options?: RelayOptions): Promise<ResourceTemplateDescriptor[]>;
  readResource(principal: Principal, id: string, uri: string, options?: RelayOptions): Promise<ReadResourceResult>;
  listPrompts(principal: Principal, id: string, options?: RelayOptions): Promise<PromptDescriptor[]>;
  getPrompt(principal: Principal, id: string, name: string, args: Record<string, string> | undefined, options?: RelayOptions): Promise<GetPromptResult>;
}

export interface Gateway extends UpstreamRelay {
  /**
   * Whether an upstream URL given over REST may be used (`ssrf_refused` when it points at a refused
   * address); the same rules then apply to every connection of an upstream with `networkGuard`.
   */
  checkUrl(url: string): Promise<void>;
  /**
   * Connect an upstream and federate it into the catalog. Resolves once the first connection
   * succeeded (health `connected`) with its counts; rejects (and keeps nothing) when the definition
   * is invalid, the id is taken, a federated name collides (`conflict`), or the first connection
   * fails (`upstream_failed` / `upstream_timeout`). A disabled definition is registered but not
   * connected (health `disconnected`, reason `disabled`).
   */
  connect(definition: UpstreamDefinition): Promise<UpstreamStatus>;
  /** Replace a definition (disconnect, then connect the new one). */
  reconnect(definition: UpstreamDefinition): Promise<UpstreamStatus>;
  /** Disconnect, stop its children, remove its entries from the catalog. False when unknown. */
  disconnect(id: string): Promise<boolean>;
  /** Every registered upstream with its live health. */
  list(): UpstreamStatus[];
  /** One upstream's live status, or undefined when unknown. */
  status(id: string): UpstreamStatus | undefined;
  /** Subscribe to health changes (admin UI, logs); returns an unsubscribe function. */
  onStatus(listener: (status: UpstreamStatus) => void): () => void;
  /** Disconnect everything gracefully and stop every child process. Idempotent. */
  close(): Promise<void>;
}
