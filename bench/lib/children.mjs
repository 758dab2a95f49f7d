/* global process, Buffer, setTimeout, clearTimeout -- Node globals; the root ESLint config declares them only for *.js */
// Child-process and temp-dir bookkeeping for the bench: free loopback ports, spawning targets, readiness polling,
// stopping, and cleanup on every way out (normal exit, error, SIGINT/SIGTERM).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorText } from './mcp.mjs';

export const HOST = '127.0.0.1';

/** @typedef {{ name: string, proc: import('node:child_process').ChildProcess, pid: number, port: number, output: () => string, exited: Promise<number | string | null>, hasExited: () => boolean }} Child */

/** @type {Set<Child>} */
const live = new Set();
/** @type {Set<string>} */
const tempDirs = new Set();

/** A free TCP port on 127.0.0.1 (bind port 0, read it, release it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, HOST, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** @param {string} prefix */
export function makeTempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

/**
 * Spawn a node child (the pid is the node process itself, so /proc/<pid>/status is the server's RSS).
 * @param {string} name
 * @param {string[]} args arguments after the node binary
 * @param {{ port: number, env?: Record<string, string>, cwd?: string }} opts
 * @returns {Child}
 */
export function spawnNode(name, args, opts) {
  const proc = spawn(process.execPath, args, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  /** @type {string[]} */
  const lines = [];
  const keep = (/** @type {Buffer} */ chunk) => {
    lines.push(chunk.toString('utf8'));
    while (lines.length > 200) lines.shift();
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  let done = false;
  /** @type {Promise<number | string | null>} */
  const exited = new Promise((resolve) => {
    proc.once('exit', (code, signal) => {
      done = true;
      live.delete(child);
      resolve(code ?? signal);
    });
    proc.once('error', (err) => {
      done = true;
      live.delete(child);
      keep(Buffer.from(`spawn error: ${err.message}\n`));
      resolve(null);
    });
  });
  const child = { name, proc, pid: proc.pid ?? -1, port: opts.port, output: () => lines.join('').trimEnd(), exited, hasExited: () => done };
  live.add(child);
  return child;
}

/**
 * Poll until `probe` resolves true, the child exits, or the timeout passes.
 * @param {Child} child
 * @param {() => Promise<boolean>} probe
 * @param {number} timeoutMs
 * @returns {Promise<{ ok: true } | { ok: false, reason: string }>}
 */
export async function waitReady(child, probe, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no attempt yet';
  while (Date.now() < deadline) {
    if (child.hasExited()) {
      const how = await child.exited;
      const hint = typeof how === 'string' ? ' — killed by a signal the bench did not send' : '';
      return { ok: false, reason: `process exited before becoming ready (exit ${how}${hint})` };
    }
    try {
      if (await probe()) return { ok: true };
      last = 'probe answered but not ready';
    } catch (err) {
      last = errorText(err);
    }
    await sleep(100);
  }
  return { ok: false, reason: `not ready after ${timeoutMs} ms (last: ${last})` };
}

/**
 * SIGTERM, wait, then SIGKILL if it is still there.
 * @param {Child} child
 * @param {number} graceMs
 */
export async function stopChild(child, graceMs = 5_000) {
  if (child.hasExited()) return;
  child.proc.kill('SIGTERM');
  const timer = setTimeout(() => {
    if (!child.hasExited()) child.proc.kill('SIGKILL');
  }, graceMs);
  await child.exited;
  clearTimeout(timer);
}

/** Synchronous last-resort cleanup: kill whatever is still running and delete temp dirs. */
export function cleanupSync() {
  for (const child of live) {
    try {
      child.proc.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
  live.clear();
  for (const dir of tempDirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      /* best effort */
    }
  }
  tempDirs.clear();
}

/** Graceful cleanup: stop children by id, then delete temp dirs. */
export async function cleanup() {
  await Promise.all([...live].map((c) => stopChild(c, 3_000)));
  cleanupSync();
}

let installed = false;
/** Make sure no child or temp dir outlives the bench, however it ends. */
export function installCleanupHandlers() {
  if (installed) return;
  installed = true;
  process.once('exit', cleanupSync);
  for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
    process.once(sig, () => {
      process.stderr.write(`\n${sig}: stopping children and removing temp dirs…\n`);
      // A second signal, or a stuck child, falls back to SIGKILL via the exit handler.
      const force = setTimeout(() => process.exit(130), 4_000);
      force.unref();
      void cleanup().finally(() => process.exit(130));
    });
  }
}
