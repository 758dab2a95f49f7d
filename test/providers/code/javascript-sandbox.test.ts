/** The QuickJS sandbox: results, output, and every way out a program might try. */
import { describe, expect, it } from 'vitest';
import { runJavaScript } from '../../../src/providers/code/javascript-runner.js';

const limits = { timeoutMs: 1000, memoryBytes: 32 * 1024 * 1024, maxOutputBytes: 4096 };

describe('JavaScript sandbox (QuickJS)', () => {
  it('returns the last expression and captured console output', async () => {
    const result = await runJavaScript('console.log("hello", {a: 1}); console.error("careful"); [1, 2, 3].map((x) => x * 2)', limits);
    expect(result).toMatchObject({ language: 'javascript', ok: true, timedOut: false, value: [2, 4, 6], stdout: 'hello {"a":1}\n', stderr: 'careful\n', truncated: false });
  });

  it('settles a returned promise', async () => {
    const result = await runJavaScript('(async () => { const x = await Promise.resolve(20); return x + 1; })()', limits);
    expect(result).toMatchObject({ ok: true, value: 21 });
  });

  it('reports an uncaught exception as a failure with its message', async () => {
    const result = await runJavaScript('throw new TypeError("bad input")', limits);
    expect(result).toMatchObject({ ok: false, error: 'TypeError: bad input' });
  });

  it('stops an infinite loop at the time limit without blocking the event loop', async () => {
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 20);
    const started = Date.now();
    const result = await runJavaScript('while (true) {}', { ...limits, timeoutMs: 500 });
    clearInterval(ticker);
    expect(result).toMatchObject({ ok: false, timedOut: true, error: 'Stopped after 500 ms (time limit).' });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(ticks).toBeGreaterThan(10);
  });

  it('refuses an allocation beyond the memory limit', async () => {
    const result = await runJavaScript('const big = "x".repeat(64 * 1024 * 1024); big.length', limits);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/out of memory|too long/);
  });

  it('stops a memory bomb within its deadline, without the process growing past the limit', async () => {
    const before = process.memoryUsage.rss();
    const started = Date.now();
    const result = await runJavaScript('const a = []; let i = 0; while (true) a.push("x".repeat(4096) + i++);', { ...limits, timeoutMs: 1_000 });
    expect(result.ok).toBe(false);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(process.memoryUsage.rss() - before).toBeLessThan(256 * 1024 * 1024);
  });

  it('gives the guest no binary buffers (they escape QuickJS memory accounting)', async () => {
    const result = await runJavaScript('[typeof ArrayBuffer, typeof Uint8Array, typeof SharedArrayBuffer, typeof DataView, typeof WebAssembly, typeof Float64Array]', limits);
    expect(new Set(result.value as string[])).toEqual(new Set(['undefined']));
  });

  it('stops a memory bomb stuck inside native builtins by terminating the sandbox', async () => {
    const started = Date.now();
    const result = await runJavaScript('const a = []; while (true) a.push(new Array(100000).fill(1));', { ...limits, timeoutMs: 500 });
    // Whichever comes first: the deadline, or the process-memory watchdog.
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/memory limit|time limit/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('stops runaway recursion', async () => {
    const result = await runJavaScript('function f() { return f() + 1 } f()', limits);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/stack|RangeError|InternalError/i);
  });

  it('has no I/O, network, process, environment or module loading', async () => {
    const probe = `[typeof require, typeof process, typeof fetch, typeof XMLHttpRequest, typeof WebSocket, typeof std, typeof os,
      typeof setTimeout, typeof Deno, typeof Bun, typeof globalThis.scriptArgs, typeof globalThis.print, typeof Worker]`;
    const result = await runJavaScript(probe, limits);
    expect(result.ok).toBe(true);
    expect(new Set(result.value as string[])).toEqual(new Set(['undefined']));
    const imported = await runJavaScript('import("fs").then(() => "loaded", (e) => "refused: " + e.message)', limits);
    expect(imported.value === 'loaded').toBe(false);
  });

  it('cannot reach Portico through the host objects it was given', async () => {
    // console.log is the one host function; its constructor chain stays inside QuickJS.
    const result = await runJavaScript('console.log.constructor("return typeof process")()', limits);
    expect(result).toMatchObject({ ok: true, value: 'undefined' });
  });

  it('caps the output and flags it', async () => {
    const result = await runJavaScript('for (let i = 0; i < 10000; i++) console.log("line " + i)', limits);
    expect(result.truncated).toBe(true);
    expect(Buffer.byteLength(result.stdout)).toBeLessThanOrEqual(limits.maxOutputBytes);
  });
});
