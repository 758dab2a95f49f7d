/**
 * Prompt templates, their version history and usage records. Plain data access; the rules (names,
 * argument declarations, template compilation, limits) live in providers/prompts/library.ts.
 * Every write that touches two tables runs in one transaction, so nothing is half-written.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { DatabaseSchema, PromptTemplateVersionsTable, PromptTemplatesTable, PromptUsageTable } from '../schema.js';

export type PromptTemplateRow = Selectable<PromptTemplatesTable>;
export type PromptVersionRow = Selectable<PromptTemplateVersionsTable>;
export type PromptUsageRow = Selectable<PromptUsageTable>;

export interface PromptTemplateFilter {
  category?: string | undefined;
  tag?: string | undefined;
  /** Case-insensitive substring of name, title or description. */
  search?: string | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

export interface UsageCounts {
  total: number;
  byTemplate: { templateName: string; count: number; averageDurationMs: number; lastUsedAt: string }[];
  byDay: { day: string; count: number }[];
  byPrincipal: { principalId: string; count: number }[];
}

export interface PromptRepository {
  template(name: string): Promise<PromptTemplateRow | undefined>;
  templates(filter?: PromptTemplateFilter): Promise<PromptTemplateRow[]>;
  /** Insert a new template and its first version; false (and nothing written) if the name is taken. */
  insertTemplate(version: PromptVersionRow): Promise<boolean>;
  /**
   * Append a version and make it current, only if the current version is still `expectedCurrent`;
   * false (nothing written) when another writer got there first or the template is gone.
   */
  appendVersion(version: PromptVersionRow, expectedCurrent: number): Promise<boolean>;
  /** Delete a template with its history and usage; false if absent. */
  deleteTemplate(name: string): Promise<boolean>;
  /** Newest first. */
  versions(name: string): Promise<PromptVersionRow[]>;
  version(name: string, version: number): Promise<PromptVersionRow | undefined>;
  insertUsage(row: PromptUsageRow): Promise<void>;
  /** Delete usage records older than a time; returns how many went. */
  pruneUsage(before: string): Promise<number>;
  categories(): Promise<{ category: string; count: number }[]>;
  usage(since: string, templateName?: string): Promise<UsageCounts>;
  /**
   * A cheap summary that changes whenever any template is created, changed or deleted (count, sum
   * of versions, latest update) — lets other nodes and CLI edits be noticed without a full read.
   */
  fingerprint(): Promise<string>;
  /** The `arguments` JSON of one principal's most recent usage rows of a template that recorded some. */
  recentArguments(templateName: string, principalId: string, limit: number): Promise<string[]>;
}

/** Escape LIKE wildcards so a search for `50%` means the characters, not a pattern. */
function likeContains(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function createPromptRepository(db: Kysely<DatabaseSchema>): PromptRepository {
  const templateFrom = (v: PromptVersionRow, createdAt: string, createdBy: string): PromptTemplateRow => ({
    name: v.name,
    title: v.title,
    description: v.description,
    category: v.category,
    tags: v.tags,
    arguments: v.arguments,
    body: v.body,
    version: v.version,
    created_by: createdBy,
    created_at: createdAt,
    updated_at: v.created_at,
  });

  return {
    template: (name) => db.selectFrom('prompt_templates').selectAll().where('name', '=', name).executeTakeFirst(),

    templates({ category, tag, search, limit = 1000, offset = 0 } = {}) {
      let q = db.selectFrom('prompt_templates').selectAll();
      if (category !== undefined) q = q.where('category', '=', category);
      // Tags are a JSON array of strings: match the quoted, JSON-encoded tag (case-insensitively in
      // both dialects; SQLite's LIKE already is, PostgreSQL's is not).
      if (tag !== undefined) q = q.where(sql<boolean>`lower(tags) like ${likeContains(JSON.stringify(tag))} escape '\\'`);
      if (search) {
        const pattern = likeContains(search);
        q = q.where((eb) =>
          eb.or([
            eb(sql`lower(name)`, 'like', sql`${pattern} escape '\\'`),
            eb(sql`lower(coalesce(title, ''))`, 'like', sql`${pattern} escape '\\'`),
            eb(sql`lower(coalesce(description, ''))`, 'like', sql`${pattern} escape '\\'`),
          ]),
        );
      }
      return q.orderBy('name').limit(limit).offset(offset).execute();
    },

    async insertTemplate(version) {
      return db.transaction().execute(async (trx) => {
        const inserted = await trx
          .insertInto('prompt_templates')
          .values(templateFrom(version, version.created_at, version.created_by))
          .onConflict((oc) => oc.column('name').doNothing())
          .executeTakeFirst();
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return false;
        // A leftover history of a deleted namesake cannot exist (delete removes it), but be sure.
        await trx.deleteFrom('prompt_template_versions').where('name', '=', version.name).execute();
        await trx.insertInto('prompt_template_versions').values(version).execute();
        return true;
      });
    },

    async appendVersion(version, expectedCurrent) {
      return db.transaction().execute(async (trx) => {
        const updated = await trx
          .updateTable('prompt_templates')
          .set({
            title: version.title,
            description: version.description,
            category: version.category,
            tags: version.tags,
            arguments: version.arguments,
            body: version.body,
            version: version.version,
            updated_at: version.created_at,
          })
          .where('name', '=', version.name)
          .where('version', '=', expectedCurrent)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) === 0) return false;
        await trx.insertInto('prompt_template_versions').values(version).execute();
        return true;
      });
    },

    async deleteTemplate(name) {
      return db.transaction().execute(async (trx) => {
        const deleted = await trx.deleteFrom('prompt_templates').where('name', '=', name).executeTakeFirst();
        if (Number(deleted.numDeletedRows) === 0) return false;
        await trx.deleteFrom('prompt_template_versions').where('name', '=', name).execute();
        await trx.deleteFrom('prompt_usage').where('template_name', '=', name).execute();
        return true;
      });
    },

    versions: (name) => db.selectFrom('prompt_template_versions').selectAll().where('name', '=', name).orderBy('version', 'desc').execute(),
    version: (name, version) => db.selectFrom('prompt_template_versions').selectAll().where('name', '=', name).where('version', '=', version).executeTakeFirst(),

    async insertUsage(row) {
      await db.insertInto('prompt_usage').values(row).execute();
    },

    async pruneUsage(before) {
      const r = await db.deleteFrom('prompt_usage').where('at', '<', before).executeTakeFirst();
      return Number(r.numDeletedRows);
    },

    async categories() {
      const rows = await db
        .selectFrom('prompt_templates')
        .select(['category', (eb) => eb.fn.countAll<number>().as('n')])
        .where('category', 'is not', null)
        .groupBy('category')
        .orderBy('category')
        .execute();
      return rows.map((r) => ({ category: r.category!, count: Number(r.n) }));
    },

    async usage(since, templateName) {
      let base = db.selectFrom('prompt_usage').where('at', '>=', since);
      if (templateName !== undefined) base = base.where('template_name', '=', templateName);
      const day = sql<string>`substr(at, 1, 10)`;
      const [total, byTemplate, byDay, byPrincipal] = await Promise.all([
        base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
        base
          .select(['template_name', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.avg<number>('duration_ms').as('avg_ms'), (eb) => eb.fn.max('at').as('last_at')])
          .groupBy('template_name')
          .orderBy('n', 'desc')
          .orderBy('template_name')
          .execute(),
        base.select([day.as('day'), (eb) => eb.fn.countAll<number>().as('n')]).groupBy(day).orderBy(day).execute(),
        base.select(['principal_id', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('principal_id').orderBy('n', 'desc').orderBy('principal_id').execute(),
      ]);
      return {
        total: Number(total.n),
        byTemplate: byTemplate.map((r) => ({
          templateName: r.template_name,
          count: Number(r.n),
          averageDurationMs: Math.round(Number(r.avg_ms) * 1000) / 1000,
          lastUsedAt: String(r.last_at),
        })),
        byDay: byDay.map((r) => ({ day: r.day, count: Number(r.n) })),
        byPrincipal: byPrincipal.map((r) => ({ principalId: r.principal_id, count: Number(r.n) })),
      };
    },

    async fingerprint() {
      const row = await db
        .selectFrom('prompt_templates')
        .select([(eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.sum<number>('version').as('versions'), (eb) => eb.fn.max('updated_at').as('latest')])
        .executeTakeFirstOrThrow();
      return `${Number(row.n)}:${Number(row.versions ?? 0)}:${row.latest ?? ''}`;
    },

    async recentArguments(templateName, principalId, limit) {
      const rows = await db
        .selectFrom('prompt_usage')
        .select('arguments')
        .where('template_name', '=', templateName)
        .where('principal_id', '=', principalId)
        .where('arguments', 'is not', null)
        .orderBy('at', 'desc')
        .limit(limit)
        .execute();
      return rows.map((r) => r.arguments!);
    },
  };
}
