/** Starts a real Portico server in process on a free loopback port with a throwaway data directory. */
import { pino } from 'pino';
import { afterAll } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { startServer, type RunningServer, type StartOptions } from '../../src/server.js';
import { tempDir } from './temp-dir.js';

export const silentLogger = pino({ level: 'silent' });

/** Built-in providers are off unless `env` turns them on, so each test sees only what it adds. */
export async function startTestServer(env: Record<string, string> = {}, options: Partial<StartOptions> = {}): Promise<RunningServer> {
  const config = loadConfig({ env: { PORTICO_DATA_DIR: tempDir(), PORTICO_PORT: '0', PORTICO_PROVIDERS__BUILTIN: 'false', ...env } });
  const server = await startServer(config, { logger: silentLogger, ...options });
  afterAll(() => server.close());
  return server;
}
