/**
 * ES256 key pairs that sign Portico's own JWTs, kept in the database so every node and the CLI sign
 * and verify with the same keys. The private half is sealed with the installation secret. The
 * current key is replaced after `auth.signingKeyRotationDays`; a replaced key keeps verifying for
 * twice the longest token lifetime after its retirement (so every token it signed expires first),
 * then it is deleted.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { FrozenConfig } from '../config/schema.js';
import type { SigningKeyRepository, SigningKeyRow } from '../store/repositories/signing-key.repository.js';
import { createSecretBox } from './secret-box.js';

export const SIGNING_ALG = 'ES256';

export interface SigningKeyOptions {
  rotationDays: number;
  /** The longest lifetime of any token these keys sign, in seconds. */
  maxTokenLifetimeSeconds: number;
  /** Clock (ms), replaceable in tests. */
  now?: () => number;
}

export interface SigningKeys {
  /** The key to sign with now (created or rotated as needed). */
  current(): Promise<{ kid: string; privateKey: CryptoKey }>;
  /**
   * The public key for a kid, or undefined. A kid this process has not seen triggers a reload (at
   * most once a second), so keys made by another node or by the CLI are found.
   */
  verificationKey(kid: string): Promise<CryptoKey | undefined>;
  /** Public keys that may still verify a live token, as a JWKS document. */
  jwks(): Promise<{ keys: JWK[] }>;
}

/** Options from configuration: the longest lifetime covers login, MCP and OAuth access tokens. */
export function signingKeyOptions(config: FrozenConfig): SigningKeyOptions {
  return {
    rotationDays: config.auth.signingKeyRotationDays,
    maxTokenLifetimeSeconds: Math.max(config.auth.accessTokenTtlSeconds, config.auth.mcpTokenMaxTtlSeconds, config.oauth.accessTokenTtlSeconds),
  };
}

interface LoadedKey {
  row: SigningKeyRow;
  publicJwk: JWK;
  publicKey: CryptoKey;
  privateKey?: CryptoKey;
}

/** Keys signing with a stale "current" after another node rotated do so for at most this long. */
const RELOAD_EVERY_MS = 5 * 60_000;
const MISS_RELOAD_MS = 1_000;
const DAY_MS = 86_400_000;

export function createSigningKeys(repo: SigningKeyRepository, secretKey: Buffer, options: SigningKeyOptions): SigningKeys {
  const box = createSecretBox(secretKey, 'signing-keys');
  const now = options.now ?? Date.now;
  const rotationMs = options.rotationDays * DAY_MS;
  const keepRetiredMs = 2 * options.maxTokenLifetimeSeconds * 1000;
  let keys = new Map<string, LoadedKey>();
  let loadedAt = -Infinity;
  let loading: Promise<void> | undefined;
  let rotating: Promise<void> | undefined;

  const iso = (ms: number) => new Date(ms).toISOString();

  function load(): Promise<void> {
    loading ??= (async () => {
      try {
        const rows = await repo.usable(iso(now() - keepRetiredMs));
        const next = new Map<string, LoadedKey>();
        for (const row of rows) {
          const known = keys.get(row.kid);
          if (known) {
            next.set(row.kid, { ...known, row });
            continue;
          }
          const publicJwk = JSON.parse(row.public_jwk) as JWK;
          next.set(row.kid, { row, publicJwk, publicKey: (await importJWK(publicJwk, SIGNING_ALG)) as CryptoKey });
        }
        keys = next;
        loadedAt = now();
      } finally {
        loading = undefined;
      }
    })();
    return loading;
  }

  /** The newest key nobody has retired (rows are loaded newest first). */
  function newest(): LoadedKey | undefined {
    for (const key of keys.values()) if (!key.row.retired_at) return key;
    return undefined;
  }

  const due = (key: LoadedKey | undefined) => !key || now() - Date.parse(key.row.created_at) >= rotationMs;

  function rotate(): Promise<void> {
    rotating ??= (async () => {
      try {
        // Another node may have rotated already: look before making a key of our own.
        await load();
        if (!due(newest())) return;
        const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
        const publicJwk = await exportJWK(publicKey);
        const kid = await calculateJwkThumbprint(publicJwk);
        const at = iso(now());
        await repo.insert({
          kid,
          alg: SIGNING_ALG,
          public_jwk: JSON.stringify({ ...publicJwk, kid, alg: SIGNING_ALG, use: 'sig' }),
          private_jwk_encrypted: box.seal(JSON.stringify(await exportJWK(privateKey))),
          created_at: at,
          retired_at: null,
        });
        // Only keys older than ours: if two nodes rotate at once, the newer key wins and neither is lost.
        await repo.retireOlder(kid, at, at);
        await repo.pruneRetired(iso(now() - keepRetiredMs));
        await load();
      } finally {
        rotating = undefined;
      }
    })();
    return rotating;
  }

  return {
    async current() {
      if (now() - loadedAt >= RELOAD_EVERY_MS) await load();
      if (due(newest())) await rotate();
      const key = newest();
      if (!key) throw new Error('no signing key after rotation');
      key.privateKey ??= (await importJWK(JSON.parse(box.open(key.row.private_jwk_encrypted)) as JWK, SIGNING_ALG)) as CryptoKey;
      return { kid: key.row.kid, privateKey: key.privateKey };
    },

    async verificationKey(kid) {
      let key = keys.get(kid);
      if (!key && now() - loadedAt >= MISS_RELOAD_MS) {
        await load();
        key = keys.get(kid);
      }
      if (!key) return undefined;
      // Retired long enough ago that every token it signed has expired.
      if (key.row.retired_at && Date.parse(key.row.retired_at) < now() - keepRetiredMs) return undefined;
      return key.publicKey;
    },

    async jwks() {
      if (now() - loadedAt >= MISS_RELOAD_MS) await load();
      if (!newest()) await rotate();
      const cutoff = now() - keepRetiredMs;
      return { keys: [...keys.values()].filter((k) => !k.row.retired_at || Date.parse(k.row.retired_at) >= cutoff).map((k) => k.publicJwk) };
    },
  };
}
