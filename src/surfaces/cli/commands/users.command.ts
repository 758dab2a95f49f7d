/** `portico users add|list|passwd|set-role|deactivate`: manage people and agents from the shell. */
import type { Command } from 'commander';
import { PorticoError } from '../../../core/errors.js';
import { randomPassword } from '../../../auth/passwords.js';
import { configFromFlags, withCommonOptions, CliExit, EXIT_USAGE, type CommonFlags } from '../cli-context.js';
import { readStdin, withIdentity } from '../admin-context.js';

interface AddFlags extends CommonFlags {
  role: string;
  passwordStdin?: boolean;
  email?: string;
  fullName?: string;
}

export function registerUsersCommand(program: Command): void {
  const users = program.command('users').description('manage users');

  withCommonOptions(users.command('add').argument('<name>', 'username').description('create a user (prints a generated password unless --password-stdin)'))
    .requiredOption('--role <role>', 'admin, user, ai_agent, readonly or a custom role')
    .option('--password-stdin', 'read the password from standard input')
    .option('--email <email>')
    .option('--full-name <name>')
    .action(async (name: string, flags: AddFlags) => {
      const password = flags.passwordStdin ? await readStdin() : randomPassword();
      await withIdentity(configFromFlags(flags), async (identity) => {
        const user = await identity.createUser({ username: name, role: flags.role, password, email: flags.email ?? null, fullName: flags.fullName ?? null });
        process.stdout.write(flags.passwordStdin ? `created ${user.username} (${user.role})\n` : `created ${user.username} (${user.role}); password: ${password}\n`);
      });
    });

  withCommonOptions(users.command('list').description('list users'))
    .option('--json', 'machine-readable output')
    .action(async (flags: CommonFlags & { json?: boolean }) => {
      await withIdentity(configFromFlags(flags), async (identity) => {
        const list = await identity.users({ limit: 10_000 });
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
          return;
        }
        for (const u of list) {
          process.stdout.write(`${u.username.padEnd(24)} ${u.role.padEnd(10)} ${u.isActive ? 'active  ' : 'inactive'} ${u.email ?? ''}\n`);
        }
      });
    });

  withCommonOptions(users.command('passwd').argument('<name>').description('set a password (from stdin, or generated and printed)'))
    .option('--password-stdin', 'read the new password from standard input')
    .action(async (name: string, flags: CommonFlags & { passwordStdin?: boolean }) => {
      const password = flags.passwordStdin ? await readStdin() : randomPassword();
      await withIdentity(configFromFlags(flags), async (identity) => {
        const user = await identity.user(name);
        if (!user) throw new PorticoError('not_found', `No user named "${name}".`);
        await identity.updateUser(user.id, { password });
        process.stdout.write(flags.passwordStdin ? `password changed for ${user.username}\n` : `new password for ${user.username}: ${password}\n`);
      });
    });

  withCommonOptions(users.command('set-role').argument('<name>').argument('<role>').description("change a user's role")).action(
    async (name: string, role: string, flags: CommonFlags) => {
      await withIdentity(configFromFlags(flags), async (identity) => {
        const user = await identity.user(name);
        if (!user) throw new PorticoError('not_found', `No user named "${name}".`);
        await identity.updateUser(user.id, { role });
        process.stdout.write(`${user.username} is now ${role}\n`);
      });
    },
  );

  for (const [command, active] of [
    ['deactivate', false],
    ['activate', true],
  ] as const) {
    withCommonOptions(users.command(command).argument('<name>').description(`${command} a user`)).action(async (name: string, flags: CommonFlags) => {
      if (!name) throw new CliExit(EXIT_USAGE, 'a username is required');
      await withIdentity(configFromFlags(flags), async (identity) => {
        const user = await identity.user(name);
        if (!user) throw new PorticoError('not_found', `No user named "${name}".`);
        await identity.updateUser(user.id, { isActive: active });
        process.stdout.write(`${user.username} ${active ? 'activated' : 'deactivated'}\n`);
      });
    });
  }
}
