import { describe, expect, it, vi } from 'vitest';
import { PorticoError } from '../../../src/core/errors.js';
import type { ProgressUpdate } from '../../../src/core/pipeline/execution-context.js';
import { answers, completed, inputRound, requestAt, startFixture, textOf } from './fixture-harness.js';

const fixture = await startFixture();

describe('progress and logging', () => {
  it('test_tool_with_logging sends three info messages about 50 ms apart, before the result', async () => {
    const seen: { level: string; data: unknown; at: number }[] = [];
    const started = performance.now();
    const result = completed(await fixture.call('test_tool_with_logging', {}, { onLog: (level, data) => seen.push({ level, data, at: performance.now() - started }) }));
    expect(seen.map((s) => [s.level, s.data])).toEqual([
      ['info', 'Tool execution started'],
      ['info', 'Tool processing data'],
      ['info', 'Tool execution completed'],
    ]);
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(40);
    expect(seen[2]!.at - seen[1]!.at).toBeGreaterThanOrEqual(40);
    expect(textOf(result)).toMatch(/\S/);
  });

  it('test_tool_with_progress reports 0, 50, 100 of 100 with time between them', async () => {
    const updates: (ProgressUpdate & { at: number })[] = [];
    const started = performance.now();
    const result = completed(await fixture.call('test_tool_with_progress', {}, { onProgress: (u) => updates.push({ ...u, at: performance.now() - started }) }));
    expect(updates.map((u) => [u.progress, u.total])).toEqual([
      [0, 100],
      [50, 100],
      [100, 100],
    ]);
    expect(updates[2]!.at - updates[0]!.at).toBeGreaterThanOrEqual(80);
    expect(result.isError).toBeUndefined();
  });

  it('still completes when nobody listens for progress or logs', async () => {
    expect(completed(await fixture.call('test_tool_with_progress')).isError).toBeUndefined();
    expect(completed(await fixture.call('test_tool_with_logging')).isError).toBeUndefined();
  });

  it('stops early when the caller cancels', async () => {
    const controller = new AbortController();
    const onLog = vi.fn();
    setTimeout(() => controller.abort(), 20);
    const error = await fixture.call('test_tool_with_logging', {}, { signal: controller.signal, onLog }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PorticoError);
    expect((error as PorticoError).code).toBe('cancelled');
    await new Promise((r) => setTimeout(r, 150));
    // The delay is tied to the call's signal, so the later messages never go out.
    expect(onLog).toHaveBeenCalledTimes(1);
  });
});

describe('test_sampling', () => {
  it('asks the client model with the prompt, then reports its reply', async () => {
    const round = inputRound(await fixture.call('test_sampling', { prompt: 'Say hi' }));
    expect(Object.keys(round.requests)).toEqual(['llm']);
    expect(requestAt(round, 'llm')).toEqual({
      method: 'sampling/createMessage',
      params: { messages: [{ role: 'user', content: { type: 'text', text: 'Say hi' } }], maxTokens: 100 },
    });
    const result = completed(await fixture.call('test_sampling', { prompt: 'Say hi' }, { input: { responses: { llm: answers.sampling('This is a test response from the client') } } }));
    expect(textOf(result)).toBe('LLM response: This is a test response from the client');
  });

  it('accepts array content from newer clients', async () => {
    const reply = { role: 'assistant', content: [{ type: 'text', text: 'part one' }, { type: 'text', text: 'part two' }], model: 'm' };
    const result = completed(await fixture.call('test_sampling', { prompt: 'x' }, { input: { responses: { llm: reply } } }));
    expect(textOf(result)).toBe('LLM response: part one\npart two');
  });

  it('asks again when the reply is malformed', async () => {
    for (const bad of [undefined, 'text', { content: { type: 'text', text: 42 } }, { content: [] }, { content: {} }]) {
      inputRound(await fixture.call('test_sampling', { prompt: 'x' }, { input: { responses: { llm: bad } } }));
    }
  });

  it('requires its prompt argument', async () => {
    expect(completed(await fixture.call('test_sampling', {})).isError).toBe(true);
  });
});

describe('test_elicitation', () => {
  it('asks with the given message and a username/email form, then reports the answer', async () => {
    const round = inputRound(await fixture.call('test_elicitation', { message: 'Please provide your information' }));
    const request = requestAt(round, 'user_info');
    expect(request.method).toBe('elicitation/create');
    expect(request.params).toMatchObject({
      message: 'Please provide your information',
      requestedSchema: { type: 'object', properties: { username: { type: 'string' }, email: { type: 'string' } }, required: ['username', 'email'] },
    });
    const content = { username: 'testuser', email: 'test@example.com' };
    const result = completed(await fixture.call('test_elicitation', { message: 'm' }, { input: { responses: { user_info: answers.accept(content) } } }));
    expect(textOf(result)).toBe(`User response: action=accept, content=${JSON.stringify(content)}`);
  });

  it('asks again when accepted content does not fit the form', async () => {
    for (const bad of [{ username: 'u' }, { username: 1, email: 'e' }, 'not an object']) {
      inputRound(await fixture.call('test_elicitation', { message: 'm' }, { input: { responses: { user_info: answers.accept(bad as never) } } }));
    }
    inputRound(await fixture.call('test_elicitation', { message: 'm' }, { input: { responses: { user_info: { action: 'maybe' } } } }));
    inputRound(await fixture.call('test_elicitation', { message: 'm' }, { input: { responses: { other_key: answers.accept({ username: 'u', email: 'e' }) } } }));
  });

  it('completes when the user declines', async () => {
    const result = completed(await fixture.call('test_elicitation', { message: 'm' }, { input: { responses: { user_info: { action: 'decline' } } } }));
    expect(textOf(result)).toBe('User response: action=decline, content=none');
  });
});

describe('SEP-1034 and SEP-1330 elicitation schemas', () => {
  it('test_elicitation_sep1034_defaults puts a default on every primitive type', async () => {
    const round = inputRound(await fixture.call('test_elicitation_sep1034_defaults'));
    const schema = requestAt(round, 'defaults').params as { requestedSchema: { properties: Record<string, { type: string; default: unknown; enum?: string[] }> } };
    const p = schema.requestedSchema.properties;
    expect(p.name).toMatchObject({ type: 'string', default: 'John Doe' });
    expect(p.age).toMatchObject({ type: 'integer', default: 30 });
    expect(p.score).toMatchObject({ type: 'number', default: 95.5 });
    expect(p.status).toMatchObject({ type: 'string', enum: ['active', 'inactive', 'pending'], default: 'active' });
    expect(p.verified).toMatchObject({ type: 'boolean', default: true });

    const content = { name: 'Jane Smith', age: 25, score: 88, status: 'inactive', verified: false };
    const result = completed(await fixture.call('test_elicitation_sep1034_defaults', {}, { input: { responses: { defaults: answers.accept(content) } } }));
    expect(textOf(result)).toBe(`Elicitation completed: action=accept, content=${JSON.stringify(content)}`);
    // An integer field answered with a fraction does not fit.
    inputRound(await fixture.call('test_elicitation_sep1034_defaults', {}, { input: { responses: { defaults: answers.accept({ ...content, age: 2.5 }) } } }));
  });

  it('test_elicitation_sep1330_enums offers all five enum variants', async () => {
    const round = inputRound(await fixture.call('test_elicitation_sep1330_enums'));
    const { properties: p } = (requestAt(round, 'enums').params as { requestedSchema: { properties: Record<string, Record<string, unknown>> } }).requestedSchema;
    expect(p.untitledSingle).toMatchObject({ type: 'string', enum: ['option1', 'option2', 'option3'] });
    expect(p.untitledSingle).not.toHaveProperty('oneOf');
    expect(p.untitledSingle).not.toHaveProperty('enumNames');
    expect(p.titledSingle).toMatchObject({ type: 'string', oneOf: [{ const: 'value1', title: 'First Option' }, { const: 'value2' }, { const: 'value3' }] });
    expect(p.titledSingle).not.toHaveProperty('enum');
    expect(p.legacyEnum).toMatchObject({ type: 'string', enum: ['opt1', 'opt2', 'opt3'] });
    expect((p.legacyEnum!.enumNames as string[]).length).toBe(3);
    expect(p.untitledMulti).toMatchObject({ type: 'array', items: { type: 'string', enum: ['option1', 'option2', 'option3'] } });
    expect(p.untitledMulti!.items).not.toHaveProperty('anyOf');
    expect(p.titledMulti).toMatchObject({ type: 'array', items: { anyOf: [{ const: 'value1' }, { const: 'value2' }, { const: 'value3' }] } });
    for (const choice of (p.titledMulti!.items as { anyOf: { title?: string }[] }).anyOf) expect(choice.title).toMatch(/\S/);

    const content = { untitledSingle: 'option1', titledSingle: 'value1', legacyEnum: 'opt1', untitledMulti: ['option1', 'option2'], titledMulti: ['value1', 'value2'] };
    expect(textOf(completed(await fixture.call('test_elicitation_sep1330_enums', {}, { input: { responses: { enums: answers.accept(content) } } })))).toContain('action=accept');
    inputRound(await fixture.call('test_elicitation_sep1330_enums', {}, { input: { responses: { enums: answers.accept({ ...content, titledSingle: 'value9' }) } } }));
  });
});
