/** A provider with a small catalog for the REST mirror tests: tools, a resource, a template, a prompt. */
import { PorticoError } from '../../../src/core/errors.js';
import { ask, needsInput } from '../../../src/core/pipeline/input-requests.js';
import type { Provider } from '../../../src/providers/provider.js';

export interface FixtureProbe {
  /** Resolves with the abort reason the first time `wait_for_cancel` is cancelled. */
  readonly cancelled: Promise<unknown>;
}

const startsWith = (values: string[]) => (value: string) => {
  const hits = values.filter((v) => v.startsWith(value));
  return { values: hits, total: hits.length, hasMore: false };
};

export function catalogFixture(scheme = 'portico'): Provider & { probe: FixtureProbe } {
  let onCancel!: (reason: unknown) => void;
  const cancelled = new Promise<unknown>((resolve) => (onCancel = resolve));
  return {
    name: 'rest-fixture',
    probe: { cancelled },
    start({ catalog }) {
      catalog.add([
        {
          kind: 'tool',
          name: 'echo',
          description: 'Echo a text back',
          inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'], additionalProperties: false },
          handler: (args) => ({ content: [{ type: 'text', text: String(args.text) }], structuredContent: { text: args.text } }),
        },
        {
          kind: 'tool',
          name: 'ns/ping',
          description: 'A namespaced tool without arguments',
          inputSchema: { type: 'object' },
          handler: () => ({ content: [{ type: 'text', text: 'pong' }] }),
        },
        {
          kind: 'tool',
          name: 'refuse',
          description: 'Always fails with a caller-safe error',
          inputSchema: { type: 'object' },
          handler: () => {
            throw new PorticoError('forbidden', 'The vault is closed.');
          },
        },
        {
          kind: 'tool',
          name: 'crash',
          description: 'Fails with an internal error whose text must not leak',
          inputSchema: { type: 'object' },
          handler: () => {
            throw new Error('password=hunter2 at /srv/secret/path');
          },
        },
        {
          kind: 'tool',
          name: 'confirm_delete',
          description: 'Asks the user before doing anything',
          inputSchema: { type: 'object' },
          handler: () =>
            needsInput(
              { confirm: ask.elicit({ message: 'Delete everything?', requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } } }) },
              { secretState: 'do-not-return' },
            ),
        },
        {
          kind: 'tool',
          name: 'wait_for_cancel',
          description: 'Runs until cancelled',
          inputSchema: { type: 'object' },
          handler: (_args, ctx) =>
            new Promise((_, reject) => {
              ctx.signal.addEventListener('abort', () => {
                onCancel(ctx.signal.reason);
                reject(new PorticoError('cancelled'));
              });
            }),
        },
        {
          kind: 'tool',
          name: 'slow_ok',
          description: 'Takes a moment and reports whether it was cancelled meanwhile',
          inputSchema: { type: 'object', properties: { ms: { type: 'integer' } } },
          handler: async (args, ctx) => {
            await new Promise((r) => setTimeout(r, Number(args.ms ?? 150)));
            return { content: [{ type: 'text', text: ctx.signal.aborted ? 'aborted' : 'done' }] };
          },
        },
        {
          kind: 'resource',
          uri: `${scheme}://docs/readme`,
          name: 'readme',
          mimeType: 'text/markdown',
          read: (uri) => ({ contents: [{ uri, mimeType: 'text/markdown', text: '# Read me' }] }),
        },
        {
          kind: 'resourceTemplate',
          uriTemplate: `${scheme}://greetings/{name}`,
          name: 'greeting',
          mimeType: 'text/plain',
          read: (uri, vars) => ({ contents: [{ uri, mimeType: 'text/plain', text: `Hello, ${String(vars.name)}!` }] }),
          complete: { name: startsWith(['alice', 'albert', 'bob']) },
        },
        {
          kind: 'prompt',
          name: 'summarize',
          description: 'Summarize a topic',
          arguments: [
            { name: 'topic', description: 'What to summarize', required: true },
            { name: 'style', description: 'How' },
          ],
          get: (args) => ({
            description: 'A summary request',
            messages: [{ role: 'user', content: { type: 'text', text: `Summarize ${args.topic}${args.style ? ` in a ${args.style} style` : ''}.` } }],
          }),
          complete: { topic: startsWith(['cats', 'cars', 'dogs']) },
        },
      ]);
    },
  };
}
