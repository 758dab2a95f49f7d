/**
 * The `portico` command line. Each command lives in commands/; this file wires them and owns
 * the exit code so tests can call `main(argv)` in process.
 */
import { Command, CommanderError } from 'commander';
import { VERSION } from '../../version.js';
import { EXIT_OK, EXIT_USAGE, exitCodeFor } from './cli-context.js';
import { registerConfigCommand } from './commands/config.command.js';
import { registerMigrateCommand } from './commands/migrate.command.js';
import { registerServeCommand } from './commands/serve.command.js';
import { registerStdioCommand } from './commands/stdio.command.js';
import { registerUsersCommand } from './commands/users.command.js';
import { registerKeysCommand } from './commands/keys.command.js';
import { registerAuditCommand } from './commands/audit.command.js';
import { registerTokenCommand } from './commands/token.command.js';
import { registerPromptsCommand } from './commands/prompts.command.js';
import { registerUpstreamsCommand } from './commands/upstreams.command.js';

export function buildProgram(): Command {
  const program = new Command('portico')
    .description('Governed access for AI agents to your organisation’s context, over MCP, REST, CLI and an admin page.')
    .version(VERSION, '-v, --version')
    .showHelpAfterError()
    .exitOverride();
  registerServeCommand(program);
  registerStdioCommand(program);
  registerUsersCommand(program);
  registerKeysCommand(program);
  registerAuditCommand(program);
  registerTokenCommand(program);
  registerPromptsCommand(program);
  registerMigrateCommand(program);
  registerConfigCommand(program);
  registerUpstreamsCommand(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  if (argv.length <= 2) {
    program.outputHelp();
    return EXIT_OK;
  }
  try {
    await program.parseAsync([...argv]);
    return EXIT_OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with exit code 0; usage mistakes with 1 → map to 2.
      return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    const { code, message } = exitCodeFor(err);
    if (message) process.stderr.write(`portico: ${message}\n`);
    return code;
  }
}
