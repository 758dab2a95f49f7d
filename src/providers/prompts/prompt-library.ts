/**
 * The prompt library contract: named, versioned prompt templates (LiquidJS), rendered with
 * arguments, with usage records. The prompts provider implements it and publishes it as
 * `services.prompts`; REST routes, the CLI and other providers (e.g. AI generation) use it through
 * this interface only.
 *
 * Errors (PorticoError codes): `not_found` (template or version), `conflict` (name taken),
 * `validation_failed` (bad template syntax, bad name, or missing required arguments — then
 * `details.missing` lists EVERY missing name), `render_limit_exceeded` (output size or render time).
 */
import type { SurfaceName } from '../../core/pipeline/execution-context.js';

/** One declared argument of a template. */
export interface PromptArgumentSpec {
  readonly name: string;
  readonly description?: string | undefined;
  /** A required argument without a default must be given; with a default, the default applies. */
  readonly required: boolean;
  readonly default?: string | undefined;
}

/** The editable content of a template; each change is stored as a new version. */
export interface PromptTemplateInput {
  /** Unique; also the MCP prompt name: 1–64 of letters, digits, `_`, `-`, `.`. */
  readonly name: string;
  readonly title?: string | null | undefined;
  readonly description?: string | null | undefined;
  readonly category?: string | null | undefined;
  readonly tags?: readonly string[] | undefined;
  readonly arguments?: readonly PromptArgumentSpec[] | undefined;
  /** LiquidJS source, e.g. `Implement {{ requirements }} for {{ business_domain }}.` */
  readonly body: string;
}

/** A partial update: omitted fields keep their current value; `null` clears title, description or category. */
export type PromptTemplatePatch = Partial<Omit<PromptTemplateInput, 'name'>>;

/** A template as stored: its current version's content plus bookkeeping. */
/** What a template says, shared by the current template and each version of its history. */
export interface PromptContent {
  readonly title: string | null;
  readonly description: string | null;
  readonly category: string | null;
  readonly tags: readonly string[];
  readonly arguments: readonly PromptArgumentSpec[];
  readonly body: string;
}

export interface PromptTemplate extends PromptContent {
  readonly name: string;
  /** The current version number (1 for a new template, +1 per update or restore). */
  readonly version: number;
  /** Principal id that created the template (`system` for the built-in library). */
  readonly createdBy: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** One entry of a template's history: the full content as it was at that version. */
export interface PromptTemplateVersion extends PromptContent {
  readonly name: string;
  readonly version: number;
  /** Principal id that wrote this version. */
  readonly createdBy: string;
  readonly createdAt: string;
  /** Set when this version was made by restoring an older one. */
  readonly restoredFrom: number | null;
}

export interface PromptListQuery {
  readonly category?: string | undefined;
  readonly tag?: string | undefined;
  /** Case-insensitive substring of name, title or description. */
  readonly search?: string | undefined;
  readonly limit?: number | undefined;
  readonly offset?: number | undefined;
}

/** Who renders, for usage records. */
export interface RenderOptions {
  /** Render an older version; default the current one. */
  readonly version?: number | undefined;
  readonly principalId: string;
  readonly surface: SurfaceName;
  /** Record a usage row (default true). Generation may render first and record once at the end. */
  readonly recordUsage?: boolean | undefined;
}

export interface RenderedPrompt {
  readonly text: string;
  readonly templateName: string;
  readonly version: number;
  /** The arguments actually used: given values plus applied defaults. */
  readonly arguments: Readonly<Record<string, string>>;
  readonly title: string | null;
  readonly description: string | null;
  readonly durationMs: number;
}

export interface UsageRecordInput {
  readonly templateName: string;
  readonly version: number;
  readonly principalId: string;
  readonly surface: SurfaceName;
  readonly durationMs: number;
  /** Argument values used (short values are kept to suggest completions). */
  readonly arguments?: Readonly<Record<string, string>> | undefined;
  /** Defaults to now. */
  readonly at?: Date | undefined;
}

export interface CategoryCount {
  readonly category: string;
  readonly count: number;
}

export interface UsageStatsQuery {
  /** ISO time; default: 30 days ago. */
  readonly since?: string | undefined;
  readonly templateName?: string | undefined;
}

export interface UsageStats {
  readonly since: string;
  readonly total: number;
  readonly byTemplate: readonly { templateName: string; count: number; averageDurationMs: number; lastUsedAt: string }[];
  /** Days as `YYYY-MM-DD` (UTC). */
  readonly byDay: readonly { day: string; count: number }[];
  readonly byPrincipal: readonly { principalId: string; count: number }[];
}

/** The whole library as import/export moves it (JSON or YAML). */
export interface PromptLibraryDocument {
  readonly format: 'portico.prompts';
  readonly version: 1;
  readonly exportedAt?: string | undefined;
  readonly templates: readonly PromptTemplateInput[];
}

export interface ImportReport {
  readonly created: readonly string[];
  readonly updated: readonly string[];
  readonly unchanged: readonly string[];
}

/** A change of the library: the template as it now is, or its name when deleted. */
export type PromptLibraryChange = { kind: 'created' | 'updated'; name: string; template: PromptTemplate } | { kind: 'deleted'; name: string };

export interface PromptLibrary {
  /** The current version of a template, or undefined. */
  get(name: string): Promise<PromptTemplate | undefined>;
  list(query?: PromptListQuery): Promise<readonly PromptTemplate[]>;
  /** Create version 1; `conflict` if the name is taken; the template body is compiled first. */
  create(input: PromptTemplateInput, createdBy: string): Promise<PromptTemplate>;
  /** Store a new version with the patch applied. */
  update(name: string, patch: PromptTemplatePatch, updatedBy: string): Promise<PromptTemplate>;
  /** Remove the template, its history and its usage records; false if absent. */
  delete(name: string): Promise<boolean>;
  /** Every version, newest first. */
  versions(name: string): Promise<readonly PromptTemplateVersion[]>;
  /** Make an old version current again, as a new version (history is never rewritten). */
  restore(name: string, version: number, restoredBy: string): Promise<PromptTemplate>;
  /** Render with arguments (defaults applied, every missing required name reported at once). */
  render(name: string, args: Readonly<Record<string, unknown>>, options: RenderOptions): Promise<RenderedPrompt>;
  recordUsage(usage: UsageRecordInput): Promise<void>;
  /** Categories in use with their template counts. */
  categories(): Promise<readonly CategoryCount[]>;
  usageStats(query?: UsageStatsQuery): Promise<UsageStats>;
  /**
   * Values recently given for an argument by one principal, most recent first, starting with
   * `prefix` (case-insensitive) — for completion. Only that principal's own values: one user's
   * arguments are never suggested to another.
   */
  recentArgumentValues(name: string, argument: string, options: { prefix: string; principalId: string; limit: number }): Promise<readonly string[]>;
  exportLibrary(): Promise<PromptLibraryDocument>;
  /**
   * Create missing templates, update changed ones (a new version each), leave identical ones. The
   * whole document is validated (schema and template syntax) before anything is written.
   */
  importLibrary(document: unknown, importedBy: string): Promise<ImportReport>;
  /**
   * Called after every create/update/restore/delete, before the call returns, with that one change;
   * an import reports all its changes in one call when it ends. The provider refreshes the catalog here.
   */
  onChange(listener: (changes: readonly PromptLibraryChange[]) => void): () => void;
}
