/**
 * AI generation: the `generate` and `get_job` tools, the generation service (`services.generation`)
 * and the worker for background generations. It renders through the prompt library the prompts
 * provider publishes (`services.prompts`), so it starts after it; without the library there is
 * nothing to generate from and it stays off.
 */
import type { FrozenConfig } from '../../../config/schema.js';
import { createAiConfigurationRepository } from '../../../store/repositories/ai-configuration.repository.js';
import { createGenerationRepository } from '../../../store/repositories/generation.repository.js';
import type { Provider } from '../../provider.js';
import type { PromptLibrary } from '../prompt-library.js';
import { generateTool } from './generate-tool.js';
import { generationJobHandler } from './generation-job.js';
import { createGenerationService, GENERATE_JOB } from './generation-service.js';
import { getJobTool } from './get-job-tool.js';

export const GENERATION_SOURCE = 'generation';

export function createGenerationProvider(config: FrozenConfig): Provider {
  return {
    name: GENERATION_SOURCE,
    start({ catalog, store, services, logger }) {
      if (!config.ai.enabled) return;
      const prompts = services.prompts as PromptLibrary | undefined;
      if (!prompts) {
        logger.warn('the prompt library is not running, so AI generation is off');
        return;
      }
      const db = store.database.db;
      const service = createGenerationService({
        configurations: createAiConfigurationRepository(db),
        generations: createGenerationRepository(db),
        prompts,
        jobs: services.jobs,
        secretKey: store.secretKey,
        config: config.ai,
      });
      services.generation = service;
      services.jobs?.register(GENERATE_JOB, generationJobHandler(service));
      // A generation may retry a slow model before it answers: its deadline covers that, not the default one.
      const timeoutMs = Math.max(config.mcp.callTimeoutMs, config.ai.requestTimeoutMs * (config.ai.maxRetries + 1));
      catalog.add([generateTool(service, { defaultMaxTokens: config.ai.defaultMaxTokens, timeoutMs }, GENERATION_SOURCE), ...(services.jobs ? [getJobTool(services.jobs, GENERATION_SOURCE)] : [])]);
    },
  };
}
