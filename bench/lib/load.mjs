// One autocannon run against one target: warm-up (not counted), then the measured run. Latency percentiles are
// computed from our own record of every measured 2xx response time (fractional ms); autocannon's own histogram is
// integer-millisecond, too coarse for sub-millisecond targets.
import { createRequire } from 'node:module';
import { MODERN_ECHO_BODY, modernEchoHeaders, looksLikeEchoResult } from './mcp.mjs';

const require = createRequire(import.meta.url);
/** @type {any} */
const autocannon = require('autocannon');

/**
 * @typedef {{ rps: number, p50: number, p99: number, max: number, requests2xx: number, non2xx: number, errors: number,
 *   timeouts: number, mismatches: number, totalErrors: number, durationS: number, statusCodes: Record<string, number> }} LoadResult
 */

/**
 * @param {string} url
 * @param {{ connections: number, durationS: number, warmupS: number }} opts
 * @returns {Promise<LoadResult>}
 */
export async function runLoad(url, { connections, durationS, warmupS }) {
  /** @type {number[]} */
  const latencies = [];
  // autocannon calls verifyBody right after emitting 'response' for the same reply (synchronously), so remembering the
  // status lets the body check skip non-2xx replies, which autocannon already counts as non2xx (no double counting).
  let lastStatus = 200;
  const instance = autocannon({
    url,
    method: 'POST',
    headers: modernEchoHeaders(),
    body: MODERN_ECHO_BODY,
    connections,
    pipelining: 1,
    duration: durationS,
    timeout: 10,
    verifyBody: (/** @type {string} */ body) => lastStatus < 200 || lastStatus > 299 || looksLikeEchoResult(body),
    ...(warmupS > 0 ? { warmup: { connections, duration: warmupS } } : {}),
  });
  // With a warm-up, the returned tracker only sees the measured run.
  instance.on('response', (/** @type {unknown} */ _client, /** @type {number} */ status, /** @type {number} */ _bytes, /** @type {number} */ ms) => {
    lastStatus = status;
    if (status >= 200 && status < 300) latencies.push(ms);
  });
  /** @type {any} */
  const r = await instance;
  latencies.sort((a, b) => a - b);
  const durationS2 = r.duration || durationS;
  /** @type {Record<string, number>} */
  const statusCodes = {};
  for (const [code, v] of Object.entries(r.statusCodeStats ?? {})) statusCodes[code] = /** @type {any} */ (v).count;
  return {
    rps: (r['2xx'] - r.mismatches) / durationS2, // correct echo results per second
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    max: latencies.at(-1) ?? NaN,
    requests2xx: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    mismatches: r.mismatches,
    totalErrors: r.non2xx + r.errors + r.mismatches,
    durationS: durationS2,
    statusCodes,
  };
}

/**
 * Nearest-rank percentile of an ascending array.
 * @param {number[]} sorted
 * @param {number} q 0..1
 */
export function percentile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? NaN;
}
