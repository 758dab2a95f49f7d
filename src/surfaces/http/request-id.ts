/**
 * Request ids: a caller's id is kept when it is harmless to log and echo; otherwise a new one is
 * made from a random per-process tag and a counter — unique across nodes and restarts, and cheaper
 * than a random UUID per request on the hot path.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const PROCESS_TAG = randomBytes(6).toString('hex');
let counter = 0;

export function requestIdFor(headers: IncomingHttpHeaders): string {
  const given = headers['x-request-id'];
  if (typeof given === 'string' && SAFE_REQUEST_ID.test(given)) return given;
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return `${PROCESS_TAG}-${counter.toString(36)}`;
}
