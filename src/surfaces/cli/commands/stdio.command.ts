/** `portico stdio`: MCP over stdin/stdout for desktop clients (Claude Desktop, Cursor, VS Code…). */
import type { Command } from 'commander';
import { createLogger } from '../../../logging/logger.js';
import { runStdio } from '../../../server.js';
import { configFromFlags, withCommonOptions, type CommonFlags } from '../cli-context.js';

export function registerStdioCommand(program: Command): void {
  withCommonOptions(program.command('stdio').description('serve MCP over stdio (logs go to stderr)'))
    .option('--conformance-fixture', 'serve the MCP conformance-suite fixtures (testing only)')
    .option('--no-providers', 'start without the built-in providers (e.g. a pure gateway)')
    .option('--as <user>', 'act as this user (their role decides what is visible); default: the local operator, with every permission')
    .action(async (flags: CommonFlags & { conformanceFixture?: boolean; providers?: boolean; as?: string }) => {
      const config = configFromFlags(flags, {
        'mcp.conformanceFixture': flags.conformanceFixture,
        'providers.builtin': flags.providers === false ? false : undefined,
      });
      const logger = createLogger(config, { stderr: true });
      await runStdio(config, { logger, ...(flags.as ? { asUser: flags.as } : {}) });
      logger.flush();
    });
}
