/**
 * Runs the conformance provider the way the server does — a real catalog and the one call
 * pipeline, authenticated as the local principal — so tests see what every surface would see.
 */
import { pino } from 'pino';
import { expect } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { createCatalog, type Catalog } from '../../../src/core/catalog/catalog.js';
import type { CallToolResult, GetPromptResult, JsonObject } from '../../../src/core/catalog/mcp-shapes.js';
import { nullAuditSink, nullCallMetrics } from '../../../src/core/pipeline/audit-sink.js';
import { isNeedsInput, type InputRequest, type NeedsInput } from '../../../src/core/pipeline/input-requests.js';
import { createPipeline, type CallOptions, type CallScope, type Pipeline } from '../../../src/core/pipeline/pipeline.js';
import { unlimitedRateLimiter } from '../../../src/core/pipeline/rate-limiter.js';
import { localAuthenticator, localPrincipal } from '../../../src/core/identity/local-principal.js';
import { createConformanceProvider } from '../../../src/providers/conformance/conformance-provider.js';
import { catalogOnlyContext } from '../../helpers/provider-context.js';

/** What the conformance suite's client declares on both wires. */
export const SUITE_CAPABILITIES: JsonObject = { sampling: {}, elicitation: {}, roots: { listChanged: true } };

export interface Fixture {
  catalog: Catalog;
  pipeline: Pipeline;
  scope(capabilities?: JsonObject): CallScope;
  call(name: string, args?: unknown, options?: CallOptions, capabilities?: JsonObject): Promise<CallToolResult | NeedsInput>;
}

export async function startFixture(): Promise<Fixture> {
  const config = loadConfig({ env: {} });
  const catalog = createCatalog();
  const pipeline = createPipeline({
    catalog,
    authenticator: localAuthenticator(),
    rateLimiter: unlimitedRateLimiter,
    audit: nullAuditSink,
    metrics: nullCallMetrics,
    defaultTimeoutMs: 5000,
  });
  await createConformanceProvider(config).start(catalogOnlyContext({ catalog, config, logger: pino({ level: 'silent' }) }));
  const principal = localPrincipal('conformance-test');
  let requests = 0;
  const scope = (capabilities: JsonObject = SUITE_CAPABILITIES): CallScope => ({
    principal,
    surface: 'internal',
    requestId: `req-${++requests}`,
    client: { name: 'fixture-test', capabilities },
  });
  return {
    catalog,
    pipeline,
    scope,
    call: (name, args, options, capabilities) => pipeline.callTool(scope(capabilities), name, args, options),
  };
}

/** Assert a tool finished (no further input round) and return its result. */
export function completed(result: CallToolResult | NeedsInput): CallToolResult {
  if (isNeedsInput(result)) throw new Error(`expected a complete result, got needsInput for ${Object.keys(result.requests).join(', ')}`);
  return result;
}

export function completedPrompt(result: GetPromptResult | NeedsInput): GetPromptResult {
  if (isNeedsInput(result)) throw new Error(`expected a prompt result, got needsInput for ${Object.keys(result.requests).join(', ')}`);
  return result;
}

/** Assert another input round was asked for and return it. */
export function inputRound(result: unknown): NeedsInput {
  expect(isNeedsInput(result), `expected needsInput, got ${JSON.stringify(result)}`).toBe(true);
  return result as NeedsInput;
}

/** The text of a single-text result. */
export function textOf(result: CallToolResult): string {
  const first = result.content[0];
  if (first?.type !== 'text') throw new Error(`expected text content, got ${JSON.stringify(result.content)}`);
  return first.text;
}

export function requestAt(round: NeedsInput, key: string): InputRequest {
  const request = round.requests[key];
  if (!request) throw new Error(`no input request under "${key}"; keys: ${Object.keys(round.requests).join(', ')}`);
  return request;
}

/** The answers the suite's mock client gives. */
export const answers = {
  accept: (content: JsonObject) => ({ action: 'accept', content }),
  sampling: (text: string) => ({ role: 'assistant', content: { type: 'text', text }, model: 'test-model', stopReason: 'endTurn' }),
  roots: () => ({ roots: [{ uri: 'file:///test/root', name: 'Test Root' }] }),
};
