/**
 * The generation service (published as `services.generation`): AI configurations with their keys
 * sealed at rest, generations that render a library template and call a model through the router
 * (rate limits, retries, fallback), background generations as jobs, and every generation stored.
 */
import { createSecretBox } from '../../../auth/secret-box.js';
import type { AiConfig } from '../../../config/sections/ai.js';
import { PorticoError } from '../../../core/errors.js';
import type { SurfaceName } from '../../../core/pipeline/execution-context.js';
import type { Job } from '../../../jobs/job-queue.js';
import type { JobService } from '../../../jobs/job-service.js';
import type { AiConfigurationRepository, AiConfigurationRow } from '../../../store/repositories/ai-configuration.repository.js';
import type { GenerationRecord, GenerationRepository, GenerationStatsRow, NewGeneration } from '../../../store/repositories/generation.repository.js';
import type { PromptLibrary, RenderedPrompt } from '../prompt-library.js';
import type { AiConfigurationCreate, AiConfigurationPatch, AiConfigurationView, StoredAiConfiguration } from './ai-configuration.js';
import { createAnthropicModelClient } from './anthropic-model-client.js';
import type { ModelClient, ModelRequest } from './model-client.js';
import { createModelRouter, type FailedAttempt } from './model-router.js';
import { createOpenAiModelClient } from './openai-model-client.js';

/** The job kind of a background generation. */
export const GENERATE_JOB = 'generate';

export interface GenerationRequest {
  readonly template: string;
  readonly arguments: Readonly<Record<string, string>>;
  readonly version?: number | undefined;
  /** A configuration to try first; default: the fallback chain. */
  readonly configuration?: string | undefined;
  readonly maxTokens?: number | undefined;
  readonly temperature?: number | undefined;
}

export interface Caller {
  readonly principalId: string;
  readonly surface: SurfaceName;
}

export interface GenerationOutcome {
  readonly generation: GenerationRecord;
  /** Configurations that failed before one answered. */
  readonly fellBackFrom: readonly FailedAttempt[];
}

export interface GenerationStats {
  readonly since: string;
  readonly total: number;
  readonly byConfiguration: readonly GenerationStatsRow[];
}

export interface GenerationService {
  listConfigurations(): Promise<AiConfigurationView[]>;
  getConfiguration(name: string): Promise<AiConfigurationView | undefined>;
  createConfiguration(input: AiConfigurationCreate, createdBy: string): Promise<AiConfigurationView>;
  updateConfiguration(name: string, patch: AiConfigurationPatch): Promise<AiConfigurationView>;
  deleteConfiguration(name: string): Promise<boolean>;
  /** Whether any enabled configuration exists (otherwise the caller's client is asked to sample). */
  hasModel(): Promise<boolean>;
  /** Render and call a configured model now; `not_found`/`validation_failed` from rendering, `unavailable`/`rate_limited` from the models. */
  generate(request: GenerationRequest, caller: Caller, signal: AbortSignal, jobId?: string): Promise<GenerationOutcome>;
  /** Queue a generation as a background job (needs a configured model). */
  enqueue(request: GenerationRequest, caller: Caller): Promise<Job>;
  /** Render only (for client sampling, where the client's model answers). */
  render(request: GenerationRequest, caller: Caller): Promise<RenderedPrompt>;
  /** Store a generation produced elsewhere (the calling client sampled it). */
  record(generation: NewGeneration): Promise<GenerationRecord>;
  getGeneration(id: string): Promise<GenerationRecord | undefined>;
  /** Stored generations, newest first. */
  listGenerations(query?: { principalId?: string | undefined; templateName?: string | undefined; limit?: number | undefined }): Promise<GenerationRecord[]>;
  /** Generations since `since` (default: 30 days ago) by configuration: count, latency, tokens. */
  stats(since?: string): Promise<GenerationStats>;
}

export interface GenerationServiceDeps {
  readonly configurations: AiConfigurationRepository;
  readonly generations: GenerationRepository;
  readonly prompts: PromptLibrary;
  readonly jobs: JobService | undefined;
  readonly secretKey: Buffer;
  readonly config: Readonly<AiConfig>;
}

export function toConfigurationView(c: StoredAiConfiguration): AiConfigurationView {
  const { apiKeySealed: _sealed, ...view } = c;
  return view;
}

function byChainOrder(a: StoredAiConfiguration, b: StoredAiConfiguration): number {
  const oa = a.fallback_order ?? Number.MAX_SAFE_INTEGER;
  const ob = b.fallback_order ?? Number.MAX_SAFE_INTEGER;
  return oa - ob || a.name.localeCompare(b.name);
}

function checkShape(provider: string, baseUrl: string | null): void {
  if (provider === 'openai-compatible' && !baseUrl) throw new PorticoError('validation_failed', 'An openai-compatible configuration needs a base_url.', { details: { field: 'base_url' } });
}

export function createGenerationService(deps: GenerationServiceDeps): GenerationService {
  const { configurations, generations, prompts, config } = deps;
  const box = createSecretBox(deps.secretKey, 'ai-api-keys');
  const factory = (c: StoredAiConfiguration, apiKey: string | undefined): ModelClient => {
    const common = { apiKey, baseUrl: c.base_url ?? undefined, model: c.model, timeoutMs: config.requestTimeoutMs };
    return c.provider === 'anthropic' ? createAnthropicModelClient(common) : createOpenAiModelClient({ ...common, compatible: c.provider === 'openai-compatible' });
  };
  // A client per configuration version: connections are reused, an edit takes effect at once.
  const clients = new Map<string, ModelClient>();
  const clientFor = (c: StoredAiConfiguration): ModelClient => {
    const key = [c.name, c.updated_at, c.provider, c.model, c.base_url, c.apiKeySealed].join('\u0000');
    let client = clients.get(key);
    if (!client) {
      for (const k of clients.keys()) if (k.startsWith(`${c.name}\u0000`)) clients.delete(k);
      client = factory(c, c.apiKeySealed === null ? undefined : box.open(c.apiKeySealed));
      clients.set(key, client);
    }
    return client;
  };
  const router = createModelRouter({ maxRetries: config.maxRetries, retryBaseDelayMs: config.retryBaseDelayMs, retryMaxDelayMs: config.retryMaxDelayMs, clientFor });

  async function chainFor(name: string | undefined): Promise<StoredAiConfiguration[]> {
    const enabled = (await configurations.list()).filter((c) => c.enabled).sort(byChainOrder);
    if (name === undefined) return enabled;
    const named = await configurations.get(name);
    if (!named) throw new PorticoError('not_found', `No AI configuration named ${name}.`);
    if (!named.enabled) throw new PorticoError('conflict', `The AI configuration ${name} is disabled.`);
    return [named, ...enabled.filter((c) => c.name !== name)];
  }

  const modelRequest = (request: GenerationRequest, rendered: RenderedPrompt) => (c: StoredAiConfiguration): ModelRequest => ({
    prompt: rendered.text,
    system: c.parameters.system,
    maxTokens: request.maxTokens ?? c.parameters.max_tokens ?? config.defaultMaxTokens,
    temperature: request.temperature ?? c.parameters.temperature,
    topP: c.parameters.top_p,
    stop: c.parameters.stop,
  });

  const render = (request: GenerationRequest, caller: Caller) =>
    prompts.render(request.template, request.arguments, { version: request.version, principalId: caller.principalId, surface: caller.surface });

  return {
    async listConfigurations() {
      return (await configurations.list()).map(toConfigurationView);
    },
    async getConfiguration(name) {
      const c = await configurations.get(name);
      return c && toConfigurationView(c);
    },
    async createConfiguration(input, createdBy) {
      const baseUrl = input.base_url ?? null;
      checkShape(input.provider, baseUrl);
      const row: AiConfigurationRow = {
        name: input.name,
        provider: input.provider,
        model: input.model,
        baseUrl,
        apiKeySealed: input.api_key ? box.seal(input.api_key) : null,
        parameters: input.parameters ?? {},
        rateLimitPerMinute: input.rate_limit_per_minute ?? null,
        fallbackOrder: input.fallback_order ?? null,
        enabled: input.enabled ?? true,
      };
      if (!(await configurations.insert(row, createdBy))) throw new PorticoError('conflict', `An AI configuration named ${input.name} already exists.`);
      return toConfigurationView((await configurations.get(input.name))!);
    },
    async updateConfiguration(name, patch) {
      const current = await configurations.get(name);
      if (!current) throw new PorticoError('not_found', `No AI configuration named ${name}.`);
      const row: AiConfigurationRow = {
        name,
        provider: patch.provider ?? current.provider,
        model: patch.model ?? current.model,
        baseUrl: patch.base_url === undefined ? current.base_url : patch.base_url,
        apiKeySealed: patch.api_key === undefined ? current.apiKeySealed : patch.api_key === null ? null : box.seal(patch.api_key),
        parameters: patch.parameters ?? current.parameters,
        rateLimitPerMinute: patch.rate_limit_per_minute === undefined ? current.rate_limit_per_minute : patch.rate_limit_per_minute,
        fallbackOrder: patch.fallback_order === undefined ? current.fallback_order : patch.fallback_order,
        enabled: patch.enabled ?? current.enabled,
      };
      checkShape(row.provider, row.baseUrl);
      if (!(await configurations.update(row))) throw new PorticoError('not_found', `No AI configuration named ${name}.`);
      return toConfigurationView((await configurations.get(name))!);
    },
    deleteConfiguration: (name) => configurations.delete(name),
    async hasModel() {
      return (await configurations.list()).some((c) => c.enabled);
    },
    async generate(request, caller, signal, jobId) {
      const chain = await chainFor(request.configuration);
      if (chain.length === 0) throw new PorticoError('unavailable', 'No AI configuration is enabled.');
      const rendered = await render(request, caller);
      const started = performance.now();
      const routed = await router.complete(chain, modelRequest(request, rendered), signal);
      const generation = await generations.insert({
        templateName: rendered.templateName,
        templateVersion: rendered.version,
        arguments: rendered.arguments,
        configuration: routed.configuration.name,
        provider: routed.configuration.provider,
        model: routed.response.model,
        output: routed.response.text,
        inputTokens: routed.response.inputTokens,
        outputTokens: routed.response.outputTokens,
        latencyMs: performance.now() - started,
        principalId: caller.principalId,
        surface: caller.surface,
        jobId: jobId ?? null,
      });
      return { generation, fellBackFrom: routed.fellBackFrom };
    },
    async enqueue(request, caller) {
      if (!deps.jobs) throw new PorticoError('unavailable', 'Background jobs are not available on this server.');
      // Fail now, not in the worker: unknown configuration, nothing configured, unknown template.
      if ((await chainFor(request.configuration)).length === 0) {
        throw new PorticoError('conflict', 'Background generation needs a configured AI model (the calling client cannot be asked to sample in the background).');
      }
      // Unknown template or missing arguments fail the call, not the job (a dry render records no usage).
      await prompts.render(request.template, request.arguments, { version: request.version, principalId: caller.principalId, surface: caller.surface, recordUsage: false });
      return deps.jobs.enqueue(GENERATE_JOB, { request, caller }, { principalId: caller.principalId, maxAttempts: config.backgroundMaxAttempts });
    },
    render,
    record: (generation) => generations.insert(generation),
    getGeneration: (id) => generations.get(id),
    listGenerations: (query) => generations.list(query),
    async stats(since) {
      const from = since ?? new Date(Date.now() - 30 * 86_400_000).toISOString();
      const byConfiguration = await generations.statsByConfiguration(from);
      return { since: from, total: byConfiguration.reduce((n, r) => n + r.count, 0), byConfiguration };
    },
  };
}
