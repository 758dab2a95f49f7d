/**
 * Tools that talk back while they run (progress, log messages) or ask the client for something
 * (sampling, elicitation). They are the 2025-era conformance scenarios, but the asking tools are
 * written in the multi-round-trip style: the surface turns `needsInput` into a server-to-client
 * request on legacy sessions and into an `input_required` result on the modern wire.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { ToolEntry } from '../../core/catalog/entries.js';
import type { JsonObject } from '../../core/catalog/mcp-shapes.js';
import { needsInput } from '../../core/pipeline/input-requests.js';
import { answerTo, askModel, defineForm, describeAnswer, sampledText } from './client-input.js';
import { FIXTURE_SOURCE, noArguments, textResult } from './fixture-kit.js';

/** Spacing of the log and progress notifications; the suite only needs them spread over the call. */
export const NOTIFICATION_SPACING_MS = 50;

const contactForm = defineForm(
  {
    type: 'object',
    properties: {
      username: { type: 'string', description: 'Your user name' },
      email: { type: 'string', description: 'Your e-mail address' },
    },
    required: ['username', 'email'],
  },
  'test_elicitation form',
);

/** SEP-1034: every primitive type with a default the client should pre-fill. */
const defaultsForm = defineForm(
  {
    type: 'object',
    properties: {
      name: { type: 'string', description: 'User name', default: 'John Doe' },
      age: { type: 'integer', description: 'User age', default: 30 },
      score: { type: 'number', description: 'User score', default: 95.5 },
      status: { type: 'string', description: 'User status', enum: ['active', 'inactive', 'pending'], default: 'active' },
      verified: { type: 'boolean', description: 'Verification status', default: true },
    },
  },
  'test_elicitation_sep1034_defaults form',
);

/** SEP-1330: the five enum shapes (untitled/titled single, legacy enumNames, untitled/titled multi). */
const enumsForm = defineForm(
  {
    type: 'object',
    properties: {
      untitledSingle: { type: 'string', description: 'Untitled single-select', enum: ['option1', 'option2', 'option3'] },
      titledSingle: {
        type: 'string',
        description: 'Titled single-select',
        oneOf: [
          { const: 'value1', title: 'First Option' },
          { const: 'value2', title: 'Second Option' },
          { const: 'value3', title: 'Third Option' },
        ],
      },
      legacyEnum: {
        type: 'string',
        description: 'Legacy titled enum',
        enum: ['opt1', 'opt2', 'opt3'],
        enumNames: ['Option One', 'Option Two', 'Option Three'],
      },
      untitledMulti: {
        type: 'array',
        description: 'Untitled multi-select',
        items: { type: 'string', enum: ['option1', 'option2', 'option3'] },
      },
      titledMulti: {
        type: 'array',
        description: 'Titled multi-select',
        items: {
          anyOf: [
            { const: 'value1', title: 'First Choice' },
            { const: 'value2', title: 'Second Choice' },
            { const: 'value3', title: 'Third Choice' },
          ],
        },
      },
    },
  },
  'test_elicitation_sep1330_enums form',
);

const stringArgument = (name: string, description: string): JsonObject => ({
  type: 'object',
  properties: { [name]: { type: 'string', description } },
  required: [name],
});

export function interactionTools(): ToolEntry[] {
  const tool = (entry: Omit<ToolEntry, 'kind' | 'source'>): ToolEntry => ({ kind: 'tool', source: FIXTURE_SOURCE, ...entry });
  return [
    tool({
      name: 'test_tool_with_logging',
      description: 'Sends three info log messages while it runs, then returns text.',
      inputSchema: noArguments(),
      annotations: { readOnlyHint: true },
      async handler(_args, ctx) {
        ctx.log('info', 'Tool execution started', FIXTURE_SOURCE);
        await delay(NOTIFICATION_SPACING_MS, undefined, { signal: ctx.signal });
        ctx.log('info', 'Tool processing data', FIXTURE_SOURCE);
        await delay(NOTIFICATION_SPACING_MS, undefined, { signal: ctx.signal });
        ctx.log('info', 'Tool execution completed', FIXTURE_SOURCE);
        return textResult('Tool with logging executed successfully');
      },
    }),
    tool({
      name: 'test_tool_with_progress',
      description: 'Reports progress 0, 50 and 100 of 100 while it runs, then returns text.',
      inputSchema: noArguments(),
      annotations: { readOnlyHint: true },
      async handler(_args, ctx) {
        for (const progress of [0, 50, 100]) {
          if (progress > 0) await delay(NOTIFICATION_SPACING_MS, undefined, { signal: ctx.signal });
          ctx.progress({ progress, total: 100, message: `Completed step ${progress / 50 + 1} of 3` });
        }
        return textResult('Tool with progress executed successfully');
      },
    }),
    tool({
      name: 'test_sampling',
      description: "Asks the client's model to answer the prompt and returns its reply.",
      inputSchema: stringArgument('prompt', 'Prompt to send to the client model'),
      handler(args, ctx) {
        const reply = sampledText(answerTo(ctx.input, 'llm'));
        if (reply === undefined) return needsInput({ llm: askModel(args.prompt as string, 100) });
        return textResult(`LLM response: ${reply}`);
      },
    }),
    tool({
      name: 'test_elicitation',
      description: 'Asks the user for a user name and e-mail address and returns the answer.',
      inputSchema: stringArgument('message', 'Message shown to the user'),
      handler(args, ctx) {
        const answer = contactForm.read(ctx.input, 'user_info');
        if (!answer) return needsInput({ user_info: contactForm.ask(args.message as string) });
        return textResult(`User response: ${describeAnswer(answer)}`);
      },
    }),
    tool({
      name: 'test_elicitation_sep1034_defaults',
      description: 'Asks for a form whose fields all carry default values (SEP-1034).',
      inputSchema: noArguments(),
      handler(_args, ctx) {
        const answer = defaultsForm.read(ctx.input, 'defaults');
        if (!answer) return needsInput({ defaults: defaultsForm.ask('Please review and update the form fields with defaults') });
        return textResult(`Elicitation completed: ${describeAnswer(answer)}`);
      },
    }),
    tool({
      name: 'test_elicitation_sep1330_enums',
      description: 'Asks for a form using all five enum schema variants (SEP-1330).',
      inputSchema: noArguments(),
      handler(_args, ctx) {
        const answer = enumsForm.read(ctx.input, 'enums');
        if (!answer) return needsInput({ enums: enumsForm.ask('Please select options from the enum fields') });
        return textResult(`Elicitation completed: ${describeAnswer(answer)}`);
      },
    }),
  ];
}
