import { describe, expect, it } from 'vitest';
import type { NeedsInput } from '../../../src/core/pipeline/input-requests.js';
import { answers, completed, inputRound, requestAt, startFixture, textOf } from './fixture-harness.js';

const fixture = await startFixture();

/** Answer a round the way the suite does: same call again, with responses and the echoed state. */
const retry = (name: string, round: NeedsInput, responses: Record<string, unknown>) => fixture.call(name, {}, { input: { responses, state: round.state } });

describe('single-input tools', () => {
  it('test_input_required_result_elicitation asks for a name, then greets', async () => {
    const round = inputRound(await fixture.call('test_input_required_result_elicitation'));
    expect(Object.keys(round.requests)).toEqual(['user_name']);
    const request = requestAt(round, 'user_name');
    expect(request.method).toBe('elicitation/create');
    expect(request.params).toMatchObject({ message: 'What is your name?', requestedSchema: { properties: { name: { type: 'string' } }, required: ['name'] } });
    const result = completed(await retry('test_input_required_result_elicitation', round, { user_name: answers.accept({ name: 'Alice' }) }));
    expect(textOf(result)).toBe('Hello, Alice!');
  });

  it('re-asks when the answer is under the wrong key, has the wrong type, or is absent', async () => {
    const name = 'test_input_required_result_elicitation';
    for (const responses of [{ wrong_key: answers.accept({ data: 'wrong' }) }, { user_name: 12345 }, { user_name: answers.accept({ name: 7 }) }, {}]) {
      const again = inputRound(await fixture.call(name, {}, { input: { responses } }));
      expect(Object.keys(again.requests)).toEqual(['user_name']);
    }
    // `inputResponses: null` reaches the handler as "no responses".
    inputRound(await fixture.call(name, {}, { input: { responses: undefined } }));
  });

  it('ignores unexpected extra responses', async () => {
    const result = completed(
      await fixture.call('test_input_required_result_elicitation', {}, { input: { responses: { user_name: answers.accept({ name: 'Alice' }), unknown_extra_key: answers.accept({ foo: 'bar' }) } } }),
    );
    expect(textOf(result)).toBe('Hello, Alice!');
  });

  it('test_input_required_result_sampling asks the capital question, then reports the answer', async () => {
    const round = inputRound(await fixture.call('test_input_required_result_sampling'));
    expect(requestAt(round, 'capital_question')).toEqual({
      method: 'sampling/createMessage',
      params: { messages: [{ role: 'user', content: { type: 'text', text: 'What is the capital of France?' } }], maxTokens: 100 },
    });
    const result = completed(await retry('test_input_required_result_sampling', round, { capital_question: answers.sampling('The capital of France is Paris.') }));
    expect(textOf(result)).toContain('The capital of France is Paris.');
  });

  it('test_input_required_result_list_roots asks for roots, then lists them', async () => {
    const round = inputRound(await fixture.call('test_input_required_result_list_roots'));
    expect(requestAt(round, 'client_roots')).toEqual({ method: 'roots/list', params: {} });
    const result = completed(await retry('test_input_required_result_list_roots', round, { client_roots: answers.roots() }));
    expect(textOf(result)).toContain('file:///test/root (Test Root)');
    inputRound(await retry('test_input_required_result_list_roots', round, { client_roots: { roots: [{ name: 'no uri' }] } }));
  });
});

describe('state-carrying tools', () => {
  it('test_input_required_result_request_state round-trips its state and says state-ok', async () => {
    const name = 'test_input_required_result_request_state';
    const round = inputRound(await fixture.call(name));
    expect(round.state).toBeDefined();
    expect(requestAt(round, 'confirm').params).toMatchObject({ requestedSchema: { properties: { ok: { type: 'boolean' } } } });
    const result = completed(await retry(name, round, { confirm: answers.accept({ ok: true }) }));
    expect(textOf(result)).toContain('state-ok');
    // Without the state it issued, it starts over rather than claiming the state was fine.
    inputRound(await fixture.call(name, {}, { input: { responses: { confirm: answers.accept({ ok: true }) } } }));
  });

  it('test_input_required_result_multiple_inputs asks three kinds at once and completes when all are answered', async () => {
    const name = 'test_input_required_result_multiple_inputs';
    const round = inputRound(await fixture.call(name));
    expect(Object.fromEntries(Object.entries(round.requests).map(([k, r]) => [k, r.method]))).toEqual({
      user_name: 'elicitation/create',
      greeting: 'sampling/createMessage',
      client_roots: 'roots/list',
    });
    expect(requestAt(round, 'greeting').params).toMatchObject({ maxTokens: 50, messages: [{ content: { text: 'Generate a greeting' } }] });
    const result = completed(
      await retry(name, round, { user_name: answers.accept({ name: 'Alice' }), greeting: answers.sampling('Hello there!'), client_roots: answers.roots() }),
    );
    expect(textOf(result)).toContain('Hello, Alice!');
    expect(textOf(result)).toContain('Hello there!');
    expect(textOf(result)).toContain('file:///test/root');
  });

  it('re-asks only what is missing and keeps earlier answers in the state', async () => {
    const name = 'test_input_required_result_multiple_inputs';
    const first = inputRound(await fixture.call(name));
    const second = inputRound(await retry(name, first, { user_name: answers.accept({ name: 'Bob' }), greeting: 'not a sampling result' }));
    expect(Object.keys(second.requests).sort()).toEqual(['client_roots', 'greeting']);
    const result = completed(await retry(name, second, { greeting: answers.sampling('Hi!'), client_roots: answers.roots() }));
    expect(textOf(result)).toContain('Hello, Bob!');
  });

  it('test_input_required_result_multi_round takes three rounds with a new state each time', async () => {
    const name = 'test_input_required_result_multi_round';
    const r1 = inputRound(await fixture.call(name));
    expect(Object.keys(r1.requests)).toEqual(['step1']);
    expect(r1.state).toBeDefined();

    const r2 = inputRound(await retry(name, r1, { step1: answers.accept({ name: 'Alice' }) }));
    expect(Object.keys(r2.requests)).toEqual(['step2']);
    expect(requestAt(r2, 'step2').params).toMatchObject({ requestedSchema: { properties: { color: { type: 'string' } }, required: ['color'] } });
    expect(JSON.stringify(r2.state)).not.toBe(JSON.stringify(r1.state));

    const r3 = completed(await retry(name, r2, { step2: answers.accept({ color: 'blue' }) }));
    expect(textOf(r3)).toContain('Alice');
    expect(textOf(r3)).toContain('blue');
  });

  it('multi_round repeats a round whose answer is invalid, keeping its state', async () => {
    const name = 'test_input_required_result_multi_round';
    const r1 = inputRound(await fixture.call(name));
    const r2 = inputRound(await retry(name, r1, { step1: answers.accept({ name: 'Alice' }) }));
    const again = inputRound(await retry(name, r2, { step2: answers.accept({ colour: 'blue' }) }));
    expect(Object.keys(again.requests)).toEqual(['step2']);
    expect(again.state).toEqual(r2.state);
    // A step-2 answer without round-2 state cannot complete: it starts again at step 1.
    expect(Object.keys(inputRound(await fixture.call(name, {}, { input: { responses: { step2: answers.accept({ color: 'red' }) } } })).requests)).toEqual(['step1']);
  });

  it('test_input_required_result_tampered_state always issues state and completes only with its own', async () => {
    const name = 'test_input_required_result_tampered_state';
    const round = inputRound(await fixture.call(name));
    expect(round.state).toBeDefined();
    const confirm = { confirm: answers.accept({ ok: true }) };
    expect(textOf(completed(await retry(name, round, confirm)))).toMatch(/verified/);
    // If a surface ever let a foreign state through, the tool would re-ask, still with state.
    const again = inputRound(await fixture.call(name, {}, { input: { responses: confirm, state: 'something-TAMPERED' } }));
    expect(again.state).toBeDefined();
  });
});

describe('test_input_required_result_capabilities', () => {
  const name = 'test_input_required_result_capabilities';
  const methods = (round: NeedsInput) => Object.values(round.requests).map((r) => r.method).sort();

  it('with only sampling declared, asks only for sampling', async () => {
    const round = inputRound(await fixture.call(name, {}, {}, { sampling: {} }));
    expect(methods(round)).toEqual(['sampling/createMessage']);
    const result = completed(await fixture.call(name, {}, { input: { responses: { capital_question: answers.sampling('Paris') }, state: round.state } }, { sampling: {} }));
    expect(textOf(result)).toContain('Paris');
  });

  it('asks for everything the client declared', async () => {
    expect(methods(inputRound(await fixture.call(name, {}, {}, { sampling: {}, elicitation: {}, roots: {} })))).toEqual([
      'elicitation/create',
      'roots/list',
      'sampling/createMessage',
    ]);
    expect(methods(inputRound(await fixture.call(name, {}, {}, { elicitation: { form: {} } })))).toEqual(['elicitation/create']);
  });

  it('does not send a form to a client that only supports URL elicitation', async () => {
    expect(methods(inputRound(await fixture.call(name, {}, {}, { elicitation: { url: {} }, roots: {} })))).toEqual(['roots/list']);
  });

  it('completes without asking when nothing is declared', async () => {
    expect(textOf(completed(await fixture.call(name, {}, {}, {})))).toMatch(/nothing to ask/);
  });
});
