/**
 * Catalog entries: every capability Portico exposes is one of these. Providers build them; the
 * catalog indexes them; the pipeline runs them; surfaces only ever see descriptors and results.
 */
import type { ExecutionContext } from '../pipeline/execution-context.js';
import type { NeedsInput } from '../pipeline/input-requests.js';
import type {
  Annotations,
  CallToolResult,
  CompletionResult,
  GetPromptResult,
  Icon,
  JsonObject,
  PromptArgument,
  ReadResourceResult,
  ToolAnnotations,
} from './mcp-shapes.js';

interface EntryBase {
  title?: string;
  description?: string;
  icons?: Icon[];
  /**
   * Permission needed to see and use the entry. Defaults: `tools:call:{name}`,
   * `resources:read:{uri}` (templates: `resources:read:{uriTemplate}` matched per concrete URI
   * as `resources:read:{uri}`), `prompts:get:{name}`.
   */
  permission?: string;
  /**
   * A second permission needed, together with `permission`, to see and use the entry: the
   * gateway's per-upstream permission, on top of each federated entry's own.
   */
  requires?: string;
  /** Extra `_meta` published with the descriptor. */
  meta?: JsonObject;
  /** Which provider contributed the entry (for diagnostics and bulk removal). */
  source?: string;
}

export type ToolHandler = (args: JsonObject, ctx: ExecutionContext) => Promise<CallToolResult | NeedsInput> | CallToolResult | NeedsInput;

export interface ToolEntry extends EntryBase {
  kind: 'tool';
  name: string;
  description: string;
  /** JSON Schema 2020-12 for the arguments; root type must be object. */
  inputSchema: JsonObject;
  outputSchema?: JsonObject;
  annotations?: ToolAnnotations;
  /** Per-call timeout; default from configuration. */
  timeoutMs?: number;
  handler: ToolHandler;
}

export type ResourceReader = (uri: string, ctx: ExecutionContext) => Promise<ReadResourceResult | NeedsInput> | ReadResourceResult | NeedsInput;

export interface ResourceEntry extends EntryBase {
  kind: 'resource';
  uri: string;
  name: string;
  mimeType?: string;
  size?: number;
  annotations?: Annotations;
  read: ResourceReader;
}

export type TemplateReader = (
  uri: string,
  variables: Record<string, string | string[]>,
  ctx: ExecutionContext,
) => Promise<ReadResourceResult | NeedsInput> | ReadResourceResult | NeedsInput;

export type Completer = (value: string, context: { arguments: Record<string, string> }, ctx: ExecutionContext) => Promise<CompletionResult> | CompletionResult;

export interface ResourceTemplateEntry extends EntryBase {
  kind: 'resourceTemplate';
  /** RFC 6570 URI template, e.g. `portico://blobs/{sha256}`. */
  uriTemplate: string;
  name: string;
  mimeType?: string;
  annotations?: Annotations;
  read: TemplateReader;
  /** Completion of template variables by name. */
  complete?: Record<string, Completer>;
}

export type PromptGetter = (args: Record<string, string>, ctx: ExecutionContext) => Promise<GetPromptResult | NeedsInput> | GetPromptResult | NeedsInput;

export interface PromptEntry extends EntryBase {
  kind: 'prompt';
  name: string;
  description: string;
  arguments?: PromptArgument[];
  get: PromptGetter;
  /** Completion of arguments by name. */
  complete?: Record<string, Completer>;
}

export type CatalogEntry = ToolEntry | ResourceEntry | ResourceTemplateEntry | PromptEntry;
export type EntryKind = CatalogEntry['kind'];
