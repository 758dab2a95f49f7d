/** What the REST catalog routes share: cancellation on disconnect, and refusing input rounds. */
import type { FastifyReply } from 'fastify';
import { PorticoError } from '../../../core/errors.js';
import { isNeedsInput, type NeedsInput } from '../../../core/pipeline/input-requests.js';
import { errorResponses, errorSchema } from '../error-schema.js';

/** Error responses of routes that run a catalog entry (on top of the standard ones). */
export const runErrorResponses = {
  ...errorResponses,
  /** The entry asked the caller for input (elicitation, sampling, roots), which REST cannot provide. */
  409: errorSchema,
  504: errorSchema,
} as const;

/** The same, for routes that take a JSON body. */
export const runWithBodyErrorResponses = { ...runErrorResponses, 413: errorSchema, 415: errorSchema } as const;

/**
 * An AbortSignal that fires when the client goes away before the reply is sent. It watches the
 * response, not `request.raw`: Node emits 'close' on an IncomingMessage as soon as its body has
 * been consumed (before the handler runs, for a POST), so that event cannot tell a disconnect.
 */
export function disconnectSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  const res = reply.raw;
  const abort = () => controller.abort(new PorticoError('cancelled', 'The client disconnected.'));
  // Gone already (it left while the body was parsed): the 'close' event has been and gone.
  if (res.destroyed) {
    abort();
  } else {
    res.once('close', () => {
      if (!res.writableEnded) abort();
    });
  }
  return controller.signal;
}

/**
 * REST cannot answer elicitation, sampling or roots requests, so an entry asking for input ends the
 * call with a 409 that lists what it asked (its state is not returned: nothing can resume it here).
 */
export function settled<T extends object>(result: T | NeedsInput, what: string): T {
  if (!isNeedsInput(result)) return result;
  const methods = [...new Set(Object.values(result.requests).map((r) => r.method))].join(', ');
  throw new PorticoError('conflict', `${what} needs input from the caller (${methods}), which the REST API cannot ask for; use it over MCP instead.`, {
    details: { inputRequired: result.requests },
  });
}
