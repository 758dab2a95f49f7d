/**
 * The SEP-2322 ("input_required" multi-round-trip) fixtures of the 2026-07-28 suite. Each handler
 * is re-entered once per round: with no usable answer it returns `needsInput`, with one it
 * completes. Anything missing or malformed is asked again rather than completed, and state that
 * comes back in an unexpected shape restarts the flow: signing state and rejecting tampered state
 * is the surface's job, so a handler only ever sees the state it issued, or none.
 */
import type { ToolEntry } from '../../core/catalog/entries.js';
import type { CallToolResult, JsonObject } from '../../core/catalog/mcp-shapes.js';
import type { ExecutionContext } from '../../core/pipeline/execution-context.js';
import { ask, needsInput, type InputRequest, type NeedsInput } from '../../core/pipeline/input-requests.js';
import { answerTo, askModel, clientCan, defineForm, isObject, listedRoots, sampledText, type ElicitationAnswer, type Root } from './client-input.js';
import { FIXTURE_SOURCE, noArguments, textResult } from './fixture-kit.js';

const nameForm = defineForm({ type: 'object', properties: { name: { type: 'string', description: 'Your name' } }, required: ['name'] }, 'name form');
const colorForm = defineForm(
  { type: 'object', properties: { color: { type: 'string', description: 'Your favorite color' } }, required: ['color'] },
  'color form',
);
const confirmForm = defineForm({ type: 'object', properties: { ok: { type: 'boolean', description: 'Confirm to continue' } }, required: ['ok'] }, 'confirm form');

const askName = (): InputRequest => nameForm.ask('What is your name?');
const askColor = (name: string): InputRequest => colorForm.ask(`Thanks, ${name}. What is your favorite color?`);
const askConfirm = (): InputRequest => confirmForm.ask('Please confirm to continue.');
const describeRoots = (roots: Root[]) => (roots.length ? roots.map((r) => (r.name ? `${r.uri} (${r.name})` : r.uri)).join(', ') : 'none');
const greet = (answer: ElicitationAnswer) => (answer.action === 'accept' ? `Hello, ${String(answer.content.name)}!` : `No name given (the user chose ${answer.action}).`);

/** Marker the request-state fixture keeps in its state; the suite looks for it in the final text. */
const STATE_MARKER = 'state-ok';

/** One question a fixture may ask: how to ask it, and how to summarise a valid answer (undefined: invalid). */
interface Question {
  ask(): InputRequest;
  summarise(answer: unknown): string | undefined;
}

const QUESTIONS = {
  user_name: { ask: askName, summarise: (a: unknown) => ((x) => x && greet(x))(nameForm.parse(a)) },
  greeting: { ask: () => askModel('Generate a greeting', 50), summarise: sampledText },
  capital_question: { ask: () => askModel('What is the capital of France?', 100), summarise: sampledText },
  client_roots: { ask: ask.roots, summarise: (a: unknown) => ((r) => r && describeRoots(r))(listedRoots(a)) },
} satisfies Record<string, Question>;
type QuestionKey = keyof typeof QUESTIONS;

/**
 * Ask several questions at once. Valid answers ride along in the state, so a partial reply only
 * re-asks what is still missing; fresh answers win over carried ones.
 */
function gather(ctx: ExecutionContext, keys: readonly QuestionKey[]): { summary: string[] } | NeedsInput {
  const state = ctx.input.state<{ answers?: unknown }>();
  const carried = isObject(state) && isObject(state.answers) ? state.answers : {};
  const answers: JsonObject = {};
  const summary: string[] = [];
  const missing: Record<string, InputRequest> = {};
  for (const key of keys) {
    const question: Question = QUESTIONS[key];
    const fresh = answerTo(ctx.input, key);
    const chosen = question.summarise(fresh) !== undefined ? fresh : carried[key];
    const text = question.summarise(chosen);
    if (text === undefined) missing[key] = question.ask();
    else {
      answers[key] = chosen;
      summary.push(`${key}: ${text}`);
    }
  }
  return Object.keys(missing).length ? needsInput(missing, { answers }) : { summary };
}

const finish = (outcome: { summary: string[] } | NeedsInput, lead: string): CallToolResult | NeedsInput =>
  'summary' in outcome ? textResult(`${lead} ${outcome.summary.join('; ')}`) : outcome;

type MultiRoundState = { round: 1 } | { round: 2; name: string };

function multiRound(_args: JsonObject, ctx: ExecutionContext): CallToolResult | NeedsInput {
  const state = ctx.input.state<MultiRoundState>();
  const restart = () => needsInput({ step1: askName() }, { round: 1 } satisfies MultiRoundState);
  if (isObject(state) && state.round === 2 && typeof state.name === 'string') {
    const color = colorForm.read(ctx.input, 'step2');
    if (!color) return needsInput({ step2: askColor(state.name) }, state);
    const favorite = color.action === 'accept' ? String(color.content.color) : `not given (the user chose ${color.action})`;
    return textResult(`Completed after 3 rounds: name ${state.name}, favorite color ${favorite}.`);
  }
  if (isObject(state) && state.round === 1) {
    const name = nameForm.read(ctx.input, 'step1');
    if (!name) return restart();
    if (name.action !== 'accept') return textResult(`Stopped after round 1: the user chose ${name.action}.`);
    // The state changes every round (the suite checks that round 2's differs from round 1's).
    const next = { round: 2, name: String(name.content.name) } satisfies MultiRoundState;
    return needsInput({ step2: askColor(next.name) }, next);
  }
  return restart();
}

/**
 * Asks only for what the client declared it can answer: the suite's capability check declares
 * sampling alone and fails on any elicitation request.
 */
function capabilities(_args: JsonObject, ctx: ExecutionContext): CallToolResult | NeedsInput {
  const caps = ctx.client.capabilities;
  const keys: QuestionKey[] = [];
  if (clientCan.elicitForm(caps)) keys.push('user_name');
  if (clientCan.sample(caps)) keys.push('capital_question');
  if (clientCan.listRoots(caps)) keys.push('client_roots');
  if (keys.length === 0) return textResult('The client declared none of elicitation, sampling or roots, so there is nothing to ask.');
  return finish(gather(ctx, keys), `Asked only for declared capabilities (${keys.join(', ')}).`);
}

export function inputRequiredTools(): ToolEntry[] {
  const tool = (entry: Omit<ToolEntry, 'kind' | 'source' | 'inputSchema'>): ToolEntry => ({ kind: 'tool', source: FIXTURE_SOURCE, inputSchema: noArguments(), ...entry });
  return [
    tool({
      name: 'test_input_required_result_elicitation',
      description: "Asks the user's name through an input_required elicitation, then greets them.",
      handler(_args, ctx) {
        const answer = nameForm.read(ctx.input, 'user_name');
        return answer ? textResult(greet(answer)) : needsInput({ user_name: askName() });
      },
    }),
    tool({
      name: 'test_input_required_result_sampling',
      description: "Asks the client's model a question through an input_required sampling request.",
      handler(_args, ctx) {
        const reply = sampledText(answerTo(ctx.input, 'capital_question'));
        return reply === undefined ? needsInput({ capital_question: QUESTIONS.capital_question.ask() }) : textResult(`The model answered: ${reply}`);
      },
    }),
    tool({
      name: 'test_input_required_result_list_roots',
      description: "Asks for the client's roots through an input_required roots/list request.",
      handler(_args, ctx) {
        const roots = listedRoots(answerTo(ctx.input, 'client_roots'));
        return roots ? textResult(`The client has ${roots.length} root(s): ${describeRoots(roots)}`) : needsInput({ client_roots: ask.roots() });
      },
    }),
    tool({
      name: 'test_input_required_result_request_state',
      description: 'Asks for a confirmation and checks that its request state survived the round trip.',
      handler(_args, ctx) {
        const state = ctx.input.state<{ check?: unknown }>();
        const answer = confirmForm.read(ctx.input, 'confirm');
        if (!answer || !isObject(state) || state.check !== STATE_MARKER) return needsInput({ confirm: askConfirm() }, { check: STATE_MARKER });
        const confirmed = answer.action === 'accept' ? String(answer.content.ok) : answer.action;
        return textResult(`Request state round-tripped intact: ${STATE_MARKER} (confirmed: ${confirmed}).`);
      },
    }),
    tool({
      name: 'test_input_required_result_multiple_inputs',
      description: 'Asks for an elicitation, a sampling reply and the roots in one input_required round.',
      handler: (_args, ctx) => finish(gather(ctx, ['user_name', 'greeting', 'client_roots']), 'All inputs received.'),
    }),
    tool({
      name: 'test_input_required_result_multi_round',
      description: 'Asks for a name, then a favorite color, and completes on the third round; the state changes every round.',
      handler: multiRound,
    }),
    tool({
      name: 'test_input_required_result_tampered_state',
      description: 'Issues request state the server must protect; a tampered copy must be rejected before this tool runs again.',
      handler(_args, ctx) {
        const state = ctx.input.state<{ issuedFor?: unknown }>();
        const answer = confirmForm.read(ctx.input, 'confirm');
        // Always hand out state on a re-ask: the tamper check needs state to tamper with.
        if (!answer || !isObject(state) || state.issuedFor !== 'tampered_state') return needsInput({ confirm: askConfirm() }, { issuedFor: 'tampered_state' });
        return textResult('Request state verified and accepted.');
      },
    }),
    tool({
      name: 'test_input_required_result_capabilities',
      description: 'Requests only the kinds of input the client declared capabilities for.',
      handler: capabilities,
    }),
  ];
}
