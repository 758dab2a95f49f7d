/** How generations and queued generation jobs are shown, alike on MCP and REST. */
import type { CallToolResult } from '../../../core/catalog/mcp-shapes.js';
import type { Job } from '../../../jobs/job-queue.js';
import type { GenerationRecord } from '../../../store/repositories/generation.repository.js';
import type { FailedAttempt } from './model-router.js';

export interface GenerationView {
  generation_id: string;
  template: string;
  version: number;
  /** Null when the calling client sampled its own model. */
  configuration: string | null;
  provider: string;
  model: string | null;
  output: string;
  input_tokens: number | null;
  output_tokens: number | null;
  latency_ms: number;
  created_at: string;
  job_id: string | null;
  /** Configurations that failed before the one that answered. */
  fell_back_from: FailedAttempt[];
}

export function toGenerationView(g: GenerationRecord, fellBackFrom: readonly FailedAttempt[] = []): GenerationView {
  return {
    generation_id: g.id,
    template: g.templateName,
    version: g.templateVersion,
    configuration: g.configuration,
    provider: g.provider,
    model: g.model,
    output: g.output,
    input_tokens: g.inputTokens,
    output_tokens: g.outputTokens,
    latency_ms: g.latencyMs,
    created_at: g.createdAt,
    job_id: g.jobId,
    fell_back_from: [...fellBackFrom],
  };
}

export function generationResult(view: GenerationView): CallToolResult {
  return { content: [{ type: 'text', text: view.output }], structuredContent: { ...view } };
}

export function queuedResult(job: Job): CallToolResult {
  return {
    content: [{ type: 'text', text: `Queued as background job ${job.id}; ask get_job for its status and result.` }],
    structuredContent: { job_id: job.id, status: job.status },
  };
}
