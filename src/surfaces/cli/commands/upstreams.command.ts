/**
 * `portico upstreams add|list|rm|test`: upstream MCP servers, from the shell. Works on the
 * database like `users` and `keys`; a running server picks the change up within
 * `gateway.syncIntervalMs` (the REST API connects at once). Upstreams declared in the config file are listed and tested
 * too, but changed only in that file. Secrets are never printed; a bearer token is read from
 * stdin (`--bearer-token-stdin`) so it stays out of shell history and the process list.
 */
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { auditAdmin } from '../../../auth/audit/audit-events.js';
import type { FrozenConfig } from '../../../config/schema.js';
import { createCatalog } from '../../../core/catalog/catalog.js';
import { PorticoError } from '../../../core/errors.js';
import { configuredUpstreams } from '../../../gateway/configured-upstreams.js';
import { createGateway } from '../../../gateway/create-gateway.js';
import { publicUpstreamDefinition, upstreamDefinitionSchema, upstreamUrl, type UpstreamDefinition, type UpstreamDefinitionInput } from '../../../gateway/upstream-definition.js';
import { createLogger } from '../../../logging/logger.js';
import type { Store } from '../../../store/store.js';
import { createUpstreamRepository } from '../../../store/repositories/upstream.repository.js';
import { VERSION } from '../../../version.js';
import { readStdin, withIdentity } from '../admin-context.js';
import { CliExit, EXIT_FAILURE, EXIT_USAGE, configFromFlags, withCommonOptions, type CommonFlags } from '../cli-context.js';

interface AddFlags extends CommonFlags {
  url?: string;
  sse?: boolean;
  command?: string;
  arg: string[];
  env: string[];
  cwd?: string;
  bearerTokenStdin?: boolean;
  header: string[];
  namespace?: string;
  timeout?: string;
  isolation?: 'shared' | 'per-principal' | 'per-session';
  permission?: string;
  allow: string[];
  deny: string[];
  disabled?: boolean;
  test?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** `KEY=VALUE` (env) or `Name: value` (headers) pairs into a map. */
function pairs(list: readonly string[], separator: '=' | ':', what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const at = item.indexOf(separator);
    if (at <= 0) throw new CliExit(EXIT_USAGE, `${what} "${item.split(separator)[0]}…" must look like NAME${separator}VALUE`);
    out[item.slice(0, at).trim()] = item.slice(at + 1).trim();
  }
  return out;
}

function parseTimeoutMs(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) throw new CliExit(EXIT_USAGE, `--timeout "${text}" is not a duration like 30s, 1500ms or 2m`);
  return Math.round(Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm']);
}

async function definitionFromFlags(name: string, flags: AddFlags): Promise<UpstreamDefinitionInput> {
  if ((flags.url === undefined) === (flags.command === undefined)) throw new CliExit(EXIT_USAGE, 'give exactly one of --url (HTTP or SSE) and --command (stdio)');
  const headers = pairs(flags.header, ':', '--header');
  const token = flags.bearerTokenStdin ? (await readStdin()).trim() : undefined;
  if (flags.bearerTokenStdin && !token) throw new CliExit(EXIT_USAGE, '--bearer-token-stdin read an empty token');
  if (token && Object.keys(headers).length) throw new CliExit(EXIT_USAGE, 'use either --bearer-token-stdin or --header, not both');
  if (flags.command !== undefined && (token || Object.keys(headers).length)) throw new CliExit(EXIT_USAGE, 'a stdio upstream takes credentials through --env');
  return {
    name,
    ...(flags.namespace !== undefined ? { namespace: flags.namespace } : {}),
    transport:
      flags.command !== undefined
        ? { type: 'stdio', command: flags.command, args: flags.arg, env: pairs(flags.env, '=', '--env'), ...(flags.cwd ? { cwd: flags.cwd } : {}) }
        : { type: flags.sse ? 'sse' : 'http', url: flags.url! },
    auth: token ? { type: 'bearer', token } : Object.keys(headers).length ? { type: 'headers', headers } : { type: 'none' },
    ...(flags.timeout ? { timeoutMs: parseTimeoutMs(flags.timeout) } : {}),
    ...(flags.isolation ? { isolation: flags.isolation } : {}),
    ...(flags.permission ? { permission: flags.permission } : {}),
    enabled: !flags.disabled,
    tools: { ...(flags.allow.length ? { allow: flags.allow } : {}), deny: flags.deny },
  };
}

/** Config-declared and stored upstreams, config first (the config file wins a name clash, as at start). */
async function allUpstreams(config: FrozenConfig, store: Store): Promise<Array<{ definition: UpstreamDefinition; source: 'config' | 'api'; createdAt?: string }>> {
  const fromConfig = configuredUpstreams(config).map((definition) => ({ definition, source: 'config' as const }));
  const stored = (await createUpstreamRepository(store.database.db, store.secretKey).list()).map((r) => ({ definition: r.definition, source: 'api' as const, createdAt: r.createdAt }));
  return [...fromConfig, ...stored.filter((s) => !fromConfig.some((c) => c.definition.name === s.definition.name))];
}

function find<T extends { definition: UpstreamDefinition }>(list: readonly T[], nameOrId: string): T {
  const found = list.find((u) => u.definition.name === nameOrId || u.definition.id === nameOrId);
  if (!found) throw new PorticoError('not_found', `No upstream named "${nameOrId}".`);
  return found;
}

/** Connect once with a throwaway gateway (its own empty catalog), report what the upstream offers, disconnect. */
async function testConnection(config: FrozenConfig, definition: UpstreamDefinition): Promise<string> {
  const logger = createLogger(config, { stderr: true }).child({ component: 'upstreams test' });
  const gateway = createGateway({ catalog: createCatalog(), logger, clientInfo: { name: 'portico-cli', version: VERSION } });
  try {
    const status = await gateway.connect({ ...definition, enabled: true });
    const { tools, resources, resourceTemplates, prompts } = status.counts;
    const server = status.serverInfo ? ` (${status.serverInfo.name} ${status.serverInfo.version}${status.era ? `, ${status.era} era` : ''})` : '';
    return `${definition.name}: connected${server}; ${tools} tools, ${resources} resources, ${resourceTemplates} resource templates, ${prompts} prompts`;
  } finally {
    await gateway.close();
  }
}

export function registerUpstreamsCommand(program: Command): void {
  const upstreams = program.command('upstreams').description('manage upstream MCP servers (the gateway)');

  withCommonOptions(upstreams.command('add').argument('<name>', 'unique name, also the namespace of its tools and prompts').description('store an upstream MCP server (a running server connects it within gateway.syncIntervalMs)'))
    .option('--url <url>', 'Streamable HTTP (or, with --sse, legacy SSE) endpoint')
    .option('--sse', 'the URL is a legacy HTTP+SSE endpoint')
    .option('--command <command>', 'stdio: the executable to run')
    .option('--arg <arg>', 'stdio: an argument (repeatable)', collect, [])
    .option('--env <NAME=VALUE>', 'stdio: an environment variable (repeatable; stored encrypted)', collect, [])
    .option('--cwd <dir>', 'stdio: working directory')
    .option('--bearer-token-stdin', 'read a bearer token from standard input (stored encrypted)')
    .option('--header <Name: value>', 'a request header sent to the upstream (repeatable; stored encrypted)', collect, [])
    .option('--namespace <prefix>', 'prefix of federated names (default: the name; "" passes names through)')
    .option('--timeout <duration>', 'per-request timeout such as 30s or 1500ms (default 30s)')
    .option('--isolation <mode>', 'shared, per-principal or per-session (default shared)')
    .option('--permission <permission>', 'permission needed to use anything from this upstream')
    .option('--allow <glob>', 'only these upstream tools (repeatable)', collect, [])
    .option('--deny <glob>', 'never these upstream tools (repeatable)', collect, [])
    .option('--disabled', 'store it without connecting it')
    .option('--test', 'connect once before storing; store nothing if that fails')
    .action(async (name: string, flags: AddFlags) => {
      const input = await definitionFromFlags(name, flags);
      const config = configFromFlags(flags);
      const parsed = upstreamDefinitionSchema.safeParse({ ...input, id: randomUUID() });
      if (!parsed.success) throw new CliExit(EXIT_USAGE, parsed.error.issues.map((i) => `${i.path.join('.') || name}: ${i.message}`).join('; '));
      const definition = parsed.data;
      if (configuredUpstreams(config).some((u) => u.name === name)) throw new PorticoError('conflict', `The upstream "${name}" is declared in the config file.`);
      const tested = flags.test ? await testConnection(config, definition) : undefined;
      await withIdentity(config, async (_identity, store, audit) => {
        await createUpstreamRepository(store.database.db, store.secretKey).insert(definition, { createdBy: null, at: new Date().toISOString() });
        auditAdmin(audit, { action: 'admin/upstreams', target: name, operation: 'create', details: { id: definition.id, transport: definition.transport.type, auth: definition.auth.type } });
      });
      if (tested) process.stdout.write(`${tested}\n`);
      process.stdout.write(`added ${name} (${definition.id}); a running server connects it within ${config.gateway.syncIntervalMs / 1000} s\n`);
    });

  withCommonOptions(upstreams.command('list').description('list upstream MCP servers (never their credentials)'))
    .option('--json', 'machine-readable output')
    .action(async (flags: CommonFlags & { json?: boolean }) => {
      const config = configFromFlags(flags);
      await withIdentity(config, async (_identity, store) => {
        const list = await allUpstreams(config, store);
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(list.map((u) => ({ ...publicUpstreamDefinition(u.definition), source: u.source, createdAt: u.createdAt ?? null })), null, 2)}\n`);
          return;
        }
        for (const { definition: d, source } of list) {
          const target = upstreamUrl(d) ?? (d.transport.type === 'stdio' ? [d.transport.command, ...d.transport.args].join(' ') : '');
          process.stdout.write(`${d.name.padEnd(24)} ${d.transport.type.padEnd(6)} ${d.auth.type.padEnd(8)} ${(d.enabled ? 'enabled' : 'disabled').padEnd(9)} ${source.padEnd(7)} ${target}\n`);
        }
      });
    });

  withCommonOptions(upstreams.command('rm').argument('<name>', 'name or id').description('remove a stored upstream (a running server drops it within gateway.syncIntervalMs)')).action(
    async (nameOrId: string, flags: CommonFlags) => {
      const config = configFromFlags(flags);
      await withIdentity(config, async (_identity, store, audit) => {
        const found = find(await allUpstreams(config, store), nameOrId);
        if (found.source === 'config') throw new PorticoError('conflict', `The upstream "${found.definition.name}" is declared in the config file; remove it there.`);
        await createUpstreamRepository(store.database.db, store.secretKey).delete(found.definition.id);
        auditAdmin(audit, { action: 'admin/upstreams', target: found.definition.name, operation: 'delete', details: { id: found.definition.id } });
        process.stdout.write(`removed ${found.definition.name}\n`);
      });
    },
  );

  withCommonOptions(upstreams.command('test').argument('<name>', 'name or id').description('connect to an upstream once and print what it offers')).action(
    async (nameOrId: string, flags: CommonFlags) => {
      const config = configFromFlags(flags);
      const found = await withIdentity(config, async (_identity, store) => find(await allUpstreams(config, store), nameOrId));
      try {
        process.stdout.write(`${await testConnection(config, found.definition)}\n`);
      } catch (err) {
        const message = err instanceof PorticoError ? err.message : 'the connection failed';
        throw new CliExit(EXIT_FAILURE, `${found.definition.name}: not connected: ${message}`);
      }
    },
  );
}
