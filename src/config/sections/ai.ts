/**
 * Configuration of AI generation: how Portico calls the model APIs of its AI configurations (the
 * configurations themselves — provider, model, key, rate limit, fallback order — are data, managed
 * at /api/v1/ai-configurations).
 */
import { z } from 'zod';
import { meta } from '../key-meta.js';

export const aiSchema = z.strictObject({
  enabled: z.boolean().default(true).meta(meta({ description: 'Offer the `generate` and `get_job` tools, AI configurations and stored generations.' })),
  requestTimeoutMs: z.number().int().min(100).default(60_000).meta(meta({ description: 'Deadline for one request to a model API.' })),
  maxRetries: z.number().int().min(0).max(10).default(2).meta(meta({ description: 'Retries of a failed model request (429, 5xx, timeouts, connection errors) before falling back to the next configuration.' })),
  retryBaseDelayMs: z.number().int().min(0).default(500).meta(meta({ description: 'First retry delay; doubles per retry, with jitter (a Retry-After header wins, up to the maximum).' })),
  retryMaxDelayMs: z.number().int().min(0).default(8_000).meta(meta({ description: 'Longest delay between two retries.' })),
  defaultMaxTokens: z.number().int().min(1).max(1_000_000).default(1024).meta(meta({ description: 'Output token limit of a generation when neither the call nor the configuration sets one.' })),
  backgroundMaxAttempts: z.number().int().min(1).max(20).default(3).meta(meta({ description: 'Attempts of a background generation job before it is dead-lettered.' })),
});

export type AiConfig = z.output<typeof aiSchema>;
