/**
 * Produces a copy of the configuration that is safe to print, log or serve: keys marked secret
 * become "<redacted>", and URLs marked `url` keep everything but their password.
 */
import { configKeys } from './config-keys.js';
import type { FrozenConfig } from './schema.js';

export const REDACTED = '<redacted>';

/** Hide the password (and any token-like query values) in a URL, keep the rest readable. */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = REDACTED;
    for (const name of [...url.searchParams.keys()]) {
      if (/pass|secret|token|key/i.test(name)) url.searchParams.set(name, REDACTED);
    }
    return url.toString().replace(encodeURIComponent(REDACTED), REDACTED);
  } catch {
    return REDACTED;
  }
}

/** Fields (exact names) whose every value is a credential: upstream `token`, `clientSecret`, `tokens`, `env`, `headers`… */
const SECRET_CONTAINER = /^(password|secret|client_?secret|token|tokens|access_?token|refresh_?token|api_?key|authorization|cookie|credentials?|env|headers)$/i;

/**
 * A secret key holding structured data (e.g. `gateway.upstreams`, `mcpServers`): keep its shape
 * readable, hide every string under a credential-like name, and URL passwords everywhere.
 */
function redactNested(value: unknown, hidden = false): unknown {
  if (typeof value === 'string') return hidden ? REDACTED : /^https?:\/\//.test(value) ? redactUrl(value) : value;
  if (Array.isArray(value)) return value.map((v) => redactNested(v, hidden));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactNested(v, hidden || SECRET_CONTAINER.test(k))]));
  return value;
}

/** Keys that name or classify an entry rather than hold a value worth hiding. */
const SHOWN_IN_SECRET_STRUCTURES = new Set(['name', 'type']);

/** The strict policy: every string of a structured secret is hidden but its names and types. */
function redactAllStrings(value: unknown, key = ''): unknown {
  if (typeof value === 'string') return SHOWN_IN_SECRET_STRUCTURES.has(key) ? value : REDACTED;
  if (Array.isArray(value)) return value.map((v) => redactAllStrings(v));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactAllStrings(v, k)]));
  return value;
}

export interface RedactOptions {
  /**
   * How secret keys holding structured data (`mcpServers`, `gateway.upstreams`) are shown:
   * `credentials` hides the credential-like fields and keeps commands and URLs readable (the
   * operator's `config print`); `names-only` hides every string but names and types (what agents
   * may read through `portico://config`).
   */
  structuredSecrets?: 'credentials' | 'names-only';
}

export function redactConfig(config: FrozenConfig, options: RedactOptions = {}): Record<string, unknown> {
  const strict = options.structuredSecrets === 'names-only';
  const copy = structuredClone(config) as Record<string, unknown>;
  for (const key of configKeys()) {
    if (!key.meta.secret) continue;
    let node: Record<string, unknown> | undefined = copy;
    for (const part of key.path.slice(0, -1)) node = node?.[part] as Record<string, unknown> | undefined;
    const leaf = key.path[key.path.length - 1]!;
    const value = node?.[leaf];
    if (node && typeof value === 'string') node[leaf] = key.meta.secret === 'url' ? redactUrl(value) : REDACTED;
    else if (node && typeof value === 'object' && value !== null) node[leaf] = strict ? redactAllStrings(redactNested(value)) : redactNested(value);
  }
  return copy;
}
