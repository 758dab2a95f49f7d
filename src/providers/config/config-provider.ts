/**
 * `portico://config` (seed 000): the effective configuration, for administrators and the agents
 * they allow (`config:read`, which only `admin` holds among the built-in roles). Keys the schema
 * marks secret are redacted by `redactConfig`; on top of that, any string under a secret-sounding
 * key and any password inside a URL anywhere (e.g. a database URL in a record) is redacted too,
 * because records such as `databases.connections` are free-form and carry no per-key metadata.
 */
import type { FrozenConfig } from '../../config/schema.js';
import { REDACTED, redactConfig, redactUrl } from '../../config/redact-config.js';
import type { Provider } from '../provider.js';

export const CONFIG_SOURCE = 'config';
export const CONFIG_READ = 'config:read';

/** Key names whose string values are secrets; `…Env` keys only name environment variables. */
const SECRET_KEY = /password|passwd|secret|token|api_?key|credential|authorization|private/i;
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:[^/\s@]*@/i;

function redactDeep(value: unknown, key = ''): unknown {
  if (typeof value === 'string') {
    if (SECRET_KEY.test(key) && !key.endsWith('Env') && value !== REDACTED) return REDACTED;
    return URL_WITH_PASSWORD.test(value) ? redactUrl(value) : value;
  }
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, key));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, k)]));
  return value;
}

/** The configuration as `portico://config` serves it: every secret replaced by `<redacted>`. */
export function publicConfig(config: FrozenConfig): Record<string, unknown> {
  return redactDeep(redactConfig(config, { structuredSecrets: 'names-only' })) as Record<string, unknown>;
}

export function createConfigProvider(config: FrozenConfig): Provider {
  return {
    name: CONFIG_SOURCE,
    start({ catalog }) {
      const uri = `${config.mcp.uriScheme}://config`;
      // The configuration is frozen for the life of the process: render it once.
      const text = JSON.stringify(publicConfig(config), null, 2);
      catalog.add({
        kind: 'resource',
        source: CONFIG_SOURCE,
        uri,
        name: 'config',
        title: 'Effective configuration',
        description: 'The configuration this server runs with (defaults, file, environment, flags merged), every secret redacted. Administrators only.',
        mimeType: 'application/json',
        permission: CONFIG_READ,
        read: () => ({ contents: [{ uri, mimeType: 'application/json', text }] }),
      });
    },
  };
}
