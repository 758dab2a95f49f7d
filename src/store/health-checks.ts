/** Health checks for what the store owns: the database connection and the blob directory. */
import { constants } from 'node:fs';
import { access, statfs } from 'node:fs/promises';
import type { HealthCheck } from '../core/health.js';
import type { Database } from './database.js';

export function databaseHealthCheck(database: Database): HealthCheck {
  return {
    name: 'database',
    critical: true,
    async run() {
      try {
        await database.ping();
        return { status: 'healthy', dialect: database.dialect };
      } catch {
        // The driver's message can carry host names or user names; keep the reason generic.
        return { status: 'unhealthy', dialect: database.dialect, reason: 'database did not answer' };
      }
    },
  };
}

/** Low free space degrades before it breaks uploads. */
const LOW_SPACE_BYTES = 256 * 1024 * 1024;

export function blobDirectoryHealthCheck(blobsDir: string): HealthCheck {
  return {
    name: 'blobs',
    critical: false,
    async run() {
      try {
        await access(blobsDir, constants.W_OK);
      } catch {
        return { status: 'unhealthy', reason: 'blob directory is not writable' };
      }
      const fs = await statfs(blobsDir);
      const free = fs.bavail * fs.bsize;
      if (free < LOW_SPACE_BYTES) return { status: 'degraded', reason: 'low disk space', free_bytes: free };
      return { status: 'healthy', free_bytes: free };
    },
  };
}
