/**
 * `portico prompts export FILE` and `portico prompts import FILE`: the whole prompt library of a
 * data directory's database as one JSON or YAML document (by the file's extension, or --format).
 * `-` is stdout/stdin. A running server picks imported changes up within `prompts.syncIntervalMs`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { FrozenConfig } from '../../../config/schema.js';
import { createPromptLibrary } from '../../../providers/prompts/library.js';
import { formatOf, parseLibraryText, serialiseLibrary, type LibraryFormat } from '../../../providers/prompts/library-document.js';
import type { PromptLibrary } from '../../../providers/prompts/prompt-library.js';
import { createTemplateRenderer } from '../../../providers/prompts/template-renderer.js';
import { openStore, type Store } from '../../../runtime.js';
import { auditAdmin } from '../../../auth/audit/audit-events.js';
import { createPromptRepository } from '../../../store/repositories/prompt.repository.js';
import { readStdin, withIdentity } from '../admin-context.js';
import { CliExit, EXIT_USAGE, configFromFlags, withCommonOptions, type CommonFlags } from '../cli-context.js';

interface PromptFileFlags extends CommonFlags {
  format?: string;
}

/** Who the library records as the author of imported versions. */
const CLI_AUTHOR = 'local:cli';

function formatFor(file: string, flag: string | undefined): LibraryFormat {
  if (flag !== undefined) {
    if (flag !== 'json' && flag !== 'yaml') throw new CliExit(EXIT_USAGE, `--format "${flag}" must be json or yaml`);
    return flag;
  }
  return formatOf(file === '-' ? undefined : file.split('.').pop());
}

const libraryOver = (store: Store, config: FrozenConfig): PromptLibrary =>
  createPromptLibrary({ repository: createPromptRepository(store.database.db), renderer: createTemplateRenderer(config.prompts) });

async function withLibrary<T>(config: FrozenConfig, run: (library: PromptLibrary) => Promise<T>): Promise<T> {
  const store = await openStore(config);
  try {
    return await run(libraryOver(store, config));
  } finally {
    await store.database.close();
  }
}

export function registerPromptsCommand(program: Command): void {
  const prompts = program.command('prompts').description('import and export the prompt library');

  withCommonOptions(prompts.command('export').argument('<file>', 'where to write (.json, .yaml/.yml; - for stdout)').description('write the whole prompt library to a file'))
    .option('--format <format>', 'json or yaml (default: from the file extension, else json)')
    .action(async (file: string, flags: PromptFileFlags) => {
      const format = formatFor(file, flags.format);
      const text = serialiseLibrary(await withLibrary(configFromFlags(flags), (library) => library.exportLibrary()), format);
      if (file === '-') process.stdout.write(text);
      else writeFileSync(file, text, { mode: 0o600 });
    });

  withCommonOptions(prompts.command('import').argument('<file>', 'a library document (.json, .yaml/.yml; - for stdin)').description('add new templates and a new version of changed ones'))
    .option('--format <format>', 'json or yaml (default: from the file extension, else json)')
    .action(async (file: string, flags: PromptFileFlags) => {
      const format = formatFor(file, flags.format);
      let text: string;
      try {
        text = file === '-' ? await readStdin() : readFileSync(file, 'utf8');
      } catch (err) {
        throw new CliExit(EXIT_USAGE, `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      const document = parseLibraryText(text, format);
      const config = configFromFlags(flags);
      const report = await withIdentity(config, async (_identity, store, audit) => {
        const done = await libraryOver(store, config).importLibrary(document, CLI_AUTHOR);
        auditAdmin(audit, { action: 'admin/prompts', target: '*', operation: 'import', details: { created: done.created.length, updated: done.updated.length, unchanged: done.unchanged.length } });
        return done;
      });
      process.stdout.write(`created ${report.created.length}, updated ${report.updated.length}, unchanged ${report.unchanged.length}\n`);
      for (const name of report.created) process.stdout.write(`  + ${name}\n`);
      for (const name of report.updated) process.stdout.write(`  ~ ${name}\n`);
    });
}
