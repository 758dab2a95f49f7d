/**
 * The part of the composition every entry point shares (HTTP server, stdio, admin CLI): the data
 * directory and store, the catalog, the one pipeline, and the providers that fill the catalog.
 */
import type { Migration } from 'kysely';
import { auditingAuthenticator, identityAuditHook } from './auth/audit/audit-events.js';
import { createDbAuditSink, type DbAuditSink } from './auth/audit/db-audit-sink.js';
import { createTokenBucketLimiter } from './auth/rate-limit/token-bucket-limiter.js';
import type { FrozenConfig } from './config/schema.js';
import { createCatalog, type Catalog } from './core/catalog/catalog.js';
import type { Authenticator } from './core/identity/authenticator.js';
import { nullCallMetrics, type CallMetrics } from './core/pipeline/audit-sink.js';
import { createPipeline, type Pipeline } from './core/pipeline/pipeline.js';
import { unlimitedRateLimiter } from './core/pipeline/rate-limiter.js';
import type { Logger } from './logging/logger.js';
import { createConformanceProvider } from './providers/conformance/conformance-provider.js';
import { createFilesProvider } from './providers/files/files-provider.js';
import { createConfigProvider } from './providers/config/config-provider.js';
import { createSiteProvider } from './providers/site/site-provider.js';
import { createWebProvider } from './providers/web/web-provider.js';
import { createCodeProvider } from './providers/code/code-provider.js';
import { createDatabaseProvider } from './providers/database/database-provider.js';
import { createBlobsProvider } from './providers/blobs/blobs-provider.js';
import type { Provider } from './providers/provider.js';
import { createPromptsProvider } from './providers/prompts/prompts-provider.js';
import type { ProviderServices } from './providers/services.js';
import { loadSecretKey, prepareDataDirectory, type DataDirectory } from './store/data-directory.js';
import { databaseOptionsFrom, openDatabase } from './store/database.js';
import { migrateToLatest } from './store/migrate.js';
import type { Store } from './store/store.js';
import { createIdentityRepository } from './store/repositories/identity.repository.js';
import { createAuditRepository } from './store/repositories/audit.repository.js';
import { createIdentityService, type IdentityService } from './auth/identity-service.js';
import { createJobService } from './jobs/job-service.js';
import { createJobRepository } from './store/repositories/job.repository.js';
import { createGenerationProvider } from './providers/prompts/generation/generation-provider.js';
import { createGateway } from './gateway/create-gateway.js';
import { startUpstreamRegistry } from './gateway/upstream-registry.js';
import { VERSION } from './version.js';

export type { Store } from './store/store.js';

/** Prepare, migrate and open everything the server and the admin CLI share. */
export async function openStore(
  config: FrozenConfig,
  options: { migrations?: Readonly<Record<string, Migration>> | undefined; dataDir?: DataDirectory | undefined } = {},
): Promise<Store> {
  // The server prepares the directory first (it locks it); don't do it twice.
  const dataDir = options.dataDir ?? prepareDataDirectory(config.dataDir);
  const secretKey = loadSecretKey(dataDir, config.secretKey);
  const database = await openDatabase(databaseOptionsFrom(config));
  try {
    const report = await migrateToLatest(database, options.migrations);
    return { dataDir, secretKey, database, migrations: report };
  } catch (err) {
    await database.close();
    throw err;
  }
}

/**
 * Providers enabled by configuration. The built-in ones (`providers.builtin`, `--no-providers` turns
 * them off) come first; each reads its own configuration section and may be off by itself.
 */
export function configuredProviders(config: FrozenConfig): Provider[] {
  const providers: Provider[] = [];
  if (config.providers.builtin) {
    // Blobs first: other providers (site) store results through services.blobs.
    if (config.blobs.enabled) providers.push(createBlobsProvider(config));
    providers.push(createWebProvider(config));
    providers.push(createCodeProvider(config));
    if (config.databases.enabled) providers.push(createDatabaseProvider(config));
    if (config.files.enabled) providers.push(createFilesProvider(config));
    providers.push(createConfigProvider(config));
    // After files and blobs: the site tools read through services.files and store through services.blobs.
    if (config.site.enabled) providers.push(createSiteProvider(config));
    // Keep the prompt library last: prompts other providers register in code win over library
    // templates of the same name (see prompts-provider.ts), so the catalog never sees a duplicate.
    if (config.prompts.enabled) providers.push(createPromptsProvider(config));
    // After the prompt library: generation renders through services.prompts.
    if (config.ai.enabled) providers.push(createGenerationProvider(config));
  }
  if (config.mcp.conformanceFixture) providers.push(createConformanceProvider(config));
  return providers;
}

export interface RuntimeOptions {
  logger: Logger;
  /** Built once the identity service exists (it is usually what authenticates). */
  authenticator: Authenticator | ((identity: IdentityService, store: Store) => Authenticator);
  metrics?: CallMetrics;
  /** Extra providers to start (tests, embedding). */
  providers?: readonly Provider[];
  migrations?: Readonly<Record<string, Migration>>;
  /** An already prepared data directory (the server's, which it has locked). */
  dataDir?: DataDirectory;
  /** Resolves upstream host names for the gateway's network guard (default: the system resolver). */
  resolveHost?: (host: string) => Promise<string[]>;
}

export interface Runtime {
  readonly store: Store;
  readonly identity: IdentityService;
  readonly catalog: Catalog;
  readonly pipeline: Pipeline;
  /** The audit trail: record auth and admin events here (auth/audit/audit-events.ts builds them). */
  readonly audit: DbAuditSink;
  /** What the started providers published (blob store, prompt library, …) for the surfaces. */
  readonly services: ProviderServices;
  /** Stop providers, write the audit trail, close the store. Idempotent. */
  close(): Promise<void>;
}

export async function createRuntime(config: FrozenConfig, options: RuntimeOptions): Promise<Runtime> {
  const { logger } = options;
  const store = await openStore(config, { migrations: options.migrations, dataDir: options.dataDir });
  if (store.migrations.applied.length) logger.info({ applied: store.migrations.applied }, 'database migrated');
  const audit = createDbAuditSink({
    repository: createAuditRepository(store.database.db, store.database.sqlite),
    logger,
    flushIntervalMs: config.audit.flushIntervalMs,
    maxArgumentBytes: config.audit.maxArgumentBytes,
    retentionDays: config.audit.retentionDays,
  });
  const identity = createIdentityService(createIdentityRepository(store.database.db), store.secretKey, { onAudit: identityAuditHook(audit) });
  let authenticator: Authenticator;
  try {
    await identity.ensureBuiltinRoles();
    authenticator = typeof options.authenticator === 'function' ? options.authenticator(identity, store) : options.authenticator;
  } catch (err) {
    // E.g. an authenticator refusing its configuration: nothing may stay open.
    await audit.close();
    await store.database.close();
    throw err;
  }
  const catalog = createCatalog();
  const pipeline = createPipeline({
    catalog,
    authenticator: auditingAuthenticator(authenticator, audit),
    // The local principal (stdio, --no-auth) is never limited.
    rateLimiter: config.rateLimits.enabled ? createTokenBucketLimiter(config.rateLimits) : unlimitedRateLimiter,
    audit,
    metrics: options.metrics ?? nullCallMetrics,
    defaultTimeoutMs: config.mcp.callTimeoutMs,
    onInternalError: (err, where) => logger.error({ err, ...where }, 'internal error in a catalog entry'),
  });
  const started: Provider[] = [];
  const services: ProviderServices = {};
  // The job worker is infrastructure: providers register their job kinds while they start.
  const jobs = createJobService(createJobRepository(store.database.db, store.database.dialect), config.jobs, logger.child({ component: 'jobs' }));
  services.jobs = jobs;
  // The gateway is infrastructure, not a provider: it runs with --no-providers too, and the upstream
  // registry (or a test) connects upstreams once the providers' own entries exist.
  const gateway = createGateway({
    catalog,
    logger: logger.child({ component: 'gateway' }),
    clientInfo: { name: 'portico-gateway', version: VERSION },
    separator: config.gateway.separator,
    healthIntervalMs: config.gateway.healthIntervalMs,
    idleSessionMs: config.gateway.idleSessionMs,
    addressPolicy: { allowLoopback: config.gateway.allowLoopback, allowedHosts: config.gateway.allowedHosts, ...(options.resolveHost ? { resolve: options.resolveHost } : {}) },
  });
  services.gateway = gateway;
  let closing: Promise<void> | undefined;
  // API key `last_used_at` is written in batches, not on every request.
  const flusher = setInterval(() => identity.flush().catch((err: unknown) => logger.warn({ err }, 'could not record key usage')), 30_000);
  flusher.unref();
  const close = () =>
    (closing ??= (async () => {
      clearInterval(flusher);
      await identity.flush().catch((err: unknown) => logger.warn({ err }, 'could not record key usage'));
      services.upstreams?.close();
      // Upstream sessions and their child processes end before the providers they may call back into.
      await gateway.close().catch((err: unknown) => logger.warn({ err }, 'gateway failed to close'));
      // Running jobs finish (or are released) while the providers they use are still up.
      await jobs.stop().catch((err: unknown) => logger.warn({ err }, 'job worker failed to stop'));
      for (const provider of started.reverse()) {
        await Promise.resolve(provider.stop?.()).catch((err: unknown) => logger.warn({ err, provider: provider.name }, 'provider failed to stop'));
      }
      // Everything recorded until now reaches the database before it closes.
      await audit.close();
      await store.database.close();
    })());
  try {
    for (const provider of [...configuredProviders(config), ...(options.providers ?? [])]) {
      await provider.start({ catalog, config, logger: logger.child({ provider: provider.name }), store, identity, pipeline, services });
      started.push(provider);
    }
    // Upstreams connect after the providers' entries exist, so a federated name that collides with a local one is refused.
    services.upstreams = await startUpstreamRegistry({ gateway, store, config, logger: logger.child({ component: 'upstreams' }), audit });
    jobs.start();
  } catch (err) {
    await close();
    throw err;
  }
  return { store, identity, catalog, pipeline, audit, services, close };
}
