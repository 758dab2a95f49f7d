/**
 * The database provider: seeds the demo application once, opens the configured connections,
 * introspects the exposed tables and registers their generated tools and resources, the
 * `database` SQL tool with a schema resource per connection, and `search_users`/`manage_users`.
 */
import type { FrozenConfig } from '../../config/schema.js';
import type { CatalogEntry } from '../../core/catalog/entries.js';
import { PorticoError } from '../../core/errors.js';
import type { Provider, ProviderContext } from '../provider.js';
import { openConnection, type OpenConnection } from './connections.js';
import { DEMO_TABLES, seedDemoData } from './demo-data.js';
import { introspectTable } from './introspect.js';
import { sqlEntries } from './sql-tool.js';
import { assertUniqueNames, tableEntries } from './table-entries.js';
import type { TableModel } from './table-model.js';
import { userEntries } from './user-tools.js';

export const DATABASE_PROVIDER = 'database';

export function createDatabaseProvider(config: FrozenConfig): Provider {
  const settings = config.databases;
  let connections: OpenConnection[] = [];

  return {
    name: DATABASE_PROVIDER,
    async start(context: ProviderContext) {
      const { store, logger, catalog, identity } = context;
      const embeddedDialect = store.database.dialect;
      const seedDemo = settings.demo === 'on' || (settings.demo === 'auto' && embeddedDialect === 'sqlite');
      if (seedDemo) {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- demo tables are not in Portico's schema type
        const seeded = await seedDemoData(store.database.db as any, embeddedDialect);
        if (seeded) logger.info('demo application tables created and filled (items, subscriptions)');
      }
      const opened: OpenConnection[] = [];
      const models: TableModel[] = [];
      try {
        for (const [name, spec] of Object.entries(settings.connections)) {
          const connection = openConnection(name, spec, config, store);
          opened.push(connection);
          for (const [table, exposure] of Object.entries(spec.tables)) {
            // The demo tables exist only where the demo was seeded (and not dropped since): without them the
            // default configuration simply exposes less.
            try {
              models.push(await introspectTable(connection, table, exposure));
            } catch (err) {
              if (connection.embedded && DEMO_TABLES.has(table) && err instanceof PorticoError && err.code === 'config_invalid' && err.message.includes(`table "${table}" does not exist`)) {
                logger.info({ table }, 'demo table not present in the embedded database; not exposed');
                continue;
              }
              throw err;
            }
          }
        }
        assertUniqueNames(models);
        const scheme = config.mcp.uriScheme;
        const entries: CatalogEntry[] = [
          ...models.flatMap((m) => tableEntries(m, scheme, DATABASE_PROVIDER)),
          ...sqlEntries(opened, settings, scheme, DATABASE_PROVIDER),
          ...userEntries(identity, DATABASE_PROVIDER, { search: settings.exposeUsers }),
        ];
        catalog.add(entries);
        connections = opened;
        logger.info({ tables: models.map((m) => `${m.connection.name}.${m.table}`), connections: opened.map((c) => `${c.name}=${c.display}`) }, 'database tables exposed');
      } catch (err) {
        await Promise.all(opened.map((c) => c.close().catch(() => undefined)));
        throw err;
      }
    },
    async stop() {
      const closing = connections;
      connections = [];
      await Promise.all(closing.map((c) => c.close().catch(() => undefined)));
    },
  };
}
