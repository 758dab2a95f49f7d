/**
 * pino logger: JSON to stdout (or stderr for stdio mode, where stdout carries protocol messages),
 * pretty on a TTY, optionally also to a file. Credentials are redacted by path so a request or
 * config object can be logged without thinking about what is inside it.
 */
import { pino, type Logger, type DestinationStream } from 'pino';
import type { FrozenConfig } from '../config/schema.js';

export type { Logger };

/** Paths pino censors wherever they appear in a log record. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.secret',
  '*.secretKey',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.apiKey',
  '*.api_key',
  'headers.authorization',
  'headers["x-api-key"]',
];

export interface LoggerOptions {
  /** Write to stderr instead of stdout (stdio transport). */
  stderr?: boolean;
}

export function createLogger(config: Pick<FrozenConfig, 'log'>, options: LoggerOptions = {}): Logger {
  const fd = options.stderr ? 2 : 1;
  const tty = options.stderr ? process.stderr.isTTY : process.stdout.isTTY;
  const pretty = config.log.pretty === 'always' || (config.log.pretty === 'auto' && tty);
  const streams: { stream: DestinationStream; level?: string }[] = [];
  streams.push({
    stream: pretty
      ? pino.transport({ target: 'pino-pretty', options: { destination: fd, colorize: tty, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } })
      : pino.destination({ fd, sync: false }),
  });
  if (config.log.file) streams.push({ stream: pino.destination({ dest: config.log.file, mkdir: true, sync: false }) });
  return pino(
    {
      level: config.log.level,
      base: { service: 'portico' },
      redact: { paths: REDACT_PATHS, censor: '<redacted>' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pino.multistream(streams.map((s) => ({ stream: s.stream, level: config.log.level === 'silent' ? 'silent' : 'trace' })) as never),
  );
}
