/** Stored generations: every model output Portico produced, and statistics over them. */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { DatabaseSchema, GenerationsTable } from '../schema.js';

export interface GenerationRecord {
  readonly id: string;
  readonly templateName: string;
  readonly templateVersion: number;
  readonly arguments: Readonly<Record<string, string>>;
  /** Null when the calling client sampled its own model. */
  readonly configuration: string | null;
  /** `openai`, `anthropic`, `openai-compatible`, or `client` (sampled by the caller). */
  readonly provider: string;
  readonly model: string | null;
  readonly output: string;
  readonly inputTokens: number | null;
  readonly outputTokens: number | null;
  readonly latencyMs: number;
  readonly principalId: string;
  readonly surface: string;
  readonly jobId: string | null;
  readonly createdAt: string;
}

export type NewGeneration = Omit<GenerationRecord, 'id' | 'createdAt'>;

export interface GenerationStatsRow {
  /** Null: generations the calling clients sampled themselves. */
  readonly configuration: string | null;
  readonly count: number;
  readonly averageLatencyMs: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

export interface GenerationRepository {
  insert(generation: NewGeneration): Promise<GenerationRecord>;
  get(id: string): Promise<GenerationRecord | undefined>;
  /** Newest first. */
  list(query?: { principalId?: string | undefined; templateName?: string | undefined; limit?: number | undefined }): Promise<GenerationRecord[]>;
  /** Generations since `since` (ISO), grouped by configuration. */
  statsByConfiguration(since: string): Promise<GenerationStatsRow[]>;
}

function toRecord(row: Selectable<GenerationsTable>): GenerationRecord {
  return {
    id: row.id,
    templateName: row.template_name,
    templateVersion: Number(row.template_version),
    arguments: JSON.parse(row.arguments) as Record<string, string>,
    configuration: row.configuration,
    provider: row.provider,
    model: row.model,
    output: row.output,
    inputTokens: row.input_tokens === null ? null : Number(row.input_tokens),
    outputTokens: row.output_tokens === null ? null : Number(row.output_tokens),
    latencyMs: Number(row.latency_ms),
    principalId: row.principal_id,
    surface: row.surface,
    jobId: row.job_id,
    createdAt: row.created_at,
  };
}

export function createGenerationRepository(db: Kysely<DatabaseSchema>): GenerationRepository {
  return {
    async insert(g) {
      const row: Selectable<GenerationsTable> = {
        id: randomUUID(),
        template_name: g.templateName,
        template_version: g.templateVersion,
        arguments: JSON.stringify(g.arguments),
        configuration: g.configuration,
        provider: g.provider,
        model: g.model,
        output: g.output,
        input_tokens: g.inputTokens,
        output_tokens: g.outputTokens,
        latency_ms: Math.round(g.latencyMs * 1000) / 1000,
        principal_id: g.principalId,
        surface: g.surface,
        job_id: g.jobId,
        created_at: new Date().toISOString(),
      };
      await db.insertInto('generations').values(row).execute();
      return toRecord(row);
    },
    async get(id) {
      const row = await db.selectFrom('generations').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toRecord(row) : undefined;
    },
    async list(query = {}) {
      let q = db.selectFrom('generations').selectAll();
      if (query.principalId !== undefined) q = q.where('principal_id', '=', query.principalId);
      if (query.templateName !== undefined) q = q.where('template_name', '=', query.templateName);
      const rows = await q
        .orderBy('created_at', 'desc')
        .limit(Math.min(Math.max(query.limit ?? 50, 1), 500))
        .execute();
      return rows.map(toRecord);
    },
    async statsByConfiguration(since) {
      const rows = await db
        .selectFrom('generations')
        .select((eb) => [
          'configuration',
          eb.fn.countAll<string | number>().as('count'),
          eb.fn.avg<string | number>('latency_ms').as('avg_latency'),
          sql<string | number | null>`sum(coalesce(input_tokens, 0))`.as('input_tokens'),
          sql<string | number | null>`sum(coalesce(output_tokens, 0))`.as('output_tokens'),
        ])
        .where('created_at', '>=', since)
        .groupBy('configuration')
        .orderBy('configuration')
        .execute();
      return rows.map((r) => ({
        configuration: r.configuration,
        count: Number(r.count),
        averageLatencyMs: Math.round(Number(r.avg_latency ?? 0) * 1000) / 1000,
        inputTokens: Number(r.input_tokens ?? 0),
        outputTokens: Number(r.output_tokens ?? 0),
      }));
    },
  };
}
