/**
 * What an upstream MCP server IS (not whether it is connected): how to reach it, how to
 * authenticate to it, how it is mounted into Portico's catalog and who may use it.
 *
 * One schema serves every source of definitions: the REST API and CLI (persisted by the
 * upstream repository, credentials encrypted), and the config file (`gateway.upstreams`,
 * Claude-Desktop-style `mcpServers`). The live gateway (`gateway.ts`) consumes the parsed type.
 *
 * Credentials live only in `auth` (and in `transport.env` for stdio, which may carry API keys);
 * `publicUpstreamDefinition` is the one way a definition leaves the process (responses, logs,
 * audit) and drops them.
 */
import { z } from 'zod';

/** Namespace / name rule: safe inside MCP tool names (`[A-Za-z0-9_.-]`) and URLs. */
export const UPSTREAM_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

const nonEmpty = z.string().min(1);
const httpUrl = z
  .url({ protocol: /^https?$/ })
  .max(2048)
  .describe('http(s) URL of the upstream MCP endpoint');

export const stdioTransportSchema = z.strictObject({
  type: z.literal('stdio'),
  /** Executable to spawn (no shell: arguments are passed as-is). */
  command: nonEmpty.max(4096),
  args: z.array(z.string().max(4096)).max(256).default([]),
  /** Extra environment for the child (may hold API keys: treated as a credential). */
  env: z.record(z.string().min(1), z.string()).default({}),
  /** Working directory of the child; unset: Portico's own. */
  cwd: nonEmpty.max(4096).optional(),
});

export const sseTransportSchema = z.strictObject({
  /** Legacy HTTP+SSE transport (`GET /sse` + `POST /messages`, protocol 2024-11-05). */
  type: z.literal('sse'),
  url: httpUrl,
});

export const httpTransportSchema = z.strictObject({
  /** Streamable HTTP, either era (negotiated per `era`). */
  type: z.literal('http'),
  url: httpUrl,
});

export const upstreamTransportSchema = z.discriminatedUnion('type', [stdioTransportSchema, sseTransportSchema, httpTransportSchema]);

/** Tokens obtained from an OAuth authorization server (persisted encrypted, refreshed by the gateway). */
export const oauthTokensSchema = z.strictObject({
  accessToken: nonEmpty,
  refreshToken: nonEmpty.optional(),
  tokenType: z.string().default('Bearer'),
  /** Epoch milliseconds; unset: unknown (refresh on a 401). */
  expiresAt: z.number().int().optional(),
  scope: z.string().optional(),
});

const oauthCommon = {
  tokenUrl: httpUrl,
  clientId: nonEmpty.max(512),
  clientSecret: z.string().max(4096).optional(),
  /** Space-separated scopes. */
  scope: z.string().max(2048).optional(),
  /** Set once tokens were obtained (authorization code) or cached (client credentials). */
  tokens: oauthTokensSchema.optional(),
};

export const oauthClientCredentialsSchema = z.strictObject({
  type: z.literal('oauth'),
  grant: z.literal('client_credentials'),
  ...oauthCommon,
});

export const oauthAuthorizationCodeSchema = z.strictObject({
  type: z.literal('oauth'),
  /** Completed interactively by an admin through `/oauth/upstream/callback`. */
  grant: z.literal('authorization_code'),
  authorizationUrl: httpUrl,
  /** Default: `<publicUrl>/oauth/upstream/callback`. */
  redirectUri: httpUrl.optional(),
  ...oauthCommon,
});

/** No CR, LF or NUL: a header value must not smuggle another header or request. */
const headerValue = z.string().max(8192).regex(/^[^\r\n\0]*$/, 'no line breaks');

export const upstreamAuthSchema = z.union([
  z.strictObject({ type: z.literal('none') }),
  z.strictObject({ type: z.literal('bearer'), token: nonEmpty.max(8192).regex(/^[^\r\n\0]*$/, 'no line breaks') }),
  /** Fixed request headers (e.g. `X-API-Key`); every value is treated as a credential. */
  z.strictObject({ type: z.literal('headers'), headers: z.record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'an HTTP header name'), headerValue) }),
  z.discriminatedUnion('grant', [oauthClientCredentialsSchema, oauthAuthorizationCodeSchema]),
]);

/**
 * How upstream sessions are shared between Portico principals:
 * - `shared`: one connection for everyone (stateless upstreams; cheapest);
 * - `per-principal`: one connection per Portico principal, so upstream state never leaks between users;
 * - `per-session`: one per downstream MCP session (or per request when the caller has none).
 */
export const upstreamIsolationSchema = z.enum(['shared', 'per-principal', 'per-session']);

/** The fields a caller (REST, CLI, config) provides. */
export const upstreamDefinitionInputSchema = z.strictObject({
  /** Unique, stable human name; also the default namespace. */
  name: z.string().regex(UPSTREAM_NAME_PATTERN, 'letters, digits, "_", "." or "-" (max 64), starting with a letter or digit'),
  /**
   * Prefix of federated tool/prompt names (`{namespace}{separator}{tool}`). Unset: `name`.
   * Empty string: names pass through unchanged (refused at connect time on collision).
   */
  namespace: z
    .string()
    .regex(/^([A-Za-z0-9][A-Za-z0-9_.-]{0,63})?$/, 'empty, or letters, digits, "_", "." or "-" (max 64)')
    .optional(),
  transport: upstreamTransportSchema,
  auth: upstreamAuthSchema.default({ type: 'none' }),
  /** Protocol era: `auto` negotiates once and caches the verdict. */
  era: z.enum(['auto', 'modern', 'legacy']).default('auto'),
  /** Deadline for one upstream request (connect, list, call), in milliseconds. */
  timeoutMs: z.number().int().min(100).max(3_600_000).default(30_000),
  /** A disabled upstream stays defined but is not connected. */
  enabled: z.boolean().default(true),
  isolation: upstreamIsolationSchema.default('shared'),
  /**
   * Permission a principal needs (in addition to the usual per-entry `tools:call:…` etc.) to see
   * or use anything from this upstream. Unset: only the per-entry permissions apply.
   */
  permission: z.string().min(1).max(256).optional(),
  /**
   * Every connection re-checks the addresses its host resolves to against `gateway.allowLoopback`
   * and `gateway.allowedHosts` (set for upstreams added through the REST API, whose URLs passed
   * that check when added: this keeps a later DNS answer from pointing them elsewhere).
   */
  networkGuard: z.boolean().optional(),
  /** Tool filters on upstream (un-namespaced) names, glob `*` allowed; deny wins over allow. */
  tools: z
    .strictObject({
      allow: z.array(nonEmpty.max(256)).max(1000).optional(),
      deny: z.array(nonEmpty.max(256)).max(1000).default([]),
    })
    .prefault({}),
});

/** A complete definition: the input plus its identity. */
export const upstreamDefinitionSchema = upstreamDefinitionInputSchema.extend({
  /** Opaque id (UUID); the REST API calls it `client_id`. */
  id: z.string().min(1).max(128),
});

export type UpstreamTransport = z.output<typeof upstreamTransportSchema>;
export type UpstreamAuth = z.output<typeof upstreamAuthSchema>;
export type OAuthTokens = z.output<typeof oauthTokensSchema>;
export type UpstreamIsolation = z.output<typeof upstreamIsolationSchema>;
export type UpstreamDefinitionInput = z.input<typeof upstreamDefinitionInputSchema>;
export type UpstreamDefinition = z.output<typeof upstreamDefinitionSchema>;

/** The namespace used in federated names ('' = pass-through). */
export function upstreamNamespace(definition: Pick<UpstreamDefinition, 'name' | 'namespace'>): string {
  return definition.namespace ?? definition.name;
}

/** Does the tool filter let this upstream tool through? Deny wins; no allow list allows all. */
export function upstreamToolAllowed(definition: Pick<UpstreamDefinition, 'tools'>, toolName: string): boolean {
  const matches = (pattern: string) => globToRegExp(pattern).test(toolName);
  if (definition.tools.deny.some(matches)) return false;
  return definition.tools.allow === undefined || definition.tools.allow.some(matches);
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

/** The URL of an HTTP/SSE upstream for display (a password or secret-looking query value hidden), or undefined for stdio. */
export function upstreamUrl(definition: Pick<UpstreamDefinition, 'transport'>): string | undefined {
  return definition.transport.type === 'stdio' ? undefined : displayUrl(definition.transport.url);
}

const SECRET_PARAM = /pass|secret|token|key|auth|sig/i;

/** Some servers take their key in the URL (`?api_key=…`): never show it. */
function displayUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = 'redacted';
    for (const name of [...url.searchParams.keys()]) if (SECRET_PARAM.test(name)) url.searchParams.set(name, 'redacted');
    return url.toString();
  } catch {
    return 'redacted';
  }
}

/** A definition without any credential: safe for responses, logs and the audit trail. */
export interface PublicUpstreamDefinition {
  id: string;
  name: string;
  namespace: string;
  transport:
    | { type: 'stdio'; command: string; args: string[]; cwd?: string; envKeys: string[] }
    | { type: 'sse' | 'http'; url: string };
  auth: { type: 'none' | 'bearer' | 'headers' | 'oauth'; grant?: string; headerNames?: string[]; tokenUrl?: string; clientId?: string; scope?: string; authorized?: boolean };
  era: UpstreamDefinition['era'];
  timeoutMs: number;
  enabled: boolean;
  isolation: UpstreamIsolation;
  permission?: string;
  tools: UpstreamDefinition['tools'];
}

export function publicUpstreamDefinition(definition: UpstreamDefinition): PublicUpstreamDefinition {
  const { transport, auth } = definition;
  return {
    id: definition.id,
    name: definition.name,
    namespace: upstreamNamespace(definition),
    transport:
      transport.type === 'stdio'
        ? { type: 'stdio', command: transport.command, args: transport.args, ...(transport.cwd ? { cwd: transport.cwd } : {}), envKeys: Object.keys(transport.env) }
        : { type: transport.type, url: displayUrl(transport.url) },
    auth:
      auth.type === 'oauth'
        ? { type: 'oauth', grant: auth.grant, tokenUrl: auth.tokenUrl, clientId: auth.clientId, ...(auth.scope ? { scope: auth.scope } : {}), authorized: auth.tokens !== undefined }
        : auth.type === 'headers'
          ? { type: 'headers', headerNames: Object.keys(auth.headers) }
          : { type: auth.type },
    era: definition.era,
    timeoutMs: definition.timeoutMs,
    enabled: definition.enabled,
    isolation: definition.isolation,
    ...(definition.permission ? { permission: definition.permission } : {}),
    tools: definition.tools,
  };
}

/** Every credential string in a definition (to scrub them from upstream error messages). */
export function upstreamSecrets(definition: UpstreamDefinition): string[] {
  const { auth, transport } = definition;
  const secrets: string[] = transport.type === 'stdio' ? Object.values(transport.env) : [];
  if (auth.type === 'bearer') secrets.push(auth.token);
  if (auth.type === 'headers') secrets.push(...Object.values(auth.headers));
  if (transport.type !== 'stdio') {
    const url = new URL(transport.url);
    if (url.password) secrets.push(decodeURIComponent(url.password));
    for (const [name, value] of url.searchParams) if (SECRET_PARAM.test(name)) secrets.push(value);
  }
  if (auth.type === 'oauth') {
    if (auth.clientSecret) secrets.push(auth.clientSecret);
    if (auth.tokens) secrets.push(auth.tokens.accessToken, ...(auth.tokens.refreshToken ? [auth.tokens.refreshToken] : []));
  }
  return secrets.filter((secret) => secret.length >= 4);
}
