/**
 * The prompts provider: opens the prompt library over the store, seeds the built-in templates on
 * first start, publishes the library as `services.prompts`, registers the library tools, and keeps
 * one MCP prompt per template in the catalog — creating, updating, restoring or deleting a
 * template changes the catalog, which sends prompts `list_changed` to subscribed clients.
 *
 * Names shared with prompts other providers register in code (the site provider's `analyze_seo`,
 * `generate_sitemap`, `optimize_images`): the entry already in the catalog wins and the library
 * template of that name stays reachable over REST and `render_prompt` only. Start this provider
 * after those (runtime.ts lists it last) so their registration never meets a duplicate; if the code
 * prompt goes away, the library's takes its place on the next change of that template.
 *
 * Changes made by other nodes or by `portico prompts import` are noticed by a cheap periodic check
 * of the database (`prompts.syncIntervalMs`) and applied to this node's catalog the same way.
 */
import type { FrozenConfig } from '../../config/schema.js';
import type { Logger } from '../../logging/logger.js';
import { createPromptRepository } from '../../store/repositories/prompt.repository.js';
import { createSettingsRepository } from '../../store/repositories/settings.repository.js';
import type { Provider, ProviderContext } from '../provider.js';
import { BUILTIN_TEMPLATES } from './builtin-templates.js';
import { createPromptLibrary } from './library.js';
import { PROMPTS_SOURCE, promptEntryFor } from './prompt-entries.js';
import type { PromptLibrary, PromptTemplate } from './prompt-library.js';
import { promptTools } from './prompt-tools.js';
import { createTemplateRenderer } from './template-renderer.js';

/** Settings key recording that the built-in templates were seeded once (deleted ones stay deleted). */
const SEEDED_KEY = 'prompts.builtinsSeeded';
const DAY_MS = 24 * 60 * 60 * 1000;
/** Old usage records are deleted at start and then this often. */
const PRUNE_INTERVAL_MS = 60 * 60 * 1000;

async function seedBuiltins(library: PromptLibrary, context: ProviderContext, logger: Logger): Promise<void> {
  const settings = createSettingsRepository(context.store.database.db);
  if (await settings.get(SEEDED_KEY)) return;
  const added: string[] = [];
  for (const template of BUILTIN_TEMPLATES) {
    if (await library.get(template.name)) continue;
    try {
      await library.create(template, 'system');
      added.push(template.name);
    } catch (err) {
      // Another node seeding at the same moment: its copy is as good as ours.
      if ((err as { code?: string }).code !== 'conflict') throw err;
    }
  }
  await settings.set(SEEDED_KEY, { at: new Date().toISOString(), templates: BUILTIN_TEMPLATES.map((t) => t.name) });
  if (added.length) logger.info({ templates: added }, 'seeded the built-in prompt templates');
}

export function createPromptsProvider(config: FrozenConfig): Provider {
  const settings = config.prompts;
  let unsubscribe: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let pruner: NodeJS.Timeout | undefined;
  return {
    name: PROMPTS_SOURCE,
    async start(context) {
      const { catalog, logger } = context;
      const repository = createPromptRepository(context.store.database.db);
      const library = createPromptLibrary({
        repository,
        renderer: createTemplateRenderer(settings),
        onUsageError: (err) => logger.warn({ err }, 'could not record prompt usage'),
      });
      if (settings.seedBuiltins) await seedBuiltins(library, context, logger);

      /** The version of each template this node serves as an MCP prompt. */
      const served = new Map<string, number>();
      /** Ours to add or replace: absent, or an entry this provider added. */
      const mayHold = (name: string) => {
        const present = catalog.prompt(name);
        return !present || present.entry.source === PROMPTS_SOURCE;
      };
      const serve = (templates: readonly PromptTemplate[]) => {
        const mine = templates.filter((t) => mayHold(t.name));
        if (mine.length) catalog.add(mine.map((t) => promptEntryFor(library, t)), { replace: true });
        for (const t of mine) served.set(t.name, t.version);
        return templates.filter((t) => !mine.includes(t)).map((t) => t.name);
      };
      const withdraw = (name: string) => {
        if (served.delete(name)) catalog.remove('prompt', name);
      };

      catalog.add(promptTools(library));
      let fingerprint = await repository.fingerprint();
      const shadowed = serve(await library.list({ limit: 100_000 }));
      if (shadowed.length) logger.info({ prompts: shadowed }, 'library templates not served as MCP prompts: another provider registered these names');

      unsubscribe = library.onChange((changes) => {
        for (const change of changes) if (change.kind === 'deleted') withdraw(change.name);
        // The entries render from the database; their descriptors (title, arguments, version) change here, in one catalog change.
        serve(changes.flatMap((c) => (c.kind === 'deleted' ? [] : [c.template])));
      });

      // Changes made elsewhere (another node, `portico prompts import`) reach this node's catalog.
      let syncing = false;
      const sync = async () => {
        const now = await repository.fingerprint();
        if (now === fingerprint) return;
        fingerprint = now;
        const templates = await library.list({ limit: 100_000 });
        const present = new Set(templates.map((t) => t.name));
        for (const name of [...served.keys()]) if (!present.has(name)) withdraw(name);
        serve(templates.filter((t) => served.get(t.name) !== t.version));
      };
      if (settings.syncIntervalMs > 0) {
        timer = setInterval(() => {
          if (syncing) return;
          syncing = true;
          sync()
            .catch((err: unknown) => logger.warn({ err }, 'could not refresh prompts from the database'))
            .finally(() => (syncing = false));
        }, settings.syncIntervalMs);
        timer.unref();
      }
      if (settings.usageRetentionDays > 0) {
        const prune = () =>
          repository
            .pruneUsage(new Date(Date.now() - settings.usageRetentionDays * DAY_MS).toISOString())
            .then((n) => n && logger.debug({ deleted: n }, 'pruned old prompt usage records'))
            .catch((err: unknown) => logger.warn({ err }, 'could not prune prompt usage records'));
        void prune();
        pruner = setInterval(() => void prune(), PRUNE_INTERVAL_MS);
        pruner.unref();
      }
      context.services.prompts = library;
    },
    stop() {
      if (timer) clearInterval(timer);
      if (pruner) clearInterval(pruner);
      timer = undefined;
      pruner = undefined;
      unsubscribe?.();
      unsubscribe = undefined;
    },
  };
}
