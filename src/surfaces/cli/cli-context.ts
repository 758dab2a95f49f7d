/**
 * What every CLI command shares: building configuration from flags, and turning errors into a
 * one-line message and an exit code (2 for bad configuration or usage, 1 for anything else).
 */
import type { Command } from 'commander';
import { loadConfig } from '../../config/load-config.js';
import type { FrozenConfig } from '../../config/schema.js';
import { PorticoError } from '../../core/errors.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Thrown by commands to end with a given exit code after printing `message` to stderr. */
export class CliExit extends Error {
  constructor(
    readonly exitCode: number,
    message = '',
  ) {
    super(message);
  }
}

/** Options every command that touches the data accepts. */
export function withCommonOptions(cmd: Command): Command {
  return cmd.option('--config <file>', 'configuration file (YAML or JSON); also PORTICO_CONFIG').option('--data <dir>', 'data directory; also PORTICO_DATA_DIR');
}

export interface CommonFlags {
  config?: string;
  data?: string;
}

export function configFromFlags(flags: CommonFlags, extra: Record<string, unknown> = {}): FrozenConfig {
  return loadConfig({ configFile: flags.config, flags: { dataDir: flags.data, ...extra } });
}

export function exitCodeFor(err: unknown): { code: number; message: string } {
  if (err instanceof CliExit) return { code: err.exitCode, message: err.message };
  if (err instanceof PorticoError) {
    return { code: err.code === 'config_invalid' ? EXIT_USAGE : EXIT_FAILURE, message: err.message };
  }
  const e = err as NodeJS.ErrnoException;
  return { code: EXIT_FAILURE, message: `unexpected error: ${e?.message ?? String(err)}` };
}
