/**
 * Python in a subprocess. Isolation, in `namespaces` mode (the default):
 * - `unshare`: a new network namespace (only a downed loopback: no network at all), a new mount
 *   namespace (the data directory, the home directory and configured paths hidden under an empty
 *   tmpfs), a new PID namespace with its own /proc (Portico's processes and their environment are
 *   invisible; when the guest's first process dies every process it started dies with it), and —
 *   when Portico is not root — a user namespace to be allowed to do all that;
 * - when Portico runs as root, the guest runs as `nobody` (uid/gid 65534, no supplementary groups);
 * - rlimits: CPU seconds, address space, file size, process count, no core files;
 * - a fresh temporary directory as cwd (deleted afterwards), an empty environment, stdin from
 *   /dev/null, no inherited descriptors beyond stdio, capped output, and a wall-clock deadline that
 *   kills the whole process group.
 * `rlimits` mode keeps everything but the namespaces: network and file reads are then NOT blocked.
 * If `namespaces` mode cannot be set up on this host, Python is refused rather than run weaker.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { constants, homedir, tmpdir } from 'node:os';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { PorticoError } from '../../core/errors.js';
import { LAUNCHER_EXIT, PYTHON_LAUNCHER } from './python-launcher.js';
import type { RunLimits, RunResult } from './run-result.js';

export interface PythonSandboxOptions {
  executable: string;
  isolation: 'namespaces' | 'rlimits';
  cpuSeconds: number;
  fileSizeBytes: number;
  processes: number;
  /** Absolute paths to hide (the data directory among them). */
  hiddenPaths: readonly string[];
}

const NOBODY = 65534;
const UNSHARE_CANDIDATES = ['/usr/bin/unshare', '/bin/unshare'];

/** How this host runs the guest: the command prefix, whether mounts and a uid drop happen inside. */
interface Plan {
  prefix: string[];
  mount: boolean;
  drop: [number, number] | null;
  description: string;
}

const isRoot = () => process.getuid?.() === 0;

const signalName = (n: number): string | null => Object.entries(constants.signals).find(([, v]) => v === n)?.[0] ?? null;

function namespacePlan(): Plan | undefined {
  const unshare = UNSHARE_CANDIDATES.find((p) => existsSync(p));
  if (!unshare) return undefined;
  const common = ['--net', '--mount', '--pid', '--fork', '--mount-proc', '--kill-child'];
  const flags = isRoot() ? common : ['--user', '--map-root-user', ...common];
  return {
    prefix: [unshare, ...flags, '--'],
    mount: true,
    drop: isRoot() ? [NOBODY, NOBODY] : null,
    description: isRoot() ? 'namespaces (net, mount, pid) as nobody' : 'namespaces (user, net, mount, pid)',
  };
}

/** Try the plan once with a trivial program; a host without user namespaces fails here. */
function works(plan: Plan, python: string): boolean {
  const probe = spawnSync(plan.prefix[0]!, [...plan.prefix.slice(1), python, '-I', '-c', 'print(7*6)'], { env: {}, timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
  return probe.status === 0 && probe.stdout.toString().trim() === '42';
}

export interface PythonSandbox {
  /** What isolation is in place on this host (for the README check and the tool result). */
  readonly isolation: string;
  run(code: string, limits: RunLimits, signal?: AbortSignal): Promise<RunResult>;
}

export function createPythonSandbox(options: PythonSandboxOptions): PythonSandbox {
  if (!isAbsolute(options.executable)) throw new PorticoError('config_invalid', 'code.python.executable must be an absolute path.');
  let plan: Plan | undefined | null = null;
  const planFor = (): Plan | undefined => {
    if (plan !== null) return plan;
    if (options.isolation === 'rlimits') {
      plan = { prefix: [], mount: false, drop: isRoot() ? [NOBODY, NOBODY] : null, description: 'rlimits only (network and file reads NOT blocked)' };
    } else {
      const candidate = namespacePlan();
      plan = candidate && works(candidate, options.executable) ? candidate : undefined;
    }
    return plan;
  };

  /** Never hide a directory that holds the interpreter or the work directory: the run would fail. */
  const hideList = (workDir: string): string[] => {
    const inside = (child: string, parent: string) => child === parent || child.startsWith(parent.endsWith(sep) ? parent : parent + sep);
    return [...new Set([...options.hiddenPaths, homedir()].map((p) => resolve(p)))].filter(
      (p) => p !== '/' && !inside(workDir, p) && !inside(resolve(options.executable), p) && !inside(tmpdir(), p),
    );
  };

  return {
    get isolation() {
      return planFor()?.description ?? 'unavailable';
    },
    async run(code, limits, signal) {
      const chosen = planFor();
      if (!chosen) {
        throw new PorticoError(
          'unavailable',
          'Python needs Linux namespaces (unshare with user, network, mount and PID namespaces), which this host does not allow; set code.python.isolation to "rlimits" to accept weaker isolation, or use JavaScript.',
        );
      }
      const workDir = mkdtempSync(join(tmpdir(), 'portico-code-'));
      const started = performance.now();
      try {
        writeFileSync(join(workDir, 'main.py'), code, { mode: 0o644 });
        if (chosen.drop) chownSync(workDir, chosen.drop[0], chosen.drop[1]);
        const job = {
          mount: chosen.mount,
          hide: chosen.mount ? hideList(workDir) : [],
          drop: chosen.drop,
          python: options.executable,
          limits: [
            ['RLIMIT_CPU', options.cpuSeconds, options.cpuSeconds + 1],
            ['RLIMIT_AS', limits.memoryBytes, limits.memoryBytes],
            ['RLIMIT_FSIZE', options.fileSizeBytes, options.fileSizeBytes],
            ['RLIMIT_NPROC', options.processes, options.processes],
            ['RLIMIT_CORE', 0, 0],
          ],
        };
        const argv = [...chosen.prefix, options.executable, '-I', '-S', '-B', '-c', PYTHON_LAUNCHER, JSON.stringify(job)];
        return await new Promise<RunResult>((resolvePromise, reject) => {
          const child = spawn(argv[0]!, argv.slice(1), { cwd: workDir, env: {}, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
          const streams = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
          const sizes = { stdout: 0, stderr: 0 };
          let truncated = false;
          const collect = (name: 'stdout' | 'stderr') => (chunk: Buffer) => {
            const room = limits.maxOutputBytes - sizes[name];
            if (room <= 0) return void (truncated = true);
            if (chunk.length > room) truncated = true;
            const kept = chunk.subarray(0, room);
            streams[name].push(kept);
            sizes[name] += kept.length;
          };
          child.stdout.on('data', collect('stdout'));
          child.stderr.on('data', collect('stderr'));
          let timedOut = false;
          const killGroup = () => {
            try {
              if (child.pid) process.kill(-child.pid, 'SIGKILL');
            } catch {
              // Already gone.
            }
          };
          const timer = setTimeout(() => {
            timedOut = true;
            killGroup();
          }, limits.timeoutMs);
          const onAbort = () => killGroup();
          signal?.addEventListener('abort', onAbort, { once: true });
          child.once('error', (err) => {
            clearTimeout(timer);
            reject(new PorticoError('unavailable', `Python could not be started (${(err as NodeJS.ErrnoException).code ?? 'error'}).`));
          });
          child.once('close', (exitCode, sig) => {
            clearTimeout(timer);
            signal?.removeEventListener('abort', onAbort);
            // Namespaced runs end with their PID namespace; without one, strays may remain in the group.
            if (!chosen.mount) killGroup();
            const stdout = Buffer.concat(streams.stdout).toString('utf8');
            const stderr = Buffer.concat(streams.stderr).toString('utf8');
            if (exitCode === LAUNCHER_EXIT && stderr.startsWith('portico sandbox:')) {
              return reject(new PorticoError('unavailable', `The Python sandbox could not be set up: ${stderr.trim().slice('portico sandbox: '.length, 300)}`));
            }
            // The launcher reports a guest killed by a signal as 128 + its number, as a shell does.
            const guestSignal = sig ?? (exitCode !== null && exitCode > 128 && exitCode < 128 + 65 ? signalName(exitCode - 128) : null);
            const cpuLimited = guestSignal === 'SIGXCPU' || (guestSignal === 'SIGKILL' && !timedOut);
            const ok = exitCode === 0 && !timedOut;
            resolvePromise({
              language: 'python',
              ok,
              timedOut,
              stdout,
              stderr,
              truncated,
              durationMs: Math.round(performance.now() - started),
              exitCode: guestSignal ? null : exitCode,
              signal: timedOut ? 'SIGKILL' : guestSignal,
              ...(ok
                ? {}
                : { error: timedOut ? `Stopped after ${limits.timeoutMs} ms (time limit).` : cpuLimited ? 'Stopped at the CPU time limit.' : `Exited with status ${exitCode ?? sig}.` }),
            });
          });
        });
      } finally {
        rmSync(workDir, { recursive: true, force: true });
      }
    },
  };
}
