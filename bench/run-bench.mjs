#!/usr/bin/env node
/* global process, console, fetch, AbortSignal, URL -- Node globals; the root ESLint config declares them only for *.js */
// `npm run bench`: Portico's MCP hot path against a bare node:http echo (the floor) and the SDK's createMcpHandler
// reference, all driven with the same modern (2026-07-28) echo tools/call, plus idle legacy-session memory.
// Targets run one at a time, each in its own child process on 127.0.0.1. See bench/README.md.
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { HOST, cleanup, freePort, installCleanupHandlers, makeTempDir, spawnNode, stopChild, waitReady } from './lib/children.mjs';
import { runLoad } from './lib/load.mjs';
import { runPacedLoad } from './lib/paced-load.mjs';
import { cpuMicros, machineCpuTicks, machineShare } from './lib/cpu.mjs';
import { CREDENTIAL, MODERN_ECHO_BODY, modernEchoHeaders, errorText, verifyModernEcho } from './lib/mcp.mjs';
import { formatTable, mb, ms, pct } from './lib/report.mjs';
import { measureIdleSessions } from './lib/sessions.mjs';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH_DIR, '..');

/** Targets for Portico (see README). */
const GOALS = { minRatioToBare: 0.4, minRatioToSdk: 5, maxP99Ms: 15, maxSessionRssBytes: 50 * 1024 * 1024 };
/** Targets for the gateway: what a hop through Portico's gateway may cost over calling the upstream directly. */
const GATEWAY_GOALS = { maxAddedP50Ms: 1, minRatioToDirect: 0.5 };

// `gateway` runs two processes: (d) an upstream Portico measured directly, and (e) a Portico gateway in front of it.
const TARGET_NAMES = /** @type {const} */ (['bare', 'sdk', 'portico', 'gateway']);

const USAGE = `usage: npm run bench -- [options]
  --duration <s>          measured seconds per target per round (default 5)
  --rounds <n>            interleaved rounds: every target is measured once per round and the
                          ratios are taken round by round, so drift in a shared machine cancels (default 3)
  --warmup <s>            warm-up seconds per target, not counted (default 2)
  --connections <n>       concurrent connections (default 64)
  --targets <list>        comma list of bare,sdk,portico,gateway (default all four; gateway = an upstream
                          Portico measured directly and through a Portico gateway)
  --sessions <n>          idle legacy sessions for the RSS check (default 1000)
  --session-concurrency <n>  handshakes in flight (default 20)
  --skip-sessions         skip the idle-session RSS check
  -h, --help`;

function parseCli() {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '5' },
      rounds: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '2' },
      connections: { type: 'string', default: '64' },
      targets: { type: 'string', default: TARGET_NAMES.join(',') },
      sessions: { type: 'string', default: '1000' },
      'session-concurrency': { type: 'string', default: '20' },
      'skip-sessions': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const num = (/** @type {string} */ name, /** @type {string} */ v, min = 0) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) {
      console.error(`--${name} must be a number >= ${min}\n${USAGE}`);
      process.exit(2);
    }
    return n;
  };
  const targets = values.targets.split(',').map((t) => t.trim()).filter(Boolean);
  for (const t of targets) {
    if (!(/** @type {readonly string[]} */ (TARGET_NAMES).includes(t))) {
      console.error(`unknown target "${t}" in --targets\n${USAGE}`);
      process.exit(2);
    }
  }
  return {
    durationS: num('duration', values.duration, 1),
    rounds: Math.floor(num('rounds', values.rounds, 1)),
    warmupS: num('warmup', values.warmup, 0),
    connections: Math.floor(num('connections', values.connections, 1)),
    targets: /** @type {Array<typeof TARGET_NAMES[number]>} */ (targets),
    sessions: Math.floor(num('sessions', values.sessions, 1)),
    sessionConcurrency: Math.floor(num('session-concurrency', values['session-concurrency'], 1)),
    skipSessions: values['skip-sessions'],
  };
}

/** @param {string} msg */
const log = (msg) => process.stderr.write(`${msg}\n`);

/**
 * @typedef {{ key: string, label: string, status: 'ok', load: import('./lib/load.mjs').LoadResult, contentType: string }
 *   | { key: string, label: string, status: 'failed', stage: 'start' | 'verify', reason: string }} TargetResult
 */

/**
 * How to launch one target and tell that it is up.
 * @param {typeof TARGET_NAMES[number] | 'direct'} key
 * @param {number} port
 * @param {Record<string, string>} [extraEnv]
 */
function targetSpec(key, port, extraEnv = {}) {
  const base = `http://${HOST}:${port}`;
  /** Any HTTP answer to the modern POST means the server is listening; correctness is checked by the verification step. */
  const postProbe = async () => {
    const res = await fetch(`${base}/`, { method: 'POST', headers: modernEchoHeaders(), body: MODERN_ECHO_BODY, signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return true;
  };
  switch (key) {
    case 'bare':
      return {
        label: '(a) bare node:http echo',
        url: `${base}/`,
        start: () => spawnNode('bare', [join(BENCH_DIR, 'targets/bare-echo.mjs'), '--port', String(port)], { port, cwd: ROOT }),
        probe: postProbe,
        readyHow: 'POST /',
      };
    case 'sdk':
      return {
        label: '(b) SDK createMcpHandler',
        url: `${base}/`,
        start: () => spawnNode('sdk', [join(BENCH_DIR, 'targets/sdk-reference.mjs'), '--port', String(port)], { port, cwd: ROOT }),
        probe: postProbe,
        readyHow: 'POST /',
      };
    case 'portico':
      return {
        label: '(c) Portico',
        url: `${base}/mcp`,
        // Authenticated with an API key, with the audit trail on: the configuration users run.
        start: () =>
          spawnNode(
            'portico',
            [join(ROOT, 'bin/portico.js'), 'serve', '--conformance-fixture', '--no-providers', '--host', HOST, '--port', String(port), '--data', porticoData()],
            // Rate limiting stays on (its cost is measured) with a budget the load cannot exhaust.
            {
              port,
              cwd: ROOT,
              env: { LOG_LEVEL: 'warn', PORTICO_ADMIN_PASSWORD: 'bench-admin-password', PORTICO_RATE_LIMITS__PER_MINUTE: '1000000000', PORTICO_RATE_LIMITS__BURST: '1000000000', ...extraEnv },
            },
          ),
        probe: async () => {
          const res = await fetch(`${base}/health`, { signal: AbortSignal.timeout(2_000) });
          await res.arrayBuffer();
          return res.status === 200;
        },
        readyHow: 'GET /health → 200',
      };
    case 'direct':
    case 'gateway': {
      // (d) the upstream: Portico's conformance fixture (it has `echo`), no auth, nothing else.
      // (e) the gateway: a Portico with no local tools, the upstream declared with an empty namespace,
      //     so the very same `echo` request passes through unchanged. Both --no-auth: only the hop is measured.
      const upstreamArgs = ['serve', '--conformance-fixture', '--no-providers', '--no-auth'];
      const gatewayArgs = ['serve', '--no-providers', '--no-auth', '--config', gatewayConfig(extraEnv.UPSTREAM_URL ?? '')];
      return {
        label: key === 'direct' ? '(d) upstream Portico, direct' : '(e) Portico gateway → (d)',
        url: `${base}/mcp`,
        start: () =>
          spawnNode(key, [join(ROOT, 'bin/portico.js'), ...(key === 'direct' ? upstreamArgs : gatewayArgs), '--host', HOST, '--port', String(port), '--data', makeTempDir(`portico-bench-${key}-`)], {
            port,
            cwd: ROOT,
            env: { LOG_LEVEL: 'warn', PORTICO_RATE_LIMITS__PER_MINUTE: '1000000000', PORTICO_RATE_LIMITS__BURST: '1000000000' },
          }),
        probe: async () => {
          const res = await fetch(`${base}/health`, { signal: AbortSignal.timeout(2_000) });
          await res.arrayBuffer();
          return res.status === 200;
        },
        readyHow: 'GET /health → 200',
      };
    }
  }
}

/** A config file declaring the upstream at `url` with an empty namespace (names pass through). */
function gatewayConfig(url) {
  const file = join(makeTempDir('portico-bench-gateway-config-'), 'gateway.json');
  writeFileSync(file, JSON.stringify({ gateway: { upstreams: [{ name: 'upstream', namespace: '', transport: { type: 'http', url }, timeoutMs: 10_000 }] } }));
  return file;
}

let benchData;
/** One data directory for Portico in this run, with an API key for the load (set in CREDENTIAL). */
function porticoData() {
  if (!benchData) {
    benchData = makeTempDir('portico-bench-');
    const key = execFileSync(process.execPath, [join(ROOT, 'bin/portico.js'), 'keys', 'create', '--name', 'bench', '--role', 'ai_agent', '--data', benchData], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'warn' },
    })
      .toString()
      .trim();
    CREDENTIAL.authorization = `Bearer ${key}`;
  }
  return benchData;
}

/**
 * Start a target and wait until it answers.
 * @param {typeof TARGET_NAMES[number] | 'direct'} key
 * @param {Record<string, string>} [extraEnv]
 */
async function startTarget(key, extraEnv) {
  const port = await freePort();
  const spec = targetSpec(key, port, extraEnv);
  if (key !== 'bare' && key !== 'sdk' && !existsSync(join(ROOT, 'dist/surfaces/cli/main.js'))) {
    return { spec, child: undefined, ready: /** @type {const} */ ({ ok: false, reason: 'dist/ is missing: run `npm run build` first' }) };
  }
  log(`[${key}] starting on ${HOST}:${port} …`);
  const child = spec.start();
  const ready = await waitReady(child, spec.probe, 30_000);
  if (ready.ok) log(`[${key}] ready (pid ${child.pid}, ${spec.readyHow})`);
  return { spec, child, ready };
}

/**
 * Start and verify a target; it keeps running for the rounds that follow.
 * @param {typeof TARGET_NAMES[number] | 'direct'} key
 * @param {Record<string, string>} [extraEnv]
 */
async function prepareTarget(key, extraEnv) {
  const { spec, child, ready } = await startTarget(key, extraEnv);
  if (!ready.ok) {
    const out = child?.output();
    if (child) await stopChild(child);
    return { key, label: spec.label, status: /** @type {const} */ ('failed'), stage: /** @type {const} */ ('start'), reason: ready.reason + (out ? `\n      output:\n${indent(out, 8)}` : '') };
  }
  const verified = await verifyModernEcho(spec.url);
  if (!verified.ok) {
    await stopChild(child);
    return { key, label: spec.label, status: /** @type {const} */ ('failed'), stage: /** @type {const} */ ('verify'), reason: `POST ${new URL(spec.url).pathname}: ${verified.reason}` };
  }
  log(`[${key}] verified echo (${verified.contentType || 'no content-type'})`);
  return { key, label: spec.label, status: /** @type {const} */ ('ready'), spec, child, contentType: verified.contentType };
}

/** @param {number[]} values */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Measure every ready target once per round, in turn; summarise each by the median round.
 * @param {Array<Awaited<ReturnType<typeof prepareTarget>>>} prepared
 * @param {ReturnType<typeof parseCli>} cli
 */
async function measureRounds(prepared, cli) {
  /** @type {Record<string, import('./lib/load.mjs').LoadResult[]>} */
  const runs = {};
  for (let round = 1; round <= cli.rounds; round++) {
    for (const t of prepared) {
      if (t.status !== 'ready') continue;
      log(`[${t.key}] round ${round}/${cli.rounds}: ${cli.warmupS} s warm-up + ${cli.durationS} s at ${cli.connections} connections …`);
      const load = await runLoad(t.spec.url, cli);
      log(`[${t.key}] ${Math.round(load.rps)} req/s, p99 ${ms(load.p99)} ms, ${load.totalErrors} errors`);
      (runs[t.key] ??= []).push(load);
    }
  }
  return runs;
}

/**
 * Interleaved short rounds of direct and through the gateway (3 s each after 1 s of warm-up), one target at a time,
 * as the loaded rounds are: adjacent windows see the same machine. Nothing is run unless both are ready.
 * @template R
 * @param {any[]} prepared
 * @param {ReturnType<typeof parseCli>} cli
 * @param {string} what what a round is, for the log
 * @param {(url: string, durationS: number) => Promise<R>} run
 * @param {(result: R) => string} summary
 * @returns {Promise<Record<string, R[]>>}
 */
async function measureGatewayPair(prepared, cli, what, run, summary) {
  /** @type {Record<string, R[]>} */
  const runs = {};
  const pair = prepared.filter((t) => t.status === 'ready' && (t.key === 'direct' || t.key === 'gateway'));
  if (pair.length !== 2) return runs;
  const durationS = Math.min(cli.durationS, 3);
  for (let round = 1; round <= cli.rounds; round++) {
    for (const t of pair) {
      log(`[${t.key}] ${what} round ${round}/${cli.rounds}: 1 s warm-up + ${durationS} s …`);
      const result = await run(t.spec.url, durationS);
      log(`[${t.key}] ${summary(result)}`);
      (runs[t.key] ??= []).push(result);
    }
  }
  return runs;
}

/**
 * The gateway hop's own latency: one connection (no queueing). At 64 connections a closed loop's p50 is
 * connections ÷ throughput, so it measures throughput again; one connection shows what a single caller waits for the
 * extra hop.
 * @param {any[]} prepared
 * @param {ReturnType<typeof parseCli>} cli
 */
function measureUnloaded(prepared, cli) {
  return measureGatewayPair(
    prepared,
    cli,
    'unloaded (1 connection)',
    (url, durationS) => runLoad(url, { connections: 1, durationS, warmupS: 1 }),
    (load) => `1 connection: p50 ${ms(load.p50)} ms, ${load.totalErrors} errors`,
  );
}

/**
 * The hop's latency under concurrent load: the configured connections at one fixed offered rate (half the gateway's
 * measured capacity, so neither side queues). A closed loop at the same connections runs each server flat out, where
 * p50 is connections ÷ throughput and restates the throughput ratio; holding the load fixed shows what a caller waits
 * for the extra hop while many calls are in flight.
 * @param {any[]} prepared
 * @param {ReturnType<typeof parseCli>} cli
 * @param {number} rate
 */
async function measurePaced(prepared, cli, rate) {
  if (!(rate > 0)) return {};
  return measureGatewayPair(
    prepared,
    cli,
    `fixed-load (${Math.round(rate)} req/s over ${cli.connections} connections)`,
    (url, durationS) => runPacedLoad(url, { connections: cli.connections, rate, durationS, warmupS: 1 }),
    (load) => `${Math.round(load.achievedRps)} req/s: p50 ${ms(load.p50)} ms, p99 ${ms(load.p99)} ms, ${load.errors} errors, ${load.backlog} unanswered when the schedule ended`,
  );
}

/**
 * CPU per call of each server process, load generator excluded: the upstream alone (direct), then the gateway and
 * the upstream while calls go through the gateway. One run per target at the configured connections, no warm-up
 * (the rounds have warmed everything), CPU read from /proc around it.
 * @param {any[]} prepared
 * @param {ReturnType<typeof parseCli>} cli
 * @returns {Promise<{ direct: number, gateway: number, upstreamBehindGateway: number, idleDirect: number, idleThrough: number } | undefined>}
 */
async function measureCpuPerCall(prepared, cli) {
  const direct = prepared.find((t) => t.key === 'direct' && t.status === 'ready');
  const gateway = prepared.find((t) => t.key === 'gateway' && t.status === 'ready');
  if (!direct || !gateway || cpuMicros(direct.child.pid) === undefined) return undefined;
  const durationS = Math.min(cli.durationS, 3);
  /** @param {any} target @param {number[]} pids */
  const perCall = async (target, pids) => {
    log(`[${target.key}] CPU per call: ${durationS} s at ${cli.connections} connections …`);
    const before = pids.map((pid) => cpuMicros(pid) ?? 0);
    const machineBefore = machineCpuTicks();
    const load = await runLoad(target.spec.url, { connections: cli.connections, durationS, warmupS: 0 });
    const idle = machineShare(machineBefore, machineCpuTicks(), 'idle');
    const after = pids.map((pid) => cpuMicros(pid) ?? 0);
    return { perCall: pids.map((_, i) => (after[i] - before[i]) / Math.max(1, load.requests2xx)), idle };
  };
  const alone = await perCall(direct, [direct.child.pid]);
  const through = await perCall(gateway, [gateway.child.pid, direct.child.pid]);
  const [front = 0, behind = 0] = through.perCall;
  return { direct: alone.perCall[0] ?? 0, gateway: front, upstreamBehindGateway: behind, idleDirect: alone.idle, idleThrough: through.idle };
}

/**
 * @param {ReturnType<typeof parseCli>} cli
 */
async function benchSessions(cli) {
  // A fresh Portico (not the one that just took load), with the per-principal cap raised: under --no-auth every
  // session belongs to the one local principal, and the default cap (64) would evict all but the newest.
  const cap = String(cli.sessions + 100);
  const { child, ready } = await startTarget('portico', { PORTICO_MCP__MAX_SESSIONS_PER_PRINCIPAL: cap });
  try {
    if (!ready.ok || !child) {
      const out = child?.output();
      return /** @type {const} */ ({ ok: false, stage: 'start', reason: ready.ok ? 'no child' : ready.reason + (out ? `\n      output:\n${indent(out, 8)}` : '') });
    }
    log(`[sessions] checking the legacy handshake, then opening ${cli.sessions} idle sessions, ${cli.sessionConcurrency} at a time …`);
    const r = await measureIdleSessions({
      url: `http://${HOST}:${child.port}/mcp`,
      pid: child.pid,
      sessions: cli.sessions,
      concurrency: cli.sessionConcurrency,
      settleMs: 2_000,
    });
    if (!r.ok) {
      let reason = `POST /mcp: ${r.reason}`;
      if (/HTTP 404\b/.test(r.reason)) reason += '\n      → Portico is up (/health ok) but serves no /mcp yet: the MCP surface has not landed in this build.';
      return /** @type {const} */ ({ ok: false, stage: 'verify', reason });
    }
    return r;
  } finally {
    if (child) await stopChild(child);
  }
}

/** @param {string} text @param {number} n */
function indent(text, n) {
  const pad = ' '.repeat(n);
  return text
    .split('\n')
    .slice(-30)
    .map((l) => pad + l)
    .join('\n');
}

async function main() {
  const cli = parseCli();
  installCleanupHandlers();

  const load1 = loadavg()[0] ?? 0;
  const busyAtStart = load1 > 1;
  log(`portico bench: node ${process.version}, ${availableParallelism()} CPUs, ${cli.connections} connections, ${cli.warmupS} s warm-up + ${cli.durationS} s per target, loopback ${HOST}`);

  const prepared = [];
  for (const key of TARGET_NAMES) {
    if (!cli.targets.includes(key)) continue;
    if (key === 'gateway') {
      // The upstream first; the gateway connects to it at start.
      const direct = await prepareTarget('direct').catch((err) => ({ key: 'direct', label: 'direct', status: /** @type {const} */ ('failed'), stage: /** @type {const} */ ('verify'), reason: `harness error: ${errorText(err)}` }));
      prepared.push(direct);
      if (direct.status !== 'ready') continue;
      prepared.push(await prepareTarget('gateway', { UPSTREAM_URL: direct.spec.url }).catch((err) => ({ key, label: key, status: /** @type {const} */ ('failed'), stage: /** @type {const} */ ('verify'), reason: `harness error: ${errorText(err)}` })));
      continue;
    }
    prepared.push(await prepareTarget(key).catch((err) => ({ key, label: key, status: /** @type {const} */ ('failed'), stage: /** @type {const} */ ('verify'), reason: `harness error: ${errorText(err)}` })));
  }
  /** @type {Record<string, import('./lib/load.mjs').LoadResult[]>} */
  let runs = {};
  /** @type {Record<string, import('./lib/load.mjs').LoadResult[]>} */
  let unloaded = {};
  /** @type {Awaited<ReturnType<typeof measurePaced>>} */
  let paced = {};
  /** @type {Awaited<ReturnType<typeof measureCpuPerCall>>} */
  let cpu;
  const ticksBefore = machineCpuTicks();
  try {
    runs = await measureRounds(prepared, cli);
    unloaded = await measureUnloaded(prepared, cli);
    const gatewayRps = median((runs.gateway ?? []).map((l) => l.rps));
    paced = await measurePaced(prepared, cli, gatewayRps / 2);
    cpu = await measureCpuPerCall(prepared, cli);
  } finally {
    for (const t of prepared) if (t.status === 'ready') await stopChild(t.child);
  }
  const ticksAfter = machineCpuTicks();
  const steal = machineShare(ticksBefore, ticksAfter, 'steal');
  /** @type {TargetResult[]} */
  const results = prepared.map((t) => {
    if (t.status !== 'ready') return t;
    const loads = runs[t.key] ?? [];
    const pick = (/** @type {(l: import('./lib/load.mjs').LoadResult) => number} */ f) => median(loads.map(f));
    const totals = loads.reduce((acc, l) => ({ ...acc, totalErrors: acc.totalErrors + l.totalErrors, non2xx: acc.non2xx + l.non2xx, errors: acc.errors + l.errors, timeouts: acc.timeouts + l.timeouts, mismatches: acc.mismatches + l.mismatches }), { totalErrors: 0, non2xx: 0, errors: 0, timeouts: 0, mismatches: 0 });
    const load = { ...loads[0], rps: pick((l) => l.rps), p50: pick((l) => l.p50), p99: pick((l) => l.p99), ...totals };
    return { key: t.key, label: t.label, status: /** @type {const} */ ('ok'), load, contentType: t.contentType, rounds: loads };
  });
  const sessions = cli.targets.includes('portico') && !cli.skipSessions ? await benchSessions(cli).catch((err) => /** @type {const} */ ({ ok: false, stage: 'verify', reason: `harness error: ${errorText(err)}` })) : undefined;

  // ---- report -------------------------------------------------------------------------------------------------------
  const out = [];
  out.push('');
  out.push(`Modern (2026-07-28) tools/call echo, ${cli.connections} connections; ${cli.rounds} interleaved rounds of ${cli.durationS} s (after ${cli.warmupS} s warm-up) per target, one target at a time; medians shown`);
  if (busyAtStart) out.push(`NOTE: 1-min load average was ${load1.toFixed(1)} on ${availableParallelism()} CPUs at start: other processes compete for CPU, numbers are noisy.`);
  if (steal > 0.02) out.push(`NOTE: the hypervisor took ${pct(steal)} of this machine's CPU time during the measurements (steal): every target ran slower, and unevenly.`);
  out.push('');
  out.push(
    formatTable(
      ['target', 'req/s', 'p50 ms', 'p99 ms', 'errors'],
      results.map((r) =>
        r.status === 'ok'
          ? [r.label, Math.round(r.load.rps).toLocaleString('en-US'), ms(r.load.p50), ms(r.load.p99), String(r.load.totalErrors)]
          : [r.label, `FAILED (${r.stage})`, '-', '-', '-'],
      ),
    ),
  );
  for (const r of results) {
    if (r.status === 'failed') out.push(`  ${r.label} FAILED to ${r.stage}: ${r.reason}`);
    else if (r.load.totalErrors > 0) {
      const codes = Object.entries(r.load.statusCodes).map(([c, n]) => `${c}×${n}`).join(' ');
      out.push(`  ${r.label} errors: non-2xx ${r.load.non2xx}, socket errors ${r.load.errors} (timeouts ${r.load.timeouts}), wrong body ${r.load.mismatches}; status codes ${codes}`);
    }
  }

  const byKey = Object.fromEntries(results.map((r) => [r.key, r]));
  const portico = byKey.portico?.status === 'ok' ? byKey.portico.load : undefined;
  const bare = byKey.bare?.status === 'ok' ? byKey.bare.load : undefined;
  const sdk = byKey.sdk?.status === 'ok' ? byKey.sdk.load : undefined;

  if (cli.targets.includes('portico')) {
    const verdict = (/** @type {boolean} */ ok) => (ok ? 'PASS' : 'FAIL');
    const na = (/** @type {string} */ why) => `n/a (${why})`;
    out.push('');
    out.push('Portico targets:');
    if (!portico) {
      out.push(`  throughput >= ${pct(GOALS.minRatioToBare)} of bare echo: ${na('Portico not measured')}`);
      out.push(`  throughput >= ${GOALS.minRatioToSdk}x SDK reference:  ${na('Portico not measured')}`);
      out.push(`  p99 <= ${GOALS.maxP99Ms} ms:                     ${na('Portico not measured')}`);
    } else {
      // Ratios per round (adjacent windows), then their median: a busy stretch of the machine hits both sides.
      const roundsOf = (/** @type {string} */ key) => /** @type {any} */ (byKey[key])?.rounds ?? [];
      const ratio = (/** @type {string} */ key) => {
        const a = roundsOf('portico');
        const b = roundsOf(key);
        const n = Math.min(a.length, b.length);
        return n ? median(Array.from({ length: n }, (_, i) => a[i].rps / b[i].rps)) : undefined;
      };
      const rb = bare ? ratio('bare') : undefined;
      const rs = sdk ? ratio('sdk') : undefined;
      out.push(`  per-round req/s: ${['bare', 'sdk', 'portico'].map((k) => `${k} ${roundsOf(k).map((/** @type {any} */ l) => Math.round(l.rps)).join('/')}`).join('; ')}`);
      out.push(`  throughput >= ${pct(GOALS.minRatioToBare)} of bare echo: ${rb === undefined ? na('bare echo not measured') : `${pct(rb)} → ${verdict(rb >= GOALS.minRatioToBare)}`}`);
      out.push(`  throughput >= ${GOALS.minRatioToSdk}x SDK reference:  ${rs === undefined ? na('SDK reference not measured') : `${rs.toFixed(2)}x → ${verdict(rs >= GOALS.minRatioToSdk)}`}`);
      out.push(`  p99 <= ${GOALS.maxP99Ms} ms:                     ${ms(portico.p99)} ms → ${verdict(portico.p99 <= GOALS.maxP99Ms)}`);
      out.push(`  no errors under load:             ${portico.totalErrors} → ${verdict(portico.totalErrors === 0)}`);
    }
  }

  if (cli.targets.includes('gateway')) {
    const direct = byKey.direct?.status === 'ok' ? byKey.direct : undefined;
    const through = byKey.gateway?.status === 'ok' ? byKey.gateway : undefined;
    out.push('');
    out.push('Gateway targets ((e) vs (d): the same echo call through the gateway and directly):');
    if (!direct || !through) {
      out.push(`  added p50 <= ${GATEWAY_GOALS.maxAddedP50Ms} ms: n/a (not measured)`);
      out.push(`  throughput >= ${pct(GATEWAY_GOALS.minRatioToDirect)} of direct: n/a (not measured)`);
    } else {
      // Round by round, like the other ratios: adjacent windows see the same machine.
      /** @param {any[]} a @param {any[]} b @param {(x: any, y: any) => number} f */
      const perRound = (a, b, f) => median(Array.from({ length: Math.min(a.length, b.length) }, (_, i) => f(a[i], b[i])));
      const added = perRound(through.rounds, direct.rounds, (t, d) => t.p50 - d.p50);
      const ratio = perRound(through.rounds, direct.rounds, (t, d) => t.rps / d.rps);
      const verdict = (/** @type {boolean} */ ok) => (ok ? 'PASS' : 'FAIL');
      out.push(`  per-round req/s: direct ${direct.rounds.map((/** @type {any} */ l) => Math.round(l.rps)).join('/')}; gateway ${through.rounds.map((/** @type {any} */ l) => Math.round(l.rps)).join('/')}`);
      const single = unloaded.direct && unloaded.gateway ? perRound(unloaded.gateway, unloaded.direct, (t, d) => t.p50 - d.p50) : undefined;
      if (single !== undefined) {
        out.push(`  p50 at 1 connection: direct ${ms(median(unloaded.direct.map((l) => l.p50)))} ms, gateway ${ms(median(unloaded.gateway.map((l) => l.p50)))} ms`);
        out.push(`  added p50 <= ${GATEWAY_GOALS.maxAddedP50Ms} ms, 1 connection:     ${ms(single)} ms → ${verdict(single <= GATEWAY_GOALS.maxAddedP50Ms)}`);
      }
      const loaded = paced.direct && paced.gateway ? perRound(paced.gateway, paced.direct, (t, d) => t.p50 - d.p50) : undefined;
      if (loaded !== undefined) {
        const rate = Math.round(median(paced.gateway.map((l) => l.achievedRps)));
        const errors = [...paced.direct, ...paced.gateway].reduce((n, l) => n + l.errors, 0);
        out.push(`  p50 at ${cli.connections} connections and a fixed ${rate.toLocaleString('en-US')} req/s (half the gateway's capacity): direct ${ms(median(paced.direct.map((l) => l.p50)))} ms, gateway ${ms(median(paced.gateway.map((l) => l.p50)))} ms; p99 direct ${ms(median(paced.direct.map((l) => l.p99)))} ms, gateway ${ms(median(paced.gateway.map((l) => l.p99)))} ms; ${errors} errors`);
        // A side that could not carry the offered rate (the machine slowed during the round) measured its own queue.
        const overloaded = [...paced.direct, ...paced.gateway].filter((l) => l.backlog > Math.max(cli.connections, rate / 20)).length;
        if (overloaded) out.push(`  ${overloaded} of ${paced.direct.length + paced.gateway.length} fixed-rate rounds could not carry the offered rate (more requests unanswered at the end than 50 ms of the rate, or than connections): their p50 is mostly queueing`);
        out.push(`  added p50 <= ${GATEWAY_GOALS.maxAddedP50Ms} ms, ${cli.connections} connections:   ${ms(loaded)} ms → ${verdict(loaded <= GATEWAY_GOALS.maxAddedP50Ms && errors === 0)}`);
      }
      // Flat out, a closed loop's p50 is connections ÷ throughput: shown, but it is the throughput ratio again.
      out.push(`  added p50, ${cli.connections} connections flat out (closed loop: connections ÷ req/s): ${ms(added)} ms (restates the throughput ratio)`);
      out.push(`  throughput >= ${pct(GATEWAY_GOALS.minRatioToDirect)} of direct:   ${pct(ratio)} → ${verdict(ratio >= GATEWAY_GOALS.minRatioToDirect)}`);
      if (cpu) {
        const us = (/** @type {number} */ v) => `${Math.round(v)} µs`;
        out.push(`  CPU per call (process time, all threads): upstream alone ${us(cpu.direct)}; through the gateway: gateway ${us(cpu.gateway)} + upstream ${us(cpu.upstreamBehindGateway)}`);
        // Every call through the gateway costs both servers; on shared cores that total is what throughput divides.
        out.push(`    a call through the gateway costs the two servers ${(cpu.gateway + cpu.upstreamBehindGateway) / cpu.direct > 0 ? ((cpu.gateway + cpu.upstreamBehindGateway) / cpu.direct).toFixed(1) : '?'}× the CPU of a direct call`);
        // Idle CPU under a closed loop: time the processes spent waiting on each other (hand-offs), not on the CPU.
        out.push(`    machine idle meanwhile: ${pct(cpu.idleDirect)} direct, ${pct(cpu.idleThrough)} through the gateway`);
      }
      out.push(`  no errors through the gateway:   ${through.load.totalErrors} → ${verdict(through.load.totalErrors === 0)}`);
    }
  }

  if (sessions) {
    out.push('');
    out.push(`Idle legacy sessions (2025-11-25 initialize + notifications/initialized, no GET stream), fresh Portico:`);
    if (!sessions.ok) {
      out.push(`  FAILED to ${sessions.stage}: ${sessions.reason}`);
    } else {
      const delta = sessions.after - sessions.before;
      out.push(`  sessions opened: ${sessions.opened}/${sessions.requested} (200 + Mcp-Session-Id, initialized acknowledged) in ${(sessions.openMs / 1000).toFixed(1)} s`);
      for (const [reason, n] of sessions.failures) out.push(`    ${n}× ${reason}`);
      out.push(`  RSS before ${mb(sessions.before)} MB, after ${mb(sessions.after)} MB (2 s settle), delta ${mb(delta)} MB = ${(delta / 1024 / Math.max(1, sessions.opened)).toFixed(1)} KB/session`);
      const complete = sessions.opened === sessions.requested;
      out.push(`  added RSS <= ${mb(GOALS.maxSessionRssBytes)} MB for ${sessions.requested} sessions: ${complete ? (delta <= GOALS.maxSessionRssBytes ? 'PASS' : 'FAIL') : `FAIL (only ${sessions.opened} sessions opened)`}`);
    }
  }
  console.log(out.join('\n'));

  const broken =
    results.some((r) => r.status === 'failed') || (sessions !== undefined && (!sessions.ok || sessions.opened !== sessions.requested));
  return broken ? 1 : 0;
}

try {
  process.exitCode = await main();
} catch (err) {
  console.error(`bench failed: ${errorText(err)}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
