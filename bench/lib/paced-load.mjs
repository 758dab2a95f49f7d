/* global performance, setTimeout, URL -- Node globals; the root ESLint config declares them only for *.js */
// An open-loop load at a fixed offered rate: requests start on a schedule (one every 1/rate s), whatever the server's
// answers, over a pool of keep-alive connections. Latency counts from the moment a request is handed to the pool, so
// a request that waits for a free connection is charged for the wait; the schedule never waits for answers, so a slow
// server cannot hold back the requests it would be slow on (no coordinated omission). The timer's own lateness (a
// millisecond tick) is the load generator's, not the server's, and is not counted.
//
// Why beside autocannon: a closed loop at N connections always runs the server flat out, and its p50 is simply
// N ÷ throughput; the latency a hop adds at a given load needs the load held fixed. autocannon's own rate limit
// sends each connection's whole second of requests in a burst at the start of the second, which measures the burst.
import { Pool } from 'undici';
import { MODERN_ECHO_BODY, modernEchoHeaders, looksLikeEchoResult } from './mcp.mjs';
import { percentile } from './load.mjs';

/** Scheduler tick: timers are not finer than about a millisecond, so every due request goes out on each tick. */
const TICK_MS = 1;

/**
 * @param {string} url
 * @param {{ connections: number, rate: number, durationS: number, warmupS: number }} opts
 * @returns {Promise<{ ok: number, errors: number, p50: number, p99: number, achievedRps: number, backlog: number }>}
 */
export async function runPacedLoad(url, { connections, rate, durationS, warmupS }) {
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
  const headers = modernEchoHeaders();
  /** @type {number[]} */
  const latencies = [];
  let ok = 0;
  let errors = 0;
  const start = performance.now();
  const measureFrom = start + warmupS * 1000;
  const end = measureFrom + durationS * 1000;
  /** @type {Set<Promise<void>>} */
  const inFlight = new Set();

  /** @param {number} scheduledAt */
  const fire = (scheduledAt) => {
    const measured = scheduledAt >= measureFrom;
    const sentAt = performance.now();
    const p = pool
      .request({ method: 'POST', path: `${target.pathname}${target.search}`, headers, body: MODERN_ECHO_BODY })
      .then(async (res) => {
        const body = await res.body.text();
        const good = res.statusCode >= 200 && res.statusCode < 300 && looksLikeEchoResult(body);
        if (!measured) return;
        if (good) {
          ok++;
          latencies.push(performance.now() - sentAt);
        } else errors++;
      })
      .catch(() => {
        if (measured) errors++;
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };

  const intervalMs = 1000 / rate;
  let next = start;
  await new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (next <= now && next < end) {
        fire(next);
        next += intervalMs;
      }
      if (next >= end) resolve(undefined);
      else setTimeout(tick, TICK_MS);
    };
    tick();
  });
  // Requests still unanswered when the schedule ends. A server that carries the rate has about rate × latency of them
  // (a handful); one that cannot has a queue that grew all round, and its latencies are mostly that queue.
  const backlog = inFlight.size;
  await Promise.all([...inFlight]);
  await pool.close();
  latencies.sort((a, b) => a - b);
  return { ok, errors, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), achievedRps: ok / durationS, backlog };
}
