/** What one sandboxed run is given and what it reports, for both languages. */

export type Language = 'javascript' | 'python';

export interface RunLimits {
  /** Wall clock for the whole run. */
  timeoutMs: number;
  /** JavaScript: QuickJS heap; Python: address space. */
  memoryBytes: number;
  /** Per stream (stdout, stderr); more is dropped and `truncated` set. */
  maxOutputBytes: number;
}

export interface RunResult {
  language: Language;
  /** The program finished normally (exit status 0 / no uncaught exception). */
  ok: boolean;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  truncated: boolean;
  durationMs: number;
  /** JavaScript: the value of the last expression (JSON-able). */
  value?: unknown;
  /** Python: the exit status; null when killed by a signal. */
  exitCode?: number | null;
  /** Python: the signal that ended it (SIGKILL at the deadline, SIGXCPU at the CPU limit). */
  signal?: string | null;
  /** A short reason when not ok. */
  error?: string;
}
