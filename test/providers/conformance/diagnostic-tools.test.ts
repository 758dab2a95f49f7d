import { describe, expect, it } from 'vitest';
import type { CatalogChange } from '../../../src/core/catalog/catalog.js';
import { JsonRpcCode, PorticoError } from '../../../src/core/errors.js';
import type { ProgressUpdate } from '../../../src/core/pipeline/execution-context.js';
import { completed, completedPrompt, startFixture, textOf } from './fixture-harness.js';

describe('test_missing_capability', () => {
  it('fails with missing_client_capability and requiredCapabilities.sampling when sampling is not declared', async () => {
    const fixture = await startFixture();
    const error = await fixture.call('test_missing_capability', {}, {}, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PorticoError);
    const e = error as PorticoError;
    expect(e.code).toBe('missing_client_capability');
    expect(e.jsonRpcCode).toBe(JsonRpcCode.MissingClientCapability);
    expect(e.status).toBe(400);
    expect(e.details).toEqual({ requiredCapabilities: { sampling: {} } });
    // Declaring something else does not help.
    await expect(fixture.call('test_missing_capability', {}, {}, { elicitation: {} })).rejects.toMatchObject({ code: 'missing_client_capability' });
  });

  it('succeeds when the client declares sampling', async () => {
    const fixture = await startFixture();
    expect(textOf(completed(await fixture.call('test_missing_capability', {}, {}, { sampling: {} })))).toBe('Success');
  });
});

describe('stream probes', () => {
  it('test_streaming_elicitation sends one progress update and then a result, never an input request', async () => {
    const fixture = await startFixture();
    const updates: ProgressUpdate[] = [];
    const result = completed(await fixture.call('test_streaming_elicitation', {}, { onProgress: (u) => updates.push(u) }, { elicitation: {} }));
    expect(updates).toHaveLength(1);
    expect(textOf(result)).toMatch(/\S/);
  });

  it('test_logging_tool logs through the call sink and returns text', async () => {
    const fixture = await startFixture();
    const logs: unknown[] = [];
    const result = completed(await fixture.call('test_logging_tool', {}, { onLog: (level, data) => logs.push([level, data]) }));
    expect(logs).toEqual([['info', 'test_logging_tool was called']]);
    expect(textOf(result)).toMatch(/\S/);
    // With no listener (no logLevel on the wire) the call is the same, just silent.
    expect(completed(await fixture.call('test_logging_tool')).isError).toBeUndefined();
  });

  it('test_reconnection stays busy for a moment, then returns text', async () => {
    const fixture = await startFixture();
    const started = performance.now();
    const result = completed(await fixture.call('test_reconnection'));
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
    expect(textOf(result)).toMatch(/\S/);
  });
});

describe('list change triggers', () => {
  it('test_trigger_tool_change toggles test_dynamic_tool and emits a tools change', async () => {
    const { catalog, pipeline, scope, call } = await startFixture();
    const changes: CatalogChange[] = [];
    catalog.onChange((c) => changes.push(c));
    const before = catalog.version;

    expect(textOf(completed(await call('test_trigger_tool_change')))).toContain('added');
    expect(catalog.version).toBe(before + 1);
    expect(changes.map((c) => c.lists)).toEqual([['tools']]);
    expect(pipeline.listTools(scope()).map((t) => t.name)).toContain('test_dynamic_tool');
    expect(textOf(completed(await call('test_dynamic_tool')))).toMatch(/\S/);

    expect(textOf(completed(await call('test_trigger_tool_change')))).toContain('removed');
    expect(catalog.version).toBe(before + 2);
    expect(changes.map((c) => c.lists)).toEqual([['tools'], ['tools']]);
    expect(pipeline.listTools(scope()).map((t) => t.name)).not.toContain('test_dynamic_tool');
  });

  it('test_trigger_prompt_change toggles test_dynamic_prompt and emits a prompts change', async () => {
    const { catalog, pipeline, scope, call } = await startFixture();
    const changes: CatalogChange[] = [];
    catalog.onChange((c) => changes.push(c));

    completed(await call('test_trigger_prompt_change'));
    expect(changes.map((c) => c.lists)).toEqual([['prompts']]);
    const dynamic = pipeline.listPrompts(scope()).find((p) => p.name === 'test_dynamic_prompt');
    expect(dynamic?.description).toMatch(/\S/);
    expect(completedPrompt(await pipeline.getPrompt(scope(), 'test_dynamic_prompt', {})).messages).toHaveLength(1);
    expect(catalog.prompt('test_dynamic_prompt')?.entry.source).toBe('conformance');

    completed(await call('test_trigger_prompt_change'));
    expect(changes.map((c) => c.lists)).toEqual([['prompts'], ['prompts']]);
    expect(catalog.prompt('test_dynamic_prompt')).toBeUndefined();
  });
});
