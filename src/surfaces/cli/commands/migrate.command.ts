/** `portico migrate`: apply pending migrations (safe while a server runs on the same data). */
import type { Command } from 'commander';
import { openStore } from '../../../server.js';
import { configFromFlags, withCommonOptions, type CommonFlags } from '../cli-context.js';

export function registerMigrateCommand(program: Command): void {
  withCommonOptions(program.command('migrate').description('apply pending database migrations')).action(async (flags: CommonFlags) => {
    const config = configFromFlags(flags);
    const store = await openStore(config);
    try {
      const applied = store.migrations.applied;
      process.stdout.write(applied.length ? `applied ${applied.length} migration(s): ${applied.join(', ')}\n` : 'database is up to date\n');
    } finally {
      await store.database.close();
    }
  });
}
