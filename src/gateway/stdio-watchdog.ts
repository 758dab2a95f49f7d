/**
 * No orphan processes, ever. A stdio upstream is not spawned directly: Portico spawns a tiny
 * watchdog (`node -e <source> -- command args…`) that starts the real server in its own process
 * group, sharing the watchdog's stdin/stdout (so messages flow straight through, no copying), and
 * - exits with the server's exit code when the server exits;
 * - on SIGTERM/SIGINT/SIGHUP (graceful close, or the SDK transport tearing down) terminates the whole
 *   group — the server and anything it started (npx → node, shells) — then SIGKILLs what remains;
 * - polls its parent pid: when Portico dies without a chance to clean up (SIGKILL, OOM), the
 *   watchdog is re-parented and kills the group itself. Node has no PR_SET_PDEATHSIG; polling the
 *   parent is the portable equivalent. The server usually notices first anyway (stdin EOF).
 */

/** Plain JavaScript run by `node -e`: no imports from Portico, so it works from src and dist alike. */
const WATCHDOG_SOURCE = String.raw`
'use strict';
const { spawn } = require('node:child_process');
const [command, ...args] = process.argv.slice(1);
const parent = process.ppid;
// Shorter than the SDK transport's 1 s between SIGTERM and SIGKILL of the watchdog itself.
const graceMs = Number(process.env.PORTICO_WATCHDOG_GRACE_MS || 700);
let child;
let stopping = false;
function group(signal) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  try { process.kill(-child.pid, signal); } catch { try { child.kill(signal); } catch {} }
}
function stop() {
  if (stopping) return;
  stopping = true;
  group('SIGTERM');
  setTimeout(() => { group('SIGKILL'); process.exit(143); }, graceMs).unref();
}
try {
  child = spawn(command, args, { stdio: 'inherit', detached: true });
} catch (err) {
  process.stderr.write('portico watchdog: cannot start ' + command + ': ' + err.message + '\n');
  process.exit(127);
}
child.on('error', (err) => { process.stderr.write('portico watchdog: cannot start ' + command + ': ' + err.message + '\n'); process.exit(127); });
child.on('exit', (code, signal) => {
  // Whatever the server left behind in its group goes with it.
  try { process.kill(-child.pid, 'SIGKILL'); } catch {}
  process.exit(code === null ? 128 + (signal === 'SIGKILL' ? 9 : 15) : code);
});
for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(s, stop);
setInterval(() => { if (process.ppid !== parent) stop(); }, 250);
`;

/** The command line that runs `command args…` under the watchdog. */
export function watchdogCommand(command: string, args: readonly string[]): { command: string; args: string[] } {
  return { command: process.execPath, args: ['-e', WATCHDOG_SOURCE, '--', command, ...args] };
}
