/**
 * For administrative commands: open the store of a data directory (a running server's too — SQLite
 * WAL and busy timeouts make that safe) and hand over the identity service.
 */
import { createIdentityService, type IdentityService } from '../../auth/identity-service.js';
import type { FrozenConfig } from '../../config/schema.js';
import { openStore, type Store } from '../../runtime.js';
import { createIdentityRepository } from '../../store/repositories/identity.repository.js';
import { createAuditRepository } from '../../store/repositories/audit.repository.js';
import { identityAuditHook } from '../../auth/audit/audit-events.js';
import { createDbAuditSink } from '../../auth/audit/db-audit-sink.js';
import { createLogger } from '../../logging/logger.js';
import type { AuditSink } from '../../core/pipeline/audit-sink.js';

export async function withIdentity<T>(config: FrozenConfig, run: (identity: IdentityService, store: Store, audit: AuditSink) => Promise<T>): Promise<T> {
  const store = await openStore(config);
  // Changes made here are administrative changes by the local operator: they go to the audit trail.
  const audit = createDbAuditSink({
    repository: createAuditRepository(store.database.db),
    logger: createLogger(config, { stderr: true }),
    flushIntervalMs: 60_000,
    maxArgumentBytes: config.audit.maxArgumentBytes,
    retentionDays: config.audit.retentionDays,
    retention: false,
  });
  try {
    const identity = createIdentityService(createIdentityRepository(store.database.db), store.secretKey, { onAudit: identityAuditHook(audit) });
    await identity.ensureBuiltinRoles();
    const result = await run(identity, store, audit);
    await identity.flush();
    return result;
  } finally {
    await audit.close();
    await store.database.close();
  }
}

/** Read all of stdin (for --password-stdin); trailing newline removed. */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Parse durations like 30d, 12h, 45m, 90s into milliseconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+)\s*(s|m|h|d|w)$/.exec(text.trim());
  if (!m) return undefined;
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 's' | 'm' | 'h' | 'd' | 'w'];
  return Number(m[1]) * unit;
}
