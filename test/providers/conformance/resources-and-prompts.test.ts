import { describe, expect, it } from 'vitest';
import { PorticoError } from '../../../src/core/errors.js';
import type { ReadResourceResult } from '../../../src/core/catalog/mcp-shapes.js';
import { isNeedsInput } from '../../../src/core/pipeline/input-requests.js';
import { answers, completedPrompt, inputRound, requestAt, startFixture } from './fixture-harness.js';
import { PNG_1X1_BASE64 } from '../../../src/providers/conformance/media.js';

const { pipeline, scope } = await startFixture();

async function read(uri: string): Promise<ReadResourceResult> {
  const result = await pipeline.readResource(scope(), uri);
  if (isNeedsInput(result)) throw new Error('unexpected needsInput');
  return result;
}

describe('resources', () => {
  it('reads the static text resource', async () => {
    expect(await read('test://static-text')).toEqual({
      contents: [{ uri: 'test://static-text', mimeType: 'text/plain', text: 'This is the content of the static text resource.' }],
    });
  });

  it('reads the static binary resource as a base64 PNG blob', async () => {
    const { contents } = await read('test://static-binary');
    expect(contents).toEqual([{ uri: 'test://static-binary', mimeType: 'image/png', blob: PNG_1X1_BASE64 }]);
    const first = contents[0]!;
    expect('blob' in first && Buffer.from(first.blob, 'base64').subarray(1, 4).toString('ascii')).toBe('PNG');
  });

  it('reads the watched resource', async () => {
    expect(await read('test://watched-resource')).toMatchObject({ contents: [{ uri: 'test://watched-resource', mimeType: 'text/plain', text: 'Watched resource content' }] });
  });

  it('lists the resources with names and MIME types', () => {
    const listed = Object.fromEntries(pipeline.listResources(scope()).map((r) => [r.uri, r.mimeType]));
    expect(listed).toEqual({ 'test://static-text': 'text/plain', 'test://static-binary': 'image/png', 'test://watched-resource': 'text/plain' });
  });

  it('fills the template with the id', async () => {
    for (const id of ['123', 'abc-9']) {
      const { contents } = await read(`test://template/${id}/data`);
      expect(contents).toHaveLength(1);
      const c = contents[0]!;
      expect(c).toMatchObject({ uri: `test://template/${id}/data`, mimeType: 'application/json' });
      expect('text' in c && JSON.parse(c.text)).toEqual({ id, templateTest: true, data: `Data for ID: ${id}` });
    }
  });

  it('reports an unknown resource as not found with its uri, never as empty contents', async () => {
    const uri = 'test://nonexistent-resource-for-conformance-testing';
    const error = await pipeline.readResource(scope(), uri).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PorticoError);
    expect(error).toMatchObject({ code: 'not_found', details: { uri } });
  });
});

describe('prompts', () => {
  it('renders the simple prompt', async () => {
    const result = completedPrompt(await pipeline.getPrompt(scope(), 'test_simple_prompt', undefined));
    expect(result.messages).toEqual([{ role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } }]);
  });

  it('substitutes both arguments', async () => {
    const result = completedPrompt(await pipeline.getPrompt(scope(), 'test_prompt_with_arguments', { arg1: 'testValue1', arg2: 'testValue2' }));
    expect(result.messages).toEqual([{ role: 'user', content: { type: 'text', text: "Prompt with arguments: arg1='testValue1', arg2='testValue2'" } }]);
  });

  it('refuses missing required arguments, naming them', async () => {
    await expect(pipeline.getPrompt(scope(), 'test_prompt_with_arguments', { arg1: 'x' })).rejects.toMatchObject({ code: 'validation_failed', details: { missing: ['arg2'] } });
    await expect(pipeline.getPrompt(scope(), 'test_prompt_with_embedded_resource', {})).rejects.toMatchObject({ code: 'validation_failed', details: { missing: ['resourceUri'] } });
    const args = pipeline.listPrompts(scope()).find((p) => p.name === 'test_prompt_with_arguments')?.arguments;
    expect(args?.map((a) => [a.name, a.required])).toEqual([
      ['arg1', true],
      ['arg2', true],
    ]);
  });

  it('embeds the requested resource', async () => {
    const result = completedPrompt(await pipeline.getPrompt(scope(), 'test_prompt_with_embedded_resource', { resourceUri: 'test://example-resource' }));
    expect(result.messages[0]!.content).toEqual({
      type: 'resource',
      resource: { uri: 'test://example-resource', mimeType: 'text/plain', text: 'Embedded resource content for testing.' },
    });
    expect(result.messages[1]!.content).toEqual({ type: 'text', text: 'Please process the embedded resource above.' });
  });

  it('includes an image', async () => {
    const result = completedPrompt(await pipeline.getPrompt(scope(), 'test_prompt_with_image', {}));
    expect(result.messages.map((m) => m.content.type)).toEqual(['image', 'text']);
    expect(result.messages[0]!.content).toEqual({ type: 'image', data: PNG_1X1_BASE64, mimeType: 'image/png' });
  });

  it('test_input_required_result_prompt asks for context, then renders with it', async () => {
    const round = inputRound(await pipeline.getPrompt(scope(), 'test_input_required_result_prompt', {}));
    expect(requestAt(round, 'user_context')).toMatchObject({ method: 'elicitation/create', params: { requestedSchema: { properties: { context: { type: 'string' } } } } });
    inputRound(await pipeline.getPrompt(scope(), 'test_input_required_result_prompt', {}, { input: { responses: { user_context: answers.accept({ ctx: 1 }) } } }));
    const result = completedPrompt(
      await pipeline.getPrompt(scope(), 'test_input_required_result_prompt', {}, { input: { responses: { user_context: answers.accept({ context: 'test context' }) } } }),
    );
    expect(result.messages).toHaveLength(1);
    expect(JSON.stringify(result.messages)).toContain('test context');
  });
});

describe('completion', () => {
  const complete = (value: string, name = 'arg1') => pipeline.complete(scope(), { type: 'ref/prompt', name: 'test_prompt_with_arguments' }, { name, value });

  it('suggests arg1 values starting with what was typed', async () => {
    const result = await complete('test');
    expect(result.values.length).toBeGreaterThan(0);
    for (const v of result.values) expect(v.toLowerCase().startsWith('test')).toBe(true);
    expect(result.total).toBe(result.values.length);
    expect((await complete('ex')).values).toEqual(['example']);
    expect((await complete('')).values.length).toBeGreaterThan(2);
    expect((await complete('zzz')).values).toEqual([]);
    // A prefix, not a substring: "value" is inside testValue1 but does not start it.
    expect((await complete('value')).values).toEqual([]);
    expect((await complete('TESTv')).values).toEqual(['testValue1', 'testValue2']);
  });

  it('answers an argument without a completer with an empty list', async () => {
    expect((await complete('x', 'arg2')).values).toEqual([]);
  });
});
