/**
 * `portico token --user NAME --client-id ID [--ttl 24h]`: mint an MCP access token for one client,
 * printed alone on stdout (for scripts and client configuration). The token is audience-bound to
 * the server of this data directory: its public URL if configured, else the URL the running server
 * recorded in its lock, else the configured host and port.
 */
import type { Command } from 'commander';
import { createSessionAuth } from '../../../auth/session-auth.js';
import { PorticoError } from '../../../core/errors.js';
import { runningServerUrl } from '../../../store/data-directory.js';
import { parseDuration, withIdentity } from '../admin-context.js';
import { CliExit, EXIT_USAGE, configFromFlags, withCommonOptions, type CommonFlags } from '../cli-context.js';

interface TokenFlags extends CommonFlags {
  user: string;
  clientId: string;
  ttl: string;
  scopes?: string;
}

const CLIENT_ID = /^[\x21-\x7e]{1,200}$/;

export function registerTokenCommand(program: Command): void {
  withCommonOptions(program.command('token').description('mint an MCP access token for one client and print it'))
    .requiredOption('--user <name>', 'the user the token acts as')
    .requiredOption('--client-id <id>', 'the MCP client the token is for')
    .option('--ttl <duration>', 'lifetime such as 24h or 30d (capped by auth.mcpTokenMaxTtlSeconds)', '24h')
    .option('--scopes <patterns>', 'comma-separated permission patterns narrowing the user’s role')
    .action(async (flags: TokenFlags) => {
      const ms = parseDuration(flags.ttl);
      if (!ms) throw new CliExit(EXIT_USAGE, `--ttl "${flags.ttl}" is not a duration like 24h, 30d or 45m`);
      if (!CLIENT_ID.test(flags.clientId)) throw new CliExit(EXIT_USAGE, '--client-id must be 1-200 printable characters without spaces');
      const scope = flags.scopes ? flags.scopes.split(',').map((s) => s.trim()).filter(Boolean).join(' ') : undefined;
      const config = configFromFlags(flags);
      await withIdentity(config, async (identity, store) => {
        const user = await identity.user(flags.user);
        if (!user) throw new PorticoError('not_found', `No user named "${flags.user}".`);
        if (!user.isActive) throw new PorticoError('conflict', `The account "${user.username}" is deactivated.`);
        const requested = Math.floor(ms / 1000);
        const ttl = Math.min(requested, config.auth.mcpTokenMaxTtlSeconds);
        if (ttl < requested) process.stderr.write(`portico: --ttl capped at ${ttl} seconds (auth.mcpTokenMaxTtlSeconds)\n`);
        const session = createSessionAuth(config, store, identity, { serverUrl: runningServerUrl(store.dataDir) });
        const { token } = await session.accessTokens.mint({ userId: user.id, typ: 'mcp', ttlSeconds: ttl, clientId: flags.clientId, scope });
        process.stdout.write(`${token}\n`);
      });
    });
}
