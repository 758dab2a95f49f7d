/**
 * Upstreams declared in the config file: `gateway.upstreams` (full definitions) and Claude-Desktop-
 * style `mcpServers` blocks, turned into definitions with stable ids (`config:<name>`), so an
 * upstream keeps its id across restarts and the REST API can address it.
 */
import type { FrozenConfig } from '../config/schema.js';
import type { McpServerBlock } from '../config/sections/gateway.js';
import { PorticoError } from '../core/errors.js';
import { UPSTREAM_NAME_PATTERN, upstreamDefinitionSchema, type UpstreamDefinition } from './upstream-definition.js';

export const CONFIG_ID_PREFIX = 'config:';

/** Claude Desktop allows any key; Portico names must be usable as a namespace. */
function nameFromKey(key: string): string {
  const name = key.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64);
  if (!UPSTREAM_NAME_PATTERN.test(name)) throw new PorticoError('config_invalid', `mcpServers."${key}": the name must contain a letter or digit`);
  return name;
}

function fromBlock(key: string, block: McpServerBlock): unknown {
  const name = nameFromKey(key);
  const enabled = block.disabled !== true;
  if ('command' in block) {
    return { id: `${CONFIG_ID_PREFIX}${name}`, name, enabled, transport: { type: 'stdio', command: block.command, args: block.args, env: block.env, ...(block.cwd ? { cwd: block.cwd } : {}) } };
  }
  const headers = block.headers;
  // A lone `Authorization: Bearer …` header is what it looks like; keep it a bearer credential.
  const names = Object.keys(headers);
  const bearer = names.length === 1 && names[0]!.toLowerCase() === 'authorization' ? /^bearer\s+(.+)$/i.exec(headers[names[0]!]!)?.[1] : undefined;
  return {
    id: `${CONFIG_ID_PREFIX}${name}`,
    name,
    enabled,
    transport: { type: block.type === 'sse' ? 'sse' : 'http', url: block.url },
    auth: bearer ? { type: 'bearer', token: bearer } : names.length ? { type: 'headers', headers } : { type: 'none' },
  };
}

/** Every config-declared upstream, validated; throws `config_invalid` naming the culprit. */
export function configuredUpstreams(config: FrozenConfig): UpstreamDefinition[] {
  const candidates: Array<{ where: string; value: unknown }> = [
    ...config.gateway.upstreams.map((u, i) => ({ where: `gateway.upstreams[${i}]`, value: { ...u, id: u.id ?? `${CONFIG_ID_PREFIX}${u.name}` } })),
    ...Object.entries(config.mcpServers).map(([key, block]) => ({ where: `mcpServers."${key}"`, value: fromBlock(key, block) })),
  ];
  const byName = new Map<string, string>();
  const byId = new Map<string, string>();
  return candidates.map(({ where, value }) => {
    const parsed = upstreamDefinitionSchema.safeParse(value);
    if (!parsed.success) throw new PorticoError('config_invalid', `${where}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
    const definition = parsed.data;
    const clash = byName.get(definition.name) ?? byId.get(definition.id);
    if (clash) throw new PorticoError('config_invalid', `${where}: the upstream "${definition.name}" is declared twice (also at ${clash})`);
    byName.set(definition.name, where);
    byId.set(definition.id, where);
    return definition;
  });
}
