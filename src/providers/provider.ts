/**
 * Provider contract: a capability source (blobs, files, database, prompts, …) that contributes
 * catalog entries. Each provider folder exports a factory `createXProvider(config)` taking a frozen
 * configuration; the composition root starts them with what they may use. A provider never imports
 * another provider or a surface.
 */
import type { Catalog } from '../core/catalog/catalog.js';
import type { FrozenConfig } from '../config/schema.js';
import type { Logger } from '../logging/logger.js';
import type { IdentityService } from '../auth/identity-service.js';
import type { Pipeline } from '../core/pipeline/pipeline.js';
import type { Store } from '../store/store.js';
import type { ProviderServices } from './services.js';

export interface ProviderContext {
  readonly catalog: Catalog;
  readonly config: FrozenConfig;
  readonly logger: Logger;
  /** The database, the data directory and the key for secrets at rest. */
  readonly store: Store;
  /** Users, roles and keys: the same service the REST user endpoints use. */
  readonly identity: IdentityService;
  /** The one call pipeline (for work that calls other entries, e.g. background jobs). */
  readonly pipeline: Pipeline;
  /** Publish this provider's service here; read the services of providers started earlier. */
  readonly services: ProviderServices;
}

export interface Provider {
  /** Unique, used as the `source` of the entries it adds. */
  readonly name: string;
  /** Register entries (and start any background work). */
  start(context: ProviderContext): Promise<void> | void;
  /** Stop background work; entries are removed by the caller. */
  stop?(): Promise<void> | void;
}
