/** `portico keys create|list|revoke`: API keys; `create` prints the secret alone on stdout. */
import type { Command } from 'commander';
import { PorticoError } from '../../../core/errors.js';
import { CliExit, EXIT_USAGE, configFromFlags, withCommonOptions, type CommonFlags } from '../cli-context.js';
import { parseDuration, withIdentity } from '../admin-context.js';

interface CreateFlags extends CommonFlags {
  name: string;
  role: string;
  expires?: string;
  user?: string;
  scopes?: string;
}

export function registerKeysCommand(program: Command): void {
  const keys = program.command('keys').description('manage API keys');

  withCommonOptions(keys.command('create').description('create an API key and print its secret (shown only once)'))
    .requiredOption('--name <name>', 'what the key is for')
    .requiredOption('--role <role>', 'role of the key (never more than its owner’s, if it has one)')
    .option('--expires <duration>', 'lifetime such as 30d, 12h (default: no expiry)')
    .option('--user <name>', 'owner (the key then acts as that user, narrowed to its role and scopes)')
    .option('--scopes <patterns>', 'comma-separated permission patterns narrowing the role')
    .action(async (flags: CreateFlags) => {
      let expiresAt: string | undefined;
      if (flags.expires) {
        const ms = parseDuration(flags.expires);
        if (!ms) throw new CliExit(EXIT_USAGE, `--expires "${flags.expires}" is not a duration like 30d, 12h or 45m`);
        expiresAt = new Date(Date.now() + ms).toISOString();
      }
      await withIdentity(configFromFlags(flags), async (identity) => {
        let userId: string | undefined;
        if (flags.user) {
          const user = await identity.user(flags.user);
          if (!user) throw new PorticoError('not_found', `No user named "${flags.user}".`);
          userId = user.id;
        }
        const scopes = flags.scopes ? flags.scopes.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
        const { secret } = await identity.createKey({ name: flags.name, role: flags.role, userId, scopes, expiresAt });
        process.stdout.write(`${secret}\n`);
      });
    });

  withCommonOptions(keys.command('list').description('list API keys (never their secrets)'))
    .option('--json', 'machine-readable output')
    .action(async (flags: CommonFlags & { json?: boolean }) => {
      await withIdentity(configFromFlags(flags), async (identity) => {
        const list = await identity.keys();
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
          return;
        }
        for (const k of list) {
          const state = k.revokedAt ? 'revoked' : k.expiresAt && Date.parse(k.expiresAt) <= Date.now() ? 'expired' : 'active';
          process.stdout.write(`${k.id}  ${k.name.padEnd(24)} ${k.role.padEnd(10)} ${state.padEnd(8)} expires ${k.expiresAt ?? 'never'}  last used ${k.lastUsedAt ?? 'never'}\n`);
        }
      });
    });

  withCommonOptions(keys.command('revoke').argument('<id>').description('revoke an API key')).action(async (id: string, flags: CommonFlags) => {
    await withIdentity(configFromFlags(flags), async (identity) => {
      await identity.revokeKey(id);
      process.stdout.write(`revoked ${id}\n`);
    });
  });
}
