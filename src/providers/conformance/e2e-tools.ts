/**
 * Fixture tools beyond the conformance suite, for Portico's own end-to-end tests and manual checks
 * with real clients: a long call that reports progress and honours cancellation, and a tool that
 * marks the watched resource as changed so subscriptions can be observed.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Catalog } from '../../core/catalog/catalog.js';
import type { ToolEntry } from '../../core/catalog/entries.js';
import { FIXTURE_SOURCE, textResult } from './fixture-kit.js';

export const WATCHED_RESOURCE = 'test://watched-resource';
const TICK_MS = 100;

export function e2eTools(catalog: Catalog): ToolEntry[] {
  return [
    {
      kind: 'tool',
      source: FIXTURE_SOURCE,
      name: 'test_slow_operation',
      description: 'Runs for the given number of seconds, reporting progress every 100 ms; stops early when cancelled.',
      inputSchema: { type: 'object', properties: { seconds: { type: 'number', minimum: 0, maximum: 60, default: 5 } }, additionalProperties: false },
      annotations: { readOnlyHint: true, openWorldHint: false },
      timeoutMs: 65_000,
      handler: async (args, ctx) => {
        const total = Math.round(((args.seconds as number | undefined) ?? 5) * 1000);
        for (let elapsed = 0; elapsed < total; elapsed += TICK_MS) {
          ctx.progress({ progress: elapsed, total, message: `${elapsed} of ${total} ms` });
          await delay(Math.min(TICK_MS, total - elapsed), undefined, { signal: ctx.signal });
        }
        return textResult(`Finished after ${total} ms.`);
      },
    },
    {
      kind: 'tool',
      source: FIXTURE_SOURCE,
      name: 'test_touch_watched_resource',
      description: `Marks ${WATCHED_RESOURCE} as changed, so subscribers receive resources/updated.`,
      inputSchema: { type: 'object', properties: {} },
      handler: () => {
        catalog.resourceUpdated(WATCHED_RESOURCE);
        return textResult(`${WATCHED_RESOURCE} updated.`);
      },
    },
  ];
}
