/**
 * `gateway`: upstream MCP servers Portico connects to and federates, declared here (read at every
 * start, never written to the database) or added at run time through the REST API and CLI.
 * The top-level `mcpServers` key accepts a Claude-Desktop-style block as-is, so an existing
 * `claude_desktop_config.json` can serve as (part of) a Portico config file.
 */
import { z } from 'zod';
import { upstreamDefinitionInputSchema } from '../../gateway/upstream-definition.js';
import { meta } from '../key-meta.js';

/** One `gateway.upstreams` entry: a full upstream definition; `id` defaults to `config:<name>`. */
export const configuredUpstreamSchema = upstreamDefinitionInputSchema.extend({
  id: z.string().min(1).max(128).optional(),
});

export const gatewaySchema = z.strictObject({
  separator: z
    .string()
    .regex(/^[A-Za-z0-9_./-]{1,4}$/, '1-4 characters allowed in MCP tool names')
    .default('_')
    .meta(meta({ description: 'Between an upstream\'s namespace and its tool or prompt names (`{namespace}{separator}{name}`).' })),
  healthIntervalMs: z.number().int().min(0).default(15_000).meta(meta({ description: 'Ping every connected upstream this often; a failed ping starts reconnecting (0: no health checks).' })),
  idleSessionMs: z.number().int().min(1_000).default(600_000).meta(meta({ description: 'Close per-principal and per-session upstream sessions idle this long (they reopen on the next call).' })),
  upstreams: z
    .array(configuredUpstreamSchema)
    .default([])
    .meta(
      meta({
        description:
          'Upstream MCP servers to connect at start (config file only): `{name, transport: {type: stdio|sse|http, …}, auth, namespace, timeoutMs, isolation, permission, tools: {allow, deny}}`.',
        secret: true,
      }),
    ),
  allowedHosts: z
    .array(z.string().min(1))
    .default([])
    .meta(
      meta({
        description:
          'Upstream URLs added through the REST API may point at these private destinations (host names, IP addresses or CIDR ranges); other private, link-local and metadata addresses are refused.',
      }),
    ),
  allowLoopback: z
    .boolean()
    .default(true)
    .meta(meta({ description: 'Upstream URLs added through the REST API may point at loopback (127.0.0.0/8, ::1, localhost): MCP servers on the same machine.' })),
  syncIntervalMs: z
    .number()
    .int()
    .min(0)
    .default(10_000)
    .meta(meta({ description: 'How often a server picks up upstreams stored or removed by the CLI or another node (0: only at start).' })),
  allowStdioFromApi: z
    .boolean()
    .default(true)
    .meta(meta({ description: 'Holders of `upstreams:manage` may add stdio upstreams (which run a command on this machine) through the REST API.' })),
});

/**
 * Claude-Desktop-style server blocks: `{ "name": { "command", "args", "env" } | { "url", "headers" } }`.
 * Unknown keys that other clients add (`autoApprove`, `alwaysAllow`, …) are ignored.
 */
export const mcpServerBlockSchema = z.union([
  z.object({
    type: z.literal('stdio').optional(),
    command: z.string().min(1),
    args: z.array(z.string()).default([]),
    env: z.record(z.string().min(1), z.string()).default({}),
    cwd: z.string().min(1).optional(),
    disabled: z.boolean().optional(),
  }),
  z.object({
    /** `sse` for the legacy HTTP+SSE transport; anything else means Streamable HTTP. */
    type: z.enum(['http', 'sse', 'streamable-http', 'streamableHttp']).optional(),
    url: z.url({ protocol: /^https?$/ }),
    headers: z.record(z.string().min(1), z.string()).default({}),
    disabled: z.boolean().optional(),
  }),
]);

export const mcpServersSchema = z
  .record(z.string().min(1), mcpServerBlockSchema)
  .default({})
  .meta(meta({ description: 'Claude-Desktop-style upstream declarations (`{"name": {"command", "args", "env"} | {"url", "headers"}}`), connected at start like `gateway.upstreams`.', secret: true }));

export type GatewayConfig = z.output<typeof gatewaySchema>;
export type McpServerBlock = z.output<typeof mcpServerBlockSchema>;
