/**
 * JavaScript in QuickJS compiled to WebAssembly. The guest gets a bare interpreter: no `require`,
 * no `process`, no `fetch`, no timers, no `std`/`os` modules — only `console`, whose output is
 * captured and capped. QuickJS's own memory limit bounds the heap and an interrupt handler stops it
 * at the deadline. It runs in a worker thread, so a busy guest never stalls Portico's event loop,
 * and the worker is terminated if it does not answer shortly after the deadline: the interrupt
 * handler only runs between bytecodes, so a long native builtin (a huge `Array.fill` thrashing the
 * garbage collector near the memory limit) is stopped by the termination, not by the handler.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { RunLimits, RunResult } from './run-result.js';

const quickjsPath = createRequire(import.meta.url).resolve('quickjs-emscripten');

/** The worker's program (CommonJS, evaluated in the worker; plain JS so it needs no build step). */
const WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const { getQuickJS } = require(workerData.quickjsPath);
const { code, timeoutMs, memoryBytes, maxOutputBytes } = workerData;
const BUFFER_TYPES = ['ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Atomics', 'WebAssembly', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array',
  'Int32Array', 'Uint32Array', 'Float16Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array'];

const out = { stdout: '', stderr: '', truncated: false };
function write(stream, text) {
  const room = maxOutputBytes - Buffer.byteLength(out[stream]);
  if (room <= 0) { out.truncated = true; return; }
  if (Buffer.byteLength(text) > room) { out[stream] += Buffer.from(text).subarray(0, room).toString(); out.truncated = true; return; }
  out[stream] += text;
}
function show(value) {
  if (typeof value === 'string') return value;
  try { return JSON.stringify(value) ?? String(value); } catch { return String(value); }
}

(async () => {
  const QuickJS = await getQuickJS();
  const runtime = QuickJS.newRuntime();
  runtime.setMemoryLimit(memoryBytes);
  runtime.setMaxStackSize(1024 * 1024);
  const deadline = Date.now() + timeoutMs;
  let interrupted = false;
  runtime.setInterruptHandler(() => (interrupted = Date.now() > deadline));
  const vm = runtime.newContext();
  const result = { ok: false, value: undefined, error: undefined, timedOut: false };
  try {
    const consoleObject = vm.newObject();
    for (const [name, stream] of [['log', 'stdout'], ['info', 'stdout'], ['debug', 'stdout'], ['warn', 'stderr'], ['error', 'stderr']]) {
      const fn = vm.newFunction(name, (...args) => { write(stream, args.map((a) => show(vm.dump(a))).join(' ') + '\n'); });
      vm.setProp(consoleObject, name, fn);
      fn.dispose();
    }
    vm.setProp(vm.global, 'console', consoleObject);
    consoleObject.dispose();
    // Binary buffers are allocated outside QuickJS's memory accounting in this build (measured: a
    // 32 MiB limit let 800 MiB of ArrayBuffers through), so the guest gets none of them.
    const removeBuffers = vm.evalCode(BUFFER_TYPES.map((name) => 'delete globalThis.' + name + ';').join(''), 'setup.js');
    if (removeBuffers.error) { removeBuffers.error.dispose(); throw new Error('sandbox setup failed'); }
    removeBuffers.value.dispose();
    const evaluated = vm.evalCode(code, 'main.js');
    if (evaluated.error) {
      result.error = vm.dump(evaluated.error);
      evaluated.error.dispose();
    } else {
      let handle = evaluated.value;
      // A program may end in a promise (async main): settle it within the same deadline.
      if (!vm.getPromiseState(handle).notAPromise) {
        runtime.executePendingJobs();
        const state = vm.getPromiseState(handle);
        if (state.type === 'fulfilled') { handle.dispose(); handle = state.value; }
        else if (state.type === 'rejected') { result.error = vm.dump(state.error); state.error.dispose(); }
        else { result.error = { name: 'Error', message: 'The program returned a promise that never settled.' }; }
      }
      if (result.error === undefined) { result.ok = true; result.value = vm.dump(handle); }
      handle.alive && handle.dispose();
    }
  } catch (err) {
    result.error = { name: 'InternalError', message: String(err && err.message || err) };
  }
  result.timedOut = interrupted;
  try { vm.dispose(); runtime.dispose(); } catch { /* a guest out of memory may leave handles behind */ }
  parentPort.postMessage({ ...result, ...out });
})().catch((err) => parentPort.postMessage({ ok: false, error: { name: 'InternalError', message: String(err && err.message || err) }, stdout: out.stdout, stderr: out.stderr, truncated: out.truncated, timedOut: false }));
`;

interface WorkerAnswer {
  ok: boolean;
  value?: unknown;
  error?: { name?: string; message?: string; stack?: string };
  timedOut: boolean;
  stdout: string;
  stderr: string;
  truncated: boolean;
}

export async function runJavaScript(code: string, limits: RunLimits, signal?: AbortSignal): Promise<RunResult> {
  const started = performance.now();
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { code, quickjsPath, timeoutMs: limits.timeoutMs, memoryBytes: limits.memoryBytes, maxOutputBytes: limits.maxOutputBytes },
    // The guest's memory is WASM memory; this bounds the worker's own JS heap.
    resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16 },
    env: {},
    stdout: true,
    stderr: true,
  });
  try {
    let backstop: NodeJS.Timeout | undefined;
    let watchdog: NodeJS.Timeout | undefined;
    let overMemory = false;
    const answer = await new Promise<WorkerAnswer | 'killed'>((resolve, reject) => {
      // Backstop: the interrupt handler should have stopped the guest long before this.
      backstop = setTimeout(() => resolve('killed'), limits.timeoutMs + 2_000);
      // Last line of defence against memory the QuickJS limit does not see: the process may not grow
      // by much more than the limit while the guest runs.
      const baseline = process.memoryUsage.rss();
      watchdog = setInterval(() => {
        if (process.memoryUsage.rss() - baseline > limits.memoryBytes * 2 + 64 * 1024 * 1024) {
          overMemory = true;
          resolve('killed');
        }
      }, 50);
      signal?.addEventListener('abort', () => resolve('killed'), { once: true });
      worker.once('message', (m: WorkerAnswer) => resolve(m));
      worker.once('error', reject);
      worker.once('exit', () => resolve('killed'));
    }).finally(() => {
      clearTimeout(backstop);
      clearInterval(watchdog);
    });
    const durationMs = Math.round(performance.now() - started);
    if (answer === 'killed') {
      const error = signal?.aborted
        ? 'The JavaScript run was cancelled.'
        : overMemory
          ? 'Stopped at the memory limit (the sandbox was terminated).'
          : `Stopped after ${limits.timeoutMs} ms (time limit; the sandbox was terminated).`;
      return { language: 'javascript', ok: false, timedOut: !signal?.aborted && !overMemory, stdout: '', stderr: '', truncated: false, durationMs, error };
    }
    const error = answer.error ? `${answer.error.name ?? 'Error'}: ${answer.error.message ?? ''}` : undefined;
    return {
      language: 'javascript',
      ok: answer.ok,
      timedOut: answer.timedOut,
      stdout: answer.stdout,
      stderr: answer.stderr,
      truncated: answer.truncated,
      durationMs,
      ...(answer.ok ? { value: answer.value } : {}),
      ...(error ? { error: answer.timedOut ? `Stopped after ${limits.timeoutMs} ms (time limit).` : error } : {}),
    };
  } finally {
    await worker.terminate();
  }
}
