/**
 * Probes the 2026-07-28 suite uses to check how the server's transport behaves rather than what a
 * tool returns. The handlers only do the tool's part; the interesting behaviour (HTTP status of a
 * capability error, which frames may appear on a stream, whether log frames are sent, closing a
 * stream mid-call) belongs to the surfaces.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { ToolEntry } from '../../core/catalog/entries.js';
import { PorticoError } from '../../core/errors.js';
import { clientCan } from './client-input.js';
import { FIXTURE_SOURCE, noArguments, textResult } from './fixture-kit.js';

/**
 * How long `test_reconnection` stays busy. The surface closes the POST stream after its priming
 * event; the call has to outlive that so the result can only arrive on the resumed stream.
 */
export const RECONNECTION_DELAY_MS = 200;

export function diagnosticTools(): ToolEntry[] {
  const tool = (entry: Omit<ToolEntry, 'kind' | 'source' | 'inputSchema'>): ToolEntry => ({ kind: 'tool', source: FIXTURE_SOURCE, inputSchema: noArguments(), ...entry });
  return [
    tool({
      name: 'test_missing_capability',
      description: 'Needs the client sampling capability; without it the request fails with a missing-capability error.',
      handler(_args, ctx) {
        if (!clientCan.sample(ctx.client.capabilities)) {
          // The details become the JSON-RPC error data; the suite requires requiredCapabilities.sampling to be an object.
          throw new PorticoError('missing_client_capability', 'test_missing_capability requires the client sampling capability.', {
            details: { requiredCapabilities: { sampling: {} } },
          });
        }
        return textResult('Success');
      },
    }),
    tool({
      name: 'test_streaming_elicitation',
      description: 'Streams one progress notification and then its result; it never sends a request on the response stream.',
      handler(_args, ctx) {
        ctx.progress({ progress: 1, total: 1, message: 'Streaming a notification before the result' });
        return textResult('Streaming completed without any server-to-client request.');
      },
    }),
    tool({
      name: 'test_logging_tool',
      description: 'Logs one message and returns text; the message is only delivered when the caller asked for a log level.',
      handler(_args, ctx) {
        ctx.log('info', 'test_logging_tool was called', FIXTURE_SOURCE);
        return textResult('Logging tool completed.');
      },
    }),
    tool({
      name: 'test_reconnection',
      description: 'Takes a moment to answer, so the server can close the response stream mid-call and deliver the result after the client reconnects.',
      async handler(_args, ctx) {
        await delay(RECONNECTION_DELAY_MS, undefined, { signal: ctx.signal });
        return textResult('Reconnection test completed.');
      },
    }),
  ];
}
