/**
 * The body of `POST /api/v1/upstreams` (seed 003's connect request, snake_case, timeouts in
 * seconds) and its translation into an upstream definition. Portico's extras (namespace,
 * isolation, permission, tool filters) are optional fields beside the seed's.
 */
import { z } from 'zod';
import { PorticoError } from '../../core/errors.js';
import type { UpstreamDefinitionInput } from '../../gateway/upstream-definition.js';

const text = (max: number) => z.string().min(1).max(max);
const stringMap = z.record(text(256), z.string().max(8192)).refine((m) => Object.keys(m).length <= 100, 'at most 100 entries');

export const connectBodySchema = z
  .strictObject({
    transport: z.enum(['http', 'sse', 'stdio']).default('http').describe('`http` (Streamable HTTP), `sse` (legacy HTTP+SSE) or `stdio` (a local command)'),
    mcp_url: text(2048).optional().describe('http/sse: the upstream MCP endpoint'),
    command: z
      .union([text(4096), z.array(z.string().max(4096)).min(1).max(256)])
      .optional()
      .describe('stdio: the executable, or the whole command line as an array (`["node", "server.js"]`)'),
    args: z.array(z.string().max(4096)).max(256).optional().describe('stdio: arguments (appended to an array `command`)'),
    env: stringMap.optional().describe('stdio: extra environment (stored encrypted, never shown)'),
    cwd: text(4096).optional().describe('stdio: working directory'),
    auth_type: z.enum(['none', 'bearer', 'headers', 'oauth']).default('none'),
    bearer_token: text(8192).optional().describe('auth_type bearer (stored encrypted, never shown)'),
    headers: stringMap.optional().describe('auth_type headers: fixed request headers (stored encrypted, never shown)'),
    oauth_client_id: text(512).optional(),
    oauth_client_secret: text(4096).optional().describe('stored encrypted, never shown'),
    oauth_token_url: text(2048).optional(),
    oauth_auth_url: text(2048).optional().describe('given: the authorization-code grant (completed by an admin in a browser); absent: client credentials'),
    oauth_redirect_uri: text(2048).optional(),
    oauth_scopes: z.array(text(256)).max(50).optional(),
    name: text(64).optional().describe('unique name, also the namespace of its tools and prompts; default: generated'),
    namespace: z.string().max(64).optional().describe('prefix of federated names; empty: names pass through unchanged'),
    timeout: z.number().min(0.1).max(3600).optional().describe('seconds per upstream request (default 30)'),
    isolation: z.enum(['shared', 'per-principal', 'per-session']).optional(),
    permission: text(256).optional().describe('permission needed to use anything from this upstream'),
    tools_allow: z.array(text(256)).max(1000).optional(),
    tools_deny: z.array(text(256)).max(1000).optional(),
    enabled: z.boolean().optional(),
    era: z.enum(['auto', 'modern', 'legacy']).optional(),
  })
  .meta({ id: 'UpstreamConnectRequest' });

export type ConnectBody = z.output<typeof connectBodySchema>;

const invalid = (message: string) => new PorticoError('validation_failed', message);

/** Every URL in a connect body that Portico would fetch (checked against the SSRF policy). */
export function outboundUrls(body: ConnectBody): string[] {
  return [body.mcp_url, body.oauth_token_url, body.oauth_auth_url].filter((u): u is string => u !== undefined);
}

export function definitionFromConnectBody(body: ConnectBody, generatedName: string): UpstreamDefinitionInput {
  let transport: UpstreamDefinitionInput['transport'];
  if (body.transport === 'stdio') {
    if (body.command === undefined) throw invalid('transport stdio needs `command`.');
    if (body.mcp_url !== undefined) throw invalid('transport stdio takes `command`, not `mcp_url`.');
    const [command, ...leading] = Array.isArray(body.command) ? body.command : [body.command];
    if (!command) throw invalid('`command` must not be empty.');
    transport = { type: 'stdio', command, args: [...leading, ...(body.args ?? [])], env: body.env ?? {}, ...(body.cwd ? { cwd: body.cwd } : {}) };
  } else {
    if (body.mcp_url === undefined) throw invalid(`transport ${body.transport} needs \`mcp_url\`.`);
    if (body.command !== undefined || body.args !== undefined || body.env !== undefined || body.cwd !== undefined) throw invalid('`command`, `args`, `env` and `cwd` are for transport stdio only.');
    transport = { type: body.transport, url: body.mcp_url };
  }

  const oauthFields = [body.oauth_client_id, body.oauth_client_secret, body.oauth_token_url, body.oauth_auth_url, body.oauth_redirect_uri, body.oauth_scopes];
  if (body.auth_type !== 'bearer' && body.bearer_token !== undefined) throw invalid('`bearer_token` needs auth_type bearer.');
  if (body.auth_type !== 'headers' && body.headers !== undefined) throw invalid('`headers` needs auth_type headers.');
  if (body.auth_type !== 'oauth' && oauthFields.some((f) => f !== undefined)) throw invalid('`oauth_*` fields need auth_type oauth.');
  if (body.transport === 'stdio' && body.auth_type !== 'none') throw invalid('a stdio upstream takes no auth_type (pass credentials in `env`).');

  let auth: UpstreamDefinitionInput['auth'];
  switch (body.auth_type) {
    case 'bearer':
      if (!body.bearer_token) throw invalid('auth_type bearer needs `bearer_token`.');
      auth = { type: 'bearer', token: body.bearer_token };
      break;
    case 'headers':
      if (!body.headers || Object.keys(body.headers).length === 0) throw invalid('auth_type headers needs `headers`.');
      auth = { type: 'headers', headers: body.headers };
      break;
    case 'oauth': {
      if (!body.oauth_client_id || !body.oauth_token_url) throw invalid('auth_type oauth needs `oauth_client_id` and `oauth_token_url`.');
      const common = {
        type: 'oauth' as const,
        tokenUrl: body.oauth_token_url,
        clientId: body.oauth_client_id,
        ...(body.oauth_client_secret ? { clientSecret: body.oauth_client_secret } : {}),
        ...(body.oauth_scopes?.length ? { scope: body.oauth_scopes.join(' ') } : {}),
      };
      auth = body.oauth_auth_url
        ? { ...common, grant: 'authorization_code', authorizationUrl: body.oauth_auth_url, ...(body.oauth_redirect_uri ? { redirectUri: body.oauth_redirect_uri } : {}) }
        : { ...common, grant: 'client_credentials' };
      if (!body.oauth_auth_url && body.oauth_redirect_uri) throw invalid('`oauth_redirect_uri` needs `oauth_auth_url` (the authorization-code grant).');
      break;
    }
    default:
      auth = { type: 'none' };
  }

  return {
    name: body.name ?? generatedName,
    ...(body.namespace !== undefined ? { namespace: body.namespace } : {}),
    transport,
    auth,
    ...(body.timeout !== undefined ? { timeoutMs: Math.round(body.timeout * 1000) } : {}),
    ...(body.isolation ? { isolation: body.isolation } : {}),
    ...(body.permission ? { permission: body.permission } : {}),
    ...(body.enabled !== undefined ? { enabled: body.enabled } : {}),
    ...(body.era ? { era: body.era } : {}),
    tools: { ...(body.tools_allow ? { allow: body.tools_allow } : {}), deny: body.tools_deny ?? [] },
    // Its URL passed the address check now; every later connection checks again.
    networkGuard: true,
  };
}
