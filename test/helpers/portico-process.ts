/**
 * Runs the built `portico` binary as a real child process, the way a user or an orchestrator
 * would. Requires `npm run build` (npm test builds before running tests).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const PORTICO_BIN = fileURLToPath(new URL('../../bin/portico.js', import.meta.url));

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a command to completion. */
export function runPortico(args: string[], env: Record<string, string> = {}, input?: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PORTICO_BIN, ...args], { env: { ...process.env, LOG_LEVEL: 'info', PORTICO_PROVIDERS__BUILTIN: 'false', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

export interface ServingProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  /** Send a signal and wait for exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Start `portico serve` and wait until it logs that it listens. */
export function servePortico(args: string[], env: Record<string, string> = {}, timeoutMs = 20_000): Promise<ServingProcess> {
  const child = spawn(process.execPath, [PORTICO_BIN, 'serve', '--port', '0', ...args], {
    env: { ...process.env, LOG_LEVEL: 'info', PORTICO_PROVIDERS__BUILTIN: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`portico did not start within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      const match = /"url":"(http:\/\/[^"]+)".*"msg":"portico listening"/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({
          child,
          url: match[1]!,
          output: () => out,
          async stop(signal = 'SIGTERM') {
            if (child.exitCode === null) child.kill(signal);
            return exited;
          },
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`portico exited with ${code} before listening:\n${out}`));
    });
  });
}
