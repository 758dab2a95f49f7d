/**
 * The prompt library: the rules over the prompt repository. Names and argument declarations are
 * checked, bodies are compiled before they are stored, every change is a new version (history is
 * never rewritten, so any version can be rendered or restored), and every render can leave a usage
 * record. Surfaces and other providers reach it through the `PromptLibrary` contract.
 */
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { PorticoError } from '../../core/errors.js';
import type { PromptRepository, PromptTemplateRow, PromptVersionRow } from '../../store/repositories/prompt.repository.js';
import type {
  ImportReport,
  PromptArgumentSpec,
  PromptContent,
  PromptLibrary,
  PromptLibraryChange,
  PromptLibraryDocument,
  PromptTemplate,
  PromptTemplateInput,
  PromptTemplateVersion,
  UsageRecordInput,
} from './prompt-library.js';
import { libraryDocumentSchema } from './library-document.js';
import type { TemplateRenderer } from './template-renderer.js';
import { describeIssues, templateInputSchema, templatePatchSchema, type TemplateInput } from './template-schema.js';

export interface PromptLibraryOptions {
  repository: PromptRepository;
  renderer: TemplateRenderer;
  /** A usage record that could not be written: the render still succeeds, the failure is reported here. */
  onUsageError?: (err: unknown) => void;
}

/** Argument values longer than this are not kept for completion (they are text, not choices). */
const MAX_REMEMBERED_VALUE = 200;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Writers racing on one template retry this often before reporting a conflict. */
const MAX_WRITE_ATTEMPTS = 3;

type ChangeListener = (changes: readonly PromptLibraryChange[]) => void;
/** Where a write reports its change: at once, or into an import's batch. */
type Emit = (change: PromptLibraryChange) => void;

function parseJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/** The content columns both tables share (tags and arguments are stored as JSON). */
function contentOf(row: PromptTemplateRow | PromptVersionRow): PromptContent {
  return {
    title: row.title,
    description: row.description,
    category: row.category,
    tags: parseJson<string[]>(row.tags, []),
    arguments: parseJson<PromptArgumentSpec[]>(row.arguments, []),
    body: row.body,
  };
}

function toTemplate(row: PromptTemplateRow): PromptTemplate {
  return { name: row.name, ...contentOf(row), version: row.version, createdBy: row.created_by, createdAt: row.created_at, updatedAt: row.updated_at };
}

function toVersion(row: PromptVersionRow): PromptTemplateVersion {
  return { name: row.name, version: row.version, ...contentOf(row), createdBy: row.created_by, createdAt: row.created_at, restoredFrom: row.restored_from };
}

/** Only the keys that are set, in a stable order (stored JSON and exports compare equal). */
function normaliseArguments(args: readonly PromptArgumentSpec[] | undefined): PromptArgumentSpec[] {
  return (args ?? []).map((a) => ({
    name: a.name,
    ...(a.description !== undefined ? { description: a.description } : {}),
    required: a.required,
    ...(a.default !== undefined ? { default: a.default } : {}),
  }));
}

function invalid(what: string, error: z.ZodError): PorticoError {
  const issues = describeIssues(error);
  return new PorticoError('validation_failed', `${what}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { details: { issues } });
}

/** The content fields of a version, as a comparable key. */
function contentKey(t: { title: string | null; description: string | null; category: string | null; tags: readonly string[]; arguments: readonly PromptArgumentSpec[]; body: string }): string {
  return JSON.stringify([t.title, t.description, t.category, t.tags, normaliseArguments(t.arguments), t.body]);
}

export function createPromptLibrary(options: PromptLibraryOptions): PromptLibrary {
  const { repository, renderer } = options;
  const listeners = new Set<ChangeListener>();
  const notify = (changes: readonly PromptLibraryChange[]) => {
    for (const l of listeners) l(changes);
  };
  const emit: Emit = (change) => notify([change]);

  function validInput(input: unknown, what = 'Invalid prompt template'): TemplateInput {
    const parsed = templateInputSchema.safeParse(input);
    if (!parsed.success) throw invalid(what, parsed.error);
    renderer.check(parsed.data.body);
    return parsed.data;
  }

  function versionRow(
    name: string,
    version: number,
    content: { title?: string | null | undefined; description?: string | null | undefined; category?: string | null | undefined; tags?: readonly string[] | undefined; arguments?: readonly PromptArgumentSpec[] | undefined; body: string },
    by: string,
    restoredFrom: number | null = null,
  ): PromptVersionRow {
    return {
      name,
      version,
      title: content.title ?? null,
      description: content.description ?? null,
      category: content.category ?? null,
      tags: JSON.stringify([...(content.tags ?? [])]),
      arguments: JSON.stringify(normaliseArguments(content.arguments)),
      body: content.body,
      created_by: by,
      created_at: new Date().toISOString(),
      restored_from: restoredFrom,
    };
  }

  async function existing(name: string): Promise<PromptTemplateRow> {
    const row = await repository.template(name);
    if (!row) throw new PorticoError('not_found', `No prompt template named "${name}".`, { details: { name } });
    return row;
  }

  /** Write the next version built from the current row; retried when another writer got in first. */
  async function appendNext(name: string, build: (current: PromptTemplate) => PromptVersionRow, report: Emit = emit): Promise<PromptTemplate> {
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      const current = toTemplate(await existing(name));
      const next = build(current);
      let written: boolean;
      try {
        written = await repository.appendVersion(next, current.version);
      } catch (err) {
        // The (name, version) key: a concurrent writer stored this version number first.
        if (attempt < MAX_WRITE_ATTEMPTS - 1) continue;
        throw err;
      }
      if (written) {
        const template = toTemplate(await existing(name));
        report({ kind: 'updated', name, template });
        return template;
      }
    }
    throw new PorticoError('conflict', `Prompt template "${name}" is being changed by someone else; try again.`);
  }

  async function create(input: PromptTemplateInput, createdBy: string, report: Emit = emit): Promise<PromptTemplate> {
    const valid = validInput(input);
    const inserted = await repository.insertTemplate(versionRow(valid.name, 1, valid, createdBy));
    if (!inserted) throw new PorticoError('conflict', `A prompt template named "${valid.name}" already exists.`, { details: { name: valid.name } });
    const template = toTemplate(await existing(valid.name));
    report({ kind: 'created', name: valid.name, template });
    return template;
  }

  async function update(name: string, patch: unknown, updatedBy: string, report: Emit = emit): Promise<PromptTemplate> {
    const parsed = templatePatchSchema.safeParse(patch);
    if (!parsed.success) throw invalid('Invalid prompt template update', parsed.error);
    const p = parsed.data;
    if (p.body !== undefined) renderer.check(p.body);
    return appendNext(name, (current) =>
      versionRow(
        name,
        current.version + 1,
        {
          title: p.title === undefined ? current.title : p.title,
          description: p.description === undefined ? current.description : p.description,
          category: p.category === undefined ? current.category : p.category,
          tags: p.tags ?? current.tags,
          arguments: p.arguments ?? current.arguments,
          body: p.body ?? current.body,
        },
        updatedBy,
      ),
      report,
    );
  }

  async function recordUsage(usage: UsageRecordInput): Promise<void> {
    const remembered = Object.entries(usage.arguments ?? {}).filter(([, v]) => typeof v === 'string' && v !== '' && v.length <= MAX_REMEMBERED_VALUE);
    await repository.insertUsage({
      id: randomUUID(),
      template_name: usage.templateName,
      version: usage.version,
      principal_id: usage.principalId,
      surface: usage.surface,
      at: (usage.at ?? new Date()).toISOString(),
      duration_ms: Math.round(usage.durationMs * 1000) / 1000,
      arguments: remembered.length ? JSON.stringify(Object.fromEntries(remembered)) : null,
    });
  }

  async function allTemplates(): Promise<PromptTemplate[]> {
    const out: PromptTemplate[] = [];
    const page = 500;
    for (let offset = 0; ; offset += page) {
      const rows = await repository.templates({ limit: page, offset });
      out.push(...rows.map(toTemplate));
      if (rows.length < page) return out;
    }
  }

  return {
    async get(name) {
      const row = await repository.template(name);
      return row ? toTemplate(row) : undefined;
    },

    async list(query = {}) {
      return (await repository.templates(query)).map(toTemplate);
    },

    create,
    update,

    async delete(name) {
      const deleted = await repository.deleteTemplate(name);
      if (deleted) emit({ kind: 'deleted', name });
      return deleted;
    },

    async versions(name) {
      const rows = await repository.versions(name);
      if (rows.length === 0) await existing(name);
      return rows.map(toVersion);
    },

    async restore(name, version, restoredBy) {
      const old = await repository.version(name, version);
      if (!old) {
        await existing(name);
        throw new PorticoError('not_found', `Prompt template "${name}" has no version ${version}.`, { details: { name, version } });
      }
      const content = toVersion(old);
      return appendNext(name, (current) => versionRow(name, current.version + 1, content, restoredBy, version));
    },

    async render(name, args, opts) {
      let content: { version: number; title: string | null; description: string | null; arguments: readonly PromptArgumentSpec[]; body: string };
      if (opts.version === undefined) {
        content = toTemplate(await existing(name));
      } else {
        const row = await repository.version(name, opts.version);
        if (!row) {
          await existing(name);
          throw new PorticoError('not_found', `Prompt template "${name}" has no version ${opts.version}.`, { details: { name, version: opts.version } });
        }
        content = toVersion(row);
      }
      // Every declared argument is defined (given, defaulted, or null) so strict variables only
      // catch names the template never declared. Undeclared arguments pass through as given.
      const variables: Record<string, unknown> = { ...args };
      const used: Record<string, string> = {};
      const missing: string[] = [];
      for (const spec of content.arguments) {
        const given = args[spec.name];
        if (given !== undefined && given !== null && given !== '') {
          variables[spec.name] = given;
          used[spec.name] = typeof given === 'string' ? given : JSON.stringify(given);
        } else if (spec.default !== undefined) {
          variables[spec.name] = spec.default;
          used[spec.name] = spec.default;
        } else if (spec.required) {
          missing.push(spec.name);
        } else {
          variables[spec.name] = null;
        }
      }
      if (missing.length) {
        throw new PorticoError('validation_failed', `Prompt template "${name}" is missing required argument${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`, {
          details: { missing },
        });
      }
      for (const [k, v] of Object.entries(args)) if (!(k in used) && typeof v === 'string') used[k] = v;
      const started = performance.now();
      const text = await renderer.render(content.body, variables);
      const durationMs = performance.now() - started;
      if (opts.recordUsage !== false) {
        await recordUsage({ templateName: name, version: content.version, principalId: opts.principalId, surface: opts.surface, durationMs, arguments: used }).catch((err: unknown) =>
          options.onUsageError?.(err),
        );
      }
      return { text, templateName: name, version: content.version, arguments: used, title: content.title, description: content.description, durationMs };
    },

    recordUsage,

    categories: () => repository.categories(),

    async usageStats(query = {}) {
      const since = query.since ?? new Date(Date.now() - 30 * DAY_MS).toISOString();
      if (Number.isNaN(Date.parse(since))) throw new PorticoError('validation_failed', `"since" must be an ISO date or time, not "${since}".`);
      const sinceIso = new Date(since).toISOString();
      return { since: sinceIso, ...(await repository.usage(sinceIso, query.templateName)) };
    },

    async recentArgumentValues(name, argument, { prefix, principalId, limit }) {
      const typed = prefix.toLowerCase();
      const values: string[] = [];
      for (const json of await repository.recentArguments(name, principalId, 200)) {
        const value = parseJson<Record<string, unknown>>(json, {})[argument];
        if (typeof value === 'string' && value.toLowerCase().startsWith(typed) && !values.includes(value)) values.push(value);
        if (values.length >= limit) break;
      }
      return values;
    },

    async exportLibrary(): Promise<PromptLibraryDocument> {
      const templates = (await allTemplates()).map((t) => ({
        name: t.name,
        ...(t.title !== null ? { title: t.title } : {}),
        ...(t.description !== null ? { description: t.description } : {}),
        ...(t.category !== null ? { category: t.category } : {}),
        ...(t.tags.length ? { tags: [...t.tags] } : {}),
        ...(t.arguments.length ? { arguments: normaliseArguments(t.arguments) } : {}),
        body: t.body,
      }));
      return { format: 'portico.prompts', version: 1, exportedAt: new Date().toISOString(), templates };
    },

    async importLibrary(document, importedBy): Promise<ImportReport> {
      const parsed = libraryDocumentSchema.safeParse(document);
      if (!parsed.success) throw invalid('Invalid prompt library document', parsed.error);
      const seen = new Set<string>();
      // Everything is checked before anything is written.
      const templates = parsed.data.templates.map((t, i) => {
        if (seen.has(t.name)) throw new PorticoError('validation_failed', `The document has two templates named "${t.name}".`, { details: { name: t.name } });
        seen.add(t.name);
        try {
          return validInput(t, `Template ${i} ("${t.name}") is invalid`);
        } catch (err) {
          if (err instanceof PorticoError && err.code === 'validation_failed' && !err.message.startsWith('Template ')) {
            throw new PorticoError('validation_failed', `Template ${i} ("${t.name}"): ${err.message}`, { details: err.details });
          }
          throw err;
        }
      });
      const report = { created: [] as string[], updated: [] as string[], unchanged: [] as string[] };
      // One notification for the whole import (one catalog change, one list_changed), even if it stops half-way.
      const batch: PromptLibraryChange[] = [];
      const collect: Emit = (change) => batch.push(change);
      try {
        await importEach(templates, importedBy, report, collect);
      } finally {
        if (batch.length) notify(batch);
      }
      return report;
    },

    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };

  /** Create or update each (already validated) template in turn, reporting changes to `collect`. */
  async function importEach(templates: readonly TemplateInput[], importedBy: string, report: { created: string[]; updated: string[]; unchanged: string[] }, collect: Emit): Promise<void> {
    for (const t of templates) {
      const current = await repository.template(t.name);
      if (!current) {
        await create(t, importedBy, collect);
        report.created.push(t.name);
        continue;
      }
      const incoming = { title: t.title ?? null, description: t.description ?? null, category: t.category ?? null, tags: t.tags ?? [], arguments: t.arguments ?? [], body: t.body };
      if (contentKey(incoming) === contentKey(toTemplate(current))) {
        report.unchanged.push(t.name);
        continue;
      }
      await update(t.name, incoming, importedBy, collect);
      report.updated.push(t.name);
    }
  }
}
