/**
 * oidc-provider's storage over Kysely: one generic table (`oauth_records`, migration 0005) for every
 * model, the same queries on SQLite and PostgreSQL. Expired rows are invisible on read and purged
 * in passing (at most once a minute, off the request's path).
 *
 * It also answers the resource server's one stateful question — is the grant behind an access
 * token still alive? — with a short cache that a revocation on this node clears at once (other
 * nodes notice within `grantCacheMs`).
 */
import type { Kysely } from 'kysely';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { DatabaseSchema, OAuthRecordsTable } from '../../store/schema.js';

export interface OAuthStore {
  /** The adapter factory oidc-provider is configured with. */
  adapterFor(model: string): Adapter;
  /** Whether a grant still exists (not revoked, not expired). */
  grantAlive(grantId: string): Promise<boolean>;
}

export interface OAuthStoreOptions {
  /** How long a live grant is believed without asking the database again (default 5 s). */
  grantCacheMs?: number;
  /** Clock (ms), for tests. */
  now?: () => number;
  /** Reports failures of the background purge. */
  onPurgeError?: (err: unknown) => void;
}

const PURGE_EVERY_MS = 60_000;
const MAX_CACHED_GRANTS = 10_000;

export function createOAuthStore(db: Kysely<DatabaseSchema>, options: OAuthStoreOptions = {}): OAuthStore {
  const now = options.now ?? Date.now;
  const grantCacheMs = options.grantCacheMs ?? 5_000;
  const liveGrants = new Map<string, number>();
  let lastPurge = now();

  const iso = (ms: number) => new Date(ms).toISOString();

  function purgeSometimes(): void {
    const at = now();
    if (at - lastPurge < PURGE_EVERY_MS) return;
    lastPurge = at;
    db.deleteFrom('oauth_records')
      .where('expires_at', '<', iso(at))
      .execute()
      .catch((err: unknown) => options.onPurgeError?.(err));
  }

  function toPayload(row: Pick<OAuthRecordsTable, 'payload' | 'expires_at' | 'consumed_at'> | undefined): AdapterPayload | undefined {
    if (!row) return undefined;
    if (row.expires_at !== null && row.expires_at <= iso(now())) return undefined;
    const payload = JSON.parse(row.payload) as AdapterPayload;
    if (row.consumed_at !== null && payload.consumed === undefined) payload.consumed = Math.floor(Date.parse(row.consumed_at) / 1000);
    return payload;
  }

  const columns = ['payload', 'expires_at', 'consumed_at'] as const;

  function adapterFor(model: string): Adapter {
    return {
      async upsert(id, payload, expiresIn) {
        const at = now();
        const row: OAuthRecordsTable = {
          model,
          id,
          payload: JSON.stringify(payload),
          grant_id: typeof payload.grantId === 'string' ? payload.grantId : null,
          user_code: typeof payload.userCode === 'string' ? payload.userCode : null,
          uid: typeof payload.uid === 'string' ? payload.uid : null,
          expires_at: typeof expiresIn === 'number' ? iso(at + expiresIn * 1000) : null,
          consumed_at: typeof payload.consumed === 'number' ? iso(payload.consumed * 1000) : null,
        };
        await db
          .insertInto('oauth_records')
          .values(row)
          .onConflict((oc) =>
            oc.columns(['model', 'id']).doUpdateSet({
              payload: row.payload,
              grant_id: row.grant_id,
              user_code: row.user_code,
              uid: row.uid,
              expires_at: row.expires_at,
              consumed_at: row.consumed_at,
            }),
          )
          .execute();
        purgeSometimes();
      },
      async find(id) {
        return toPayload(await db.selectFrom('oauth_records').select(columns).where('model', '=', model).where('id', '=', id).executeTakeFirst());
      },
      async findByUid(uid) {
        return toPayload(await db.selectFrom('oauth_records').select(columns).where('model', '=', model).where('uid', '=', uid).executeTakeFirst());
      },
      async findByUserCode(userCode) {
        return toPayload(await db.selectFrom('oauth_records').select(columns).where('model', '=', model).where('user_code', '=', userCode).executeTakeFirst());
      },
      async consume(id) {
        await db.updateTable('oauth_records').set({ consumed_at: iso(now()) }).where('model', '=', model).where('id', '=', id).execute();
      },
      async destroy(id) {
        if (model === 'Grant') liveGrants.delete(id);
        await db.deleteFrom('oauth_records').where('model', '=', model).where('id', '=', id).execute();
      },
      async revokeByGrantId(grantId) {
        liveGrants.delete(grantId);
        await db.deleteFrom('oauth_records').where('model', '=', model).where('grant_id', '=', grantId).execute();
      },
    };
  }

  return {
    adapterFor,
    async grantAlive(grantId) {
      const at = now();
      const until = liveGrants.get(grantId);
      if (until !== undefined && until > at) return true;
      const row = await db
        .selectFrom('oauth_records')
        .select('expires_at')
        .where('model', '=', 'Grant')
        .where('id', '=', grantId)
        .executeTakeFirst();
      const alive = row !== undefined && (row.expires_at === null || row.expires_at > iso(at));
      if (!alive) {
        liveGrants.delete(grantId);
        return false;
      }
      if (liveGrants.size >= MAX_CACHED_GRANTS) liveGrants.clear();
      liveGrants.set(grantId, at + grantCacheMs);
      return true;
    },
  };
}
