/**
 * AI configurations: which model API to call, with which model, key, default parameters, rate
 * limit and place in the fallback chain. The API key goes in (create/update) and never comes back
 * out: views say only whether one is set.
 */
import { z } from 'zod';

export const AI_PROVIDERS = ['openai', 'anthropic', 'openai-compatible'] as const;
export type AiProviderKind = (typeof AI_PROVIDERS)[number];

/** Request parameters a configuration may default (a call may override them). */
export const aiParametersSchema = z
  .strictObject({
    temperature: z.number().min(0).max(2).optional(),
    top_p: z.number().min(0).max(1).optional(),
    max_tokens: z.number().int().min(1).max(1_000_000).optional(),
    stop: z.array(z.string().min(1).max(100)).max(4).optional(),
    system: z.string().max(20_000).optional().describe('System prompt sent with every generation'),
  })
  .meta({ id: 'AiParameters' });
export type AiParameters = z.output<typeof aiParametersSchema>;

export const AI_CONFIGURATION_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

const httpUrl = z
  .url({ protocol: /^https?$/ })
  .max(2000)
  .refine((u) => !new URL(u).username && !new URL(u).password, 'credentials do not belong in the base URL; use api_key');

/** The fields of a configuration as the REST API and the CLI accept them (snake_case, like the API). */
export const aiConfigurationFields = {
  provider: z.enum(AI_PROVIDERS),
  model: z.string().min(1).max(200),
  base_url: httpUrl.nullable().describe('API base URL; required for openai-compatible (e.g. http://127.0.0.1:11434/v1)'),
  api_key: z.string().min(1).max(1000).nullable().describe('Stored encrypted; never returned'),
  parameters: aiParametersSchema,
  rate_limit_per_minute: z.number().int().min(1).max(1_000_000).nullable().describe('Requests per minute to this configuration from this node (null: unlimited)'),
  fallback_order: z.number().int().min(0).max(10_000).nullable().describe('Place in the fallback chain, lowest first (null: after those with a place)'),
  enabled: z.boolean(),
};

export const aiConfigurationCreateSchema = z
  .strictObject({
    name: z.string().regex(AI_CONFIGURATION_NAME, '1–64 letters, digits, `_`, `-`, `.`'),
    provider: aiConfigurationFields.provider,
    model: aiConfigurationFields.model,
    base_url: aiConfigurationFields.base_url.optional(),
    api_key: aiConfigurationFields.api_key.optional(),
    parameters: aiConfigurationFields.parameters.optional(),
    rate_limit_per_minute: aiConfigurationFields.rate_limit_per_minute.optional(),
    fallback_order: aiConfigurationFields.fallback_order.optional(),
    enabled: aiConfigurationFields.enabled.optional(),
  })
  .meta({ id: 'AiConfigurationCreate' });
export type AiConfigurationCreate = z.output<typeof aiConfigurationCreateSchema>;

export const aiConfigurationPatchSchema = z
  .strictObject({
    provider: aiConfigurationFields.provider.optional(),
    model: aiConfigurationFields.model.optional(),
    base_url: aiConfigurationFields.base_url.optional(),
    api_key: aiConfigurationFields.api_key.optional().describe('A new key; null removes it; omitted keeps it'),
    parameters: aiConfigurationFields.parameters.optional(),
    rate_limit_per_minute: aiConfigurationFields.rate_limit_per_minute.optional(),
    fallback_order: aiConfigurationFields.fallback_order.optional(),
    enabled: aiConfigurationFields.enabled.optional(),
  })
  .meta({ id: 'AiConfigurationUpdate' });
export type AiConfigurationPatch = z.output<typeof aiConfigurationPatchSchema>;

/** A configuration as shown: everything but the key. */
export interface AiConfigurationView {
  readonly name: string;
  readonly provider: AiProviderKind;
  readonly model: string;
  readonly base_url: string | null;
  readonly has_api_key: boolean;
  readonly parameters: AiParameters;
  readonly rate_limit_per_minute: number | null;
  readonly fallback_order: number | null;
  readonly enabled: boolean;
  readonly created_by: string;
  readonly created_at: string;
  readonly updated_at: string;
}

export const aiConfigurationViewSchema = z
  .object({
    name: z.string(),
    provider: z.enum(AI_PROVIDERS),
    model: z.string(),
    base_url: z.string().nullable(),
    has_api_key: z.boolean(),
    parameters: aiParametersSchema,
    rate_limit_per_minute: z.number().nullable(),
    fallback_order: z.number().nullable(),
    enabled: z.boolean(),
    created_by: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'AiConfiguration' });

/** A stored configuration with its sealed key (inside the generation service only). */
export interface StoredAiConfiguration extends AiConfigurationView {
  readonly apiKeySealed: string | null;
}
