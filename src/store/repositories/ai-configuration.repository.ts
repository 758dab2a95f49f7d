/** AI configurations. The API key arrives and leaves sealed (auth/secret-box.ts); this file never sees it in clear. */
import type { Kysely, Selectable } from 'kysely';
import type { AiParameters, AiProviderKind, StoredAiConfiguration } from '../../providers/prompts/generation/ai-configuration.js';
import type { AiConfigurationsTable, DatabaseSchema } from '../schema.js';

export interface AiConfigurationRow {
  readonly name: string;
  readonly provider: AiProviderKind;
  readonly model: string;
  readonly baseUrl: string | null;
  readonly apiKeySealed: string | null;
  readonly parameters: AiParameters;
  readonly rateLimitPerMinute: number | null;
  readonly fallbackOrder: number | null;
  readonly enabled: boolean;
}

export interface AiConfigurationRepository {
  list(): Promise<StoredAiConfiguration[]>;
  get(name: string): Promise<StoredAiConfiguration | undefined>;
  /** False when the name is taken. */
  insert(row: AiConfigurationRow, createdBy: string): Promise<boolean>;
  /** False when absent. */
  update(row: AiConfigurationRow): Promise<boolean>;
  delete(name: string): Promise<boolean>;
}

function toStored(row: Selectable<AiConfigurationsTable>): StoredAiConfiguration {
  return {
    name: row.name,
    provider: row.provider as AiProviderKind,
    model: row.model,
    base_url: row.base_url,
    has_api_key: row.api_key_sealed !== null,
    apiKeySealed: row.api_key_sealed,
    parameters: JSON.parse(row.parameters) as AiParameters,
    rate_limit_per_minute: row.rate_limit_per_minute === null ? null : Number(row.rate_limit_per_minute),
    fallback_order: row.fallback_order === null ? null : Number(row.fallback_order),
    enabled: Number(row.enabled) === 1,
    created_by: row.created_by,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export function createAiConfigurationRepository(db: Kysely<DatabaseSchema>): AiConfigurationRepository {
  const columns = (row: AiConfigurationRow) => ({
    provider: row.provider,
    model: row.model,
    base_url: row.baseUrl,
    api_key_sealed: row.apiKeySealed,
    parameters: JSON.stringify(row.parameters),
    rate_limit_per_minute: row.rateLimitPerMinute,
    fallback_order: row.fallbackOrder,
    enabled: row.enabled ? (1 as const) : (0 as const),
  });
  return {
    async list() {
      const rows = await db.selectFrom('ai_configurations').selectAll().orderBy('name').execute();
      return rows.map(toStored);
    },
    async get(name) {
      const row = await db.selectFrom('ai_configurations').selectAll().where('name', '=', name).executeTakeFirst();
      return row ? toStored(row) : undefined;
    },
    async insert(row, createdBy) {
      const at = new Date().toISOString();
      const res = await db
        .insertInto('ai_configurations')
        .values({ name: row.name, ...columns(row), created_by: createdBy, created_at: at, updated_at: at })
        .onConflict((oc) => oc.column('name').doNothing())
        .executeTakeFirst();
      return Number(res.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    async update(row) {
      const res = await db
        .updateTable('ai_configurations')
        .set({ ...columns(row), updated_at: new Date().toISOString() })
        .where('name', '=', row.name)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },
    async delete(name) {
      const res = await db.deleteFrom('ai_configurations').where('name', '=', name).executeTakeFirst();
      return Number(res.numDeletedRows) === 1;
    },
  };
}
