/** What an opened store is: the data directory, the key for secrets at rest, and the migrated database. */
import type { DataDirectory } from './data-directory.js';
import type { Database } from './database.js';
import type { MigrationReport } from './migrate.js';

export interface Store {
  readonly dataDir: DataDirectory;
  /** Encrypts secrets at rest (auth/secret-box.ts); never logged, never returned. */
  readonly secretKey: Buffer;
  readonly database: Database;
  readonly migrations: MigrationReport;
}
