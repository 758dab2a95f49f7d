/**
 * The worker side of background generations: a `generate` job carries the request and who asked;
 * the handler runs it like a direct call (the generation is stored with the job id) and the job's
 * result is the generation as the tool shows it.
 */
import { PermanentJobError, type JobHandler } from '../../../jobs/job-runner.js';
import type { Caller, GenerationRequest, GenerationService } from './generation-service.js';
import { toGenerationView } from './generation-views.js';

interface GenerationJobPayload {
  request: GenerationRequest;
  caller: Caller;
}

function isPayload(value: unknown): value is GenerationJobPayload {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Partial<GenerationJobPayload>;
  return typeof p.request?.template === 'string' && typeof p.request.arguments === 'object' && typeof p.caller?.principalId === 'string' && typeof p.caller.surface === 'string';
}

export function generationJobHandler(service: GenerationService): JobHandler {
  return async (job, signal) => {
    if (!isPayload(job.payload)) throw new PermanentJobError('The job payload is not a generation request.');
    const { request, caller } = job.payload;
    const outcome = await service.generate(request, caller, signal, job.id);
    return toGenerationView(outcome.generation, outcome.fellBackFrom);
  };
}
