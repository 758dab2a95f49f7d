/** `portico serve`: run the HTTP server until SIGINT/SIGTERM, then shut down gracefully. */
import type { Command } from 'commander';
import { createLogger } from '../../../logging/logger.js';
import { startServer } from '../../../server.js';
import { configFromFlags, withCommonOptions, type CommonFlags } from '../cli-context.js';

interface ServeFlags extends CommonFlags {
  host?: string;
  port?: string;
  auth?: boolean;
  logFile?: string;
  conformanceFixture?: boolean;
  providers?: boolean;
}

export function registerServeCommand(program: Command): void {
  withCommonOptions(program.command('serve').description('serve Portico over HTTP (MCP, REST, admin UI)'))
    .option('--host <host>', 'interface to bind (default 127.0.0.1); also PORTICO_HOST')
    .option('--port <port>', 'port to listen on (default 8080); also PORTICO_PORT')
    .option('--no-auth', 'serve without credentials as a local all-powerful principal (loopback only)')
    .option('--log-file <file>', 'also write JSON logs to this file')
    .option('--conformance-fixture', 'serve the MCP conformance-suite fixtures (testing only)')
    .option('--no-providers', 'start without the built-in providers (e.g. a pure gateway)')
    .action(async (flags: ServeFlags) => {
      const config = configFromFlags(flags, {
        'server.host': flags.host,
        'server.port': flags.port,
        'auth.disabled': flags.auth === false ? true : undefined,
        'log.file': flags.logFile,
        'mcp.conformanceFixture': flags.conformanceFixture,
        'providers.builtin': flags.providers === false ? false : undefined,
      });
      const logger = createLogger(config);
      // A signal during start-up must still end in a clean shutdown, not the default kill.
      let early: NodeJS.Signals | undefined;
      const remember = (signal: NodeJS.Signals) => {
        early = signal;
      };
      process.once('SIGINT', remember);
      process.once('SIGTERM', remember);
      const server = await startServer(config, { logger }).finally(() => {
        process.off('SIGINT', remember);
        process.off('SIGTERM', remember);
      });
      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = (signal: NodeJS.Signals) => {
          if (stopping) {
            logger.warn({ signal }, 'second signal: exiting now');
            process.exit(1);
          }
          stopping = true;
          logger.info({ signal }, 'shutting down');
          server.close().then(resolve, (err: unknown) => {
            logger.error({ err }, 'error during shutdown');
            resolve();
          });
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        if (early) stop(early);
      });
      logger.flush();
    });
}
