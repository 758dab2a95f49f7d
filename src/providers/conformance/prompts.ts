/**
 * Prompts the suite renders, including the multi-round-trip prompt that shows `input_required`
 * works outside tools/call, and completion for one argument.
 */
import type { Completer, PromptEntry } from '../../core/catalog/entries.js';
import { needsInput } from '../../core/pipeline/input-requests.js';
import { defineForm } from './client-input.js';
import { FIXTURE_SOURCE } from './fixture-kit.js';
import { PNG_1X1_BASE64, PNG_MIME } from './media.js';

/** Suggestions for `arg1`; the suite completes "test", so some start with it. */
const ARG1_SUGGESTIONS = ['testValue1', 'testValue2', 'test-argument', 'example', 'sample'];

/** Case-insensitive prefix match: completion narrows as the user types. */
const completeArg1: Completer = (value) => {
  const typed = value.toLowerCase();
  const values = ARG1_SUGGESTIONS.filter((s) => s.toLowerCase().startsWith(typed));
  return { values, total: values.length, hasMore: false };
};

const contextForm = defineForm(
  { type: 'object', properties: { context: { type: 'string', description: 'Context to include in the prompt' } }, required: ['context'] },
  'test_input_required_result_prompt form',
);

export function fixturePrompts(): PromptEntry[] {
  const prompt = (entry: Omit<PromptEntry, 'kind' | 'source'>): PromptEntry => ({ kind: 'prompt', source: FIXTURE_SOURCE, ...entry });
  return [
    prompt({
      name: 'test_simple_prompt',
      description: 'A prompt without arguments.',
      get: () => ({ messages: [{ role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } }] }),
    }),
    prompt({
      name: 'test_prompt_with_arguments',
      description: 'A prompt that substitutes two required arguments.',
      arguments: [
        { name: 'arg1', description: 'First test argument', required: true },
        { name: 'arg2', description: 'Second test argument', required: true },
      ],
      get: (args) => ({ messages: [{ role: 'user', content: { type: 'text', text: `Prompt with arguments: arg1='${args.arg1}', arg2='${args.arg2}'` } }] }),
      complete: { arg1: completeArg1 },
    }),
    prompt({
      name: 'test_prompt_with_embedded_resource',
      description: 'A prompt that embeds a resource given by URI.',
      arguments: [{ name: 'resourceUri', description: 'URI of the resource to embed', required: true }],
      get: (args) => ({
        messages: [
          { role: 'user', content: { type: 'resource', resource: { uri: args.resourceUri!, mimeType: 'text/plain', text: 'Embedded resource content for testing.' } } },
          { role: 'user', content: { type: 'text', text: 'Please process the embedded resource above.' } },
        ],
      }),
    }),
    prompt({
      name: 'test_prompt_with_image',
      description: 'A prompt that includes an image.',
      get: () => ({
        messages: [
          { role: 'user', content: { type: 'image', data: PNG_1X1_BASE64, mimeType: PNG_MIME } },
          { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
        ],
      }),
    }),
    prompt({
      name: 'test_input_required_result_prompt',
      description: 'Asks the user for context through an input_required elicitation before rendering.',
      get(_args, ctx) {
        const answer = contextForm.read(ctx.input, 'user_context');
        if (!answer) return needsInput({ user_context: contextForm.ask('What context should the prompt include?') });
        const context = answer.action === 'accept' ? String(answer.content.context) : `(none: the user chose ${answer.action})`;
        return {
          description: 'A prompt rendered after an input_required round',
          messages: [{ role: 'user', content: { type: 'text', text: `Answer using this context: ${context}` } }],
        };
      },
    }),
  ];
}
