/**
 * The `generate` tool: render a library template, then have a model answer it. With an AI
 * configuration enabled, Portico calls the model itself (rate limits, retries, fallback), now or as
 * a background job (`background: true` returns a job id for `get_job`). With none, the calling
 * client's own model is asked through MCP sampling, in the one input-request flow every surface
 * shares (core/pipeline/input-requests.ts): a modern client gets `input_required`, a legacy session
 * a server-initiated `sampling/createMessage`. Every generation is stored.
 */
import type { ToolEntry } from '../../../core/catalog/entries.js';
import type { CallToolResult, JsonObject } from '../../../core/catalog/mcp-shapes.js';
import { PorticoError } from '../../../core/errors.js';
import { permissionFor } from '../../../core/identity/permissions.js';
import type { Principal } from '../../../core/identity/principal.js';
import type { ExecutionContext } from '../../../core/pipeline/execution-context.js';
import { ask, needsInput, type NeedsInput } from '../../../core/pipeline/input-requests.js';
import type { Caller, GenerationRequest, GenerationService } from './generation-service.js';
import { generationResult, queuedResult, toGenerationView } from './generation-views.js';
import { clientCanSample, readSampledAnswer } from './sampled-answer.js';

export const GENERATE_TOOL = 'generate';
/** Permission to generate (the tool, and POST /api/v1/prompts/{name}/generate). */
export const GENERATE_PERMISSION = 'prompts:generate';
/** Key of the sampling request in the input round. */
const SAMPLE_KEY = 'generation';
/** The longest sampled reply stored (characters); a client's answer is untrusted input. */
export const MAX_SAMPLED_CHARS = 1_000_000;

export const generateInputSchema: JsonObject = {
  type: 'object',
  properties: {
    template: { type: 'string', minLength: 1, maxLength: 200, description: 'Name of the prompt template to render' },
    arguments: { type: 'object', additionalProperties: { type: 'string', maxLength: 100_000 }, maxProperties: 100, description: 'Template arguments' },
    version: { type: 'integer', minimum: 1, description: 'Render this version of the template (default: the current one)' },
    configuration: { type: 'string', minLength: 1, maxLength: 64, description: 'AI configuration to try first (default: the fallback chain)' },
    max_tokens: { type: 'integer', minimum: 1, maximum: 1_000_000, description: 'Output token limit' },
    temperature: { type: 'number', minimum: 0, maximum: 2 },
    background: { type: 'boolean', description: 'Run as a background job and return its id at once (needs a configured model)' },
  },
  required: ['template'],
  additionalProperties: false,
};

/** The arguments of the tool (already validated against the schema) as a request. */
export function generationRequestFrom(args: JsonObject): GenerationRequest {
  return {
    template: args.template as string,
    arguments: (args.arguments ?? {}) as Record<string, string>,
    version: args.version as number | undefined,
    configuration: args.configuration as string | undefined,
    maxTokens: args.max_tokens as number | undefined,
    temperature: args.temperature as number | undefined,
  };
}

/**
 * Generating from a template shows what it renders to, so it needs the same permission as
 * rendering it (`prompts:get:{name}`); a template one may not see is "not found", as everywhere.
 */
export function assertMayUseTemplate(principal: Principal, template: string): void {
  if (!principal.permissions.allows(permissionFor.prompt(template))) throw new PorticoError('not_found', `No prompt template named "${template}".`);
}

/** What the tool remembers between asking the client to sample and reading its answer (signed by the surface). */
interface SamplingState {
  template: string;
  version: number;
  arguments: Record<string, string>;
  askedAt: number;
}

function isSamplingState(value: unknown, template: string): value is SamplingState {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as Partial<SamplingState>;
  return s.template === template && typeof s.version === 'number' && typeof s.askedAt === 'number' && typeof s.arguments === 'object' && s.arguments !== null;
}

export function generateTool(service: GenerationService, limits: { defaultMaxTokens: number; timeoutMs: number }, source: string): ToolEntry {
  async function sampleThroughClient(request: GenerationRequest, caller: Caller, ctx: ExecutionContext): Promise<CallToolResult | NeedsInput> {
    const state = ctx.input.state();
    const answer = readSampledAnswer(ctx.input.responses?.[SAMPLE_KEY]);
    if (answer && isSamplingState(state, request.template)) {
      if (answer.text.length > MAX_SAMPLED_CHARS) throw new PorticoError('payload_too_large', `The sampled reply is longer than ${MAX_SAMPLED_CHARS} characters.`);
      const generation = await service.record({
        templateName: state.template,
        templateVersion: state.version,
        arguments: state.arguments,
        configuration: null,
        provider: 'client',
        model: answer.model,
        output: answer.text,
        inputTokens: null,
        outputTokens: null,
        latencyMs: Math.max(0, Date.now() - state.askedAt),
        principalId: caller.principalId,
        surface: caller.surface,
        jobId: null,
      });
      return generationResult(toGenerationView(generation));
    }
    if (!clientCanSample(ctx.client.capabilities)) {
      throw new PorticoError(
        'missing_client_capability',
        'No AI model is configured on this server, and this client does not offer sampling. Configure one (POST /api/v1/ai-configurations) or call generate from a client that can sample.',
      );
    }
    const rendered = await service.render(request, caller);
    const sample = ask.sample({
      messages: [{ role: 'user', content: { type: 'text', text: rendered.text } }],
      maxTokens: request.maxTokens ?? limits.defaultMaxTokens,
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    });
    const next: SamplingState = { template: rendered.templateName, version: rendered.version, arguments: { ...rendered.arguments }, askedAt: Date.now() };
    return needsInput({ [SAMPLE_KEY]: sample }, next);
  }

  return {
    kind: 'tool',
    name: GENERATE_TOOL,
    title: 'Generate from a prompt template',
    description:
      'Renders a prompt template from the library and has a model answer it: a configured AI model (with fallback), or else your own model through sampling. ' +
      'With background: true it returns a job id at once; poll get_job for the result.',
    inputSchema: generateInputSchema,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    permission: GENERATE_PERMISSION,
    timeoutMs: limits.timeoutMs,
    source,
    async handler(args, ctx) {
      const request = generationRequestFrom(args);
      assertMayUseTemplate(ctx.principal, request.template);
      const caller: Caller = { principalId: ctx.principal.id, surface: ctx.surface };
      if (args.background === true) return queuedResult(await service.enqueue(request, caller));
      // A named configuration is used even if it is the only one (and errors if it is unknown).
      if (request.configuration !== undefined || (await service.hasModel())) {
        const outcome = await service.generate(request, caller, ctx.signal);
        return generationResult(toGenerationView(outcome.generation, outcome.fellBackFrom));
      }
      return sampleThroughClient(request, caller, ctx);
    },
  };
}
