/**
 * The one configuration schema. Every key has a default, a description, and an environment
 * variable (`env` meta; by default PORTICO_<PATH> in upper snake case with `__` between sections).
 * Keys marked `secret` are redacted wherever configuration is shown.
 * The README's configuration table is generated from this file (`portico config docs`).
 */
import { z } from 'zod';
import { meta } from './key-meta.js';
import { aiSchema } from './sections/ai.js';
import { jobsSchema } from './sections/jobs.js';
import { webSchema } from './sections/web.js';
import { codeSchema } from './sections/code.js';
import { promptsSchema } from './sections/prompts.js';
import { databasesSchema } from './sections/databases.js';
import { filesSchema } from './sections/files.js';
import { siteSchema } from './sections/site.js';
import { blobsSchema } from './sections/blobs.js';
import { gatewaySchema, mcpServersSchema } from './sections/gateway.js';

export type { KeyMeta } from './key-meta.js';

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

export const serverSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1').meta(meta({ description: 'Interface to bind.', env: 'PORTICO_HOST', flag: '--host' })),
  port: z.number().int().min(0).max(65535).default(8080).meta(meta({ description: 'TCP port to listen on (0 picks a free port).', env: 'PORTICO_PORT', flag: '--port' })),
  publicUrl: z.url().optional().meta(meta({ description: 'External base URL (used in OAuth metadata and links) when behind a proxy.' })),
  trustProxy: z.boolean().default(false).meta(meta({ description: 'Trust X-Forwarded-* headers from a reverse proxy.' })),
  bodyLimitBytes: z.number().int().min(1024).default(1_048_576).meta(meta({ description: 'Largest accepted request body, in bytes (blob uploads have their own limit).' })),
  shutdownGraceMs: z.number().int().min(0).default(10_000).meta(meta({ description: 'On SIGINT/SIGTERM, how long in-flight requests may take to finish before connections are closed.' })),
  requestTimeoutMs: z.number().int().min(0).default(120_000).meta(meta({ description: 'Socket-level timeout for a whole HTTP request (0 disables).' })),
});

export const configSchema = z.strictObject({
  dataDir: z.string().min(1).default('./data').meta(meta({ description: 'Data directory: SQLite file, blobs, secret key. Created with mode 0700.', env: 'PORTICO_DATA_DIR', flag: '--data' })),
  secretKey: z
    .string()
    .regex(/^[A-Za-z0-9+/=_-]{32,}$/, 'a base64 or hex string of at least 32 characters')
    .optional()
    .meta(meta({ description: 'Key used to encrypt secrets at rest. Default: generated once into <dataDir>/secret.key.', env: 'PORTICO_SECRET_KEY', secret: true })),
  server: serverSchema.prefault({}),
  cors: z
    .strictObject({
      origins: z.array(z.string().min(1)).default([]).meta(meta({ description: 'Origins allowed by CORS (comma-separated in the environment). Empty: CORS off.' })),
    })
    .prefault({}),
  database: z
    .strictObject({
      url: z
        .string()
        .regex(/^postgres(ql)?:\/\//, 'a postgres:// URL')
        .optional()
        .meta(meta({ description: 'PostgreSQL URL. Unset: embedded SQLite at <dataDir>/portico.db.', env: 'DATABASE_URL', secret: 'url' })),
      schema: z
        .string()
        .regex(/^[a-z_][a-z0-9_]*$/, 'a lower-case SQL identifier')
        .optional()
        .meta(meta({ description: 'PostgreSQL schema to keep Portico tables in (created if missing). Unset: the server default (public).' })),
      poolMax: z.number().int().min(1).max(1000).default(10).meta(meta({ description: 'PostgreSQL connection pool size.' })),
      busyTimeoutMs: z.number().int().min(0).default(5000).meta(meta({ description: 'SQLite: how long to wait for a lock held by another process.' })),
    })
    .prefault({}),
  redis: z
    .strictObject({
      url: z
        .string()
        .regex(/^rediss?:\/\//, 'a redis:// URL')
        .optional()
        .meta(meta({ description: 'Redis URL for multi-node deployments (rate limits, session routing, notification fan-out).', env: 'REDIS_URL', secret: 'url' })),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: logLevel.default('info').meta(meta({ description: 'Log level.', env: 'LOG_LEVEL' })),
      file: z.string().min(1).optional().meta(meta({ description: 'Also write JSON logs to this file.', flag: '--log-file' })),
      pretty: z.enum(['auto', 'always', 'never']).default('auto').meta(meta({ description: 'Human-readable logs: auto means when stdout is a TTY.' })),
    })
    .prefault({}),
  auth: z
    .strictObject({
      disabled: z
        .boolean()
        .default(false)
        .meta(meta({ description: 'Serve without credentials as an all-powerful local principal. Refused unless bound to loopback.', flag: '--no-auth' })),
      adminPassword: z
        .string()
        .optional()
        .meta(meta({ description: 'Password for the `admin` user created on first start (otherwise a random one is printed once).', env: 'PORTICO_ADMIN_PASSWORD', secret: true })),
      accessTokenTtlSeconds: z.number().int().min(30).max(86_400).default(900).meta(meta({ description: 'Lifetime of access tokens issued at login.' })),
      refreshTokenTtlSeconds: z.number().int().min(300).default(30 * 86_400).meta(meta({ description: 'Lifetime of refresh tokens (rotated on every use).' })),
      mcpTokenMaxTtlSeconds: z.number().int().min(60).default(30 * 86_400).meta(meta({ description: 'Longest lifetime an MCP access token may be minted with.' })),
      signingKeyRotationDays: z.number().int().min(1).default(30).meta(meta({ description: 'Age after which the token signing key is replaced (old keys stay valid for verification).' })),
      loginMaxAttempts: z.number().int().min(1).default(5).meta(meta({ description: 'Failed logins per account, and per client address, before backoff applies.' })),
      loginWindowSeconds: z.number().int().min(1).default(900).meta(meta({ description: 'Window in which failed logins are counted.' })),
    })
    .prefault({}),
  oauth: z
    .strictObject({
      enabled: z.boolean().default(true).meta(meta({ description: 'Act as an OAuth 2.1 authorization server for remote MCP clients.' })),
      accessTokenTtlSeconds: z.number().int().min(60).default(3600).meta(meta({ description: 'Lifetime of OAuth access tokens.' })),
      refreshTokenTtlSeconds: z.number().int().min(300).default(30 * 86_400).meta(meta({ description: 'Lifetime of OAuth refresh tokens (rotated on use).' })),
      dynamicRegistration: z.boolean().default(true).meta(meta({ description: 'Allow dynamic client registration (RFC 7591).' })),
    })
    .prefault({}),
  oidc: z
    .strictObject({
      issuer: z.url().optional().meta(meta({ description: 'Accept JWT access tokens from this external OIDC issuer (Keycloak, Entra, Okta…).' })),
      jwksUrl: z.url().optional().meta(meta({ description: 'JWKS URL of the external issuer (default: discovered from the issuer).' })),
      audience: z.string().min(1).optional().meta(meta({ description: 'Audience the external tokens must carry.' })),
      roleClaim: z.string().min(1).default('roles').meta(meta({ description: 'Claim holding the user’s roles or groups (dot path allowed).' })),
      roleMap: z.record(z.string(), z.string()).default({}).meta(meta({ description: 'Map from external role/group names to Portico roles (JSON object in the environment).' })),
      defaultRole: z.string().min(1).optional().meta(meta({ description: 'Role for external users matching no mapping (unset: refuse them).' })),
    })
    .prefault({}),
  rateLimits: z
    .strictObject({
      enabled: z.boolean().default(true).meta(meta({ description: 'Limit calls per principal with a token bucket.' })),
      perMinute: z.number().int().min(1).default(600).meta(meta({ description: 'Default sustained calls per minute per principal.' })),
      burst: z.number().int().min(1).default(120).meta(meta({ description: 'Default burst size per principal.' })),
      roles: z.record(z.string(), z.number().int().min(1)).default({}).meta(meta({ description: 'Calls per minute by role, overriding the default (JSON object in the environment).' })),
      tools: z.record(z.string(), z.number().int().min(1)).default({}).meta(meta({ description: 'Calls per minute per principal for specific tools (JSON object in the environment).' })),
    })
    .prefault({}),
  audit: z
    .strictObject({
      retentionDays: z.number().int().min(1).default(90).meta(meta({ description: 'Audit events older than this are deleted.' })),
      flushIntervalMs: z.number().int().min(10).default(100).meta(meta({ description: 'How often buffered audit events are written.' })),
      maxArgumentBytes: z.number().int().min(0).default(2048).meta(meta({ description: 'Audited arguments are redacted and truncated to this size.' })),
    })
    .prefault({}),
  providers: z
    .strictObject({
      builtin: z
        .boolean()
        .default(true)
        .meta(meta({ description: 'Start the built-in providers (blobs, files, database, site, prompts, web, code). Off: only what the gateway and fixtures add.', flag: '--no-providers' })),
    })
    .prefault({}),
  blobs: blobsSchema.prefault({}),
  gateway: gatewaySchema.prefault({}),
  mcpServers: mcpServersSchema,
  databases: databasesSchema.prefault({}),
  ai: aiSchema.prefault({}),
  jobs: jobsSchema.prefault({}),
  files: filesSchema.prefault({}),
  site: siteSchema.prefault({}),
  web: webSchema.prefault({}),
  code: codeSchema.prefault({}),
  prompts: promptsSchema.prefault({}),
  mcp: z
    .strictObject({
      conformanceFixture: z
        .boolean()
        .default(false)
        .meta(meta({ description: 'Serve the MCP conformance-suite fixtures (test tools, resources, prompts). Never for production.', flag: '--conformance-fixture' })),
      fastPath: z
        .boolean()
        .default(true)
        .meta(meta({ description: 'Answer well-formed hot modern-era requests (tools/call, lists, reads) without building an SDK server per request.' })),
      callTimeoutMs: z.number().int().min(100).default(60_000).meta(meta({ description: 'Default deadline for one tool call, resource read or prompt render.' })),
      allowedHosts: z
        .array(z.string().min(1))
        .default([])
        .meta(meta({ description: 'Host names accepted in the Host header besides loopback names (DNS-rebinding protection). Needed when serving on a public name.' })),
      allowedOrigins: z
        .array(z.string().min(1))
        .default([])
        .meta(meta({ description: 'Origins (e.g. https://app.example.com) whose browsers may call /mcp and /sse. Loopback origins are always accepted.' })),
      sessionIdleTimeoutMs: z.number().int().min(1000).default(30 * 60_000).meta(meta({ description: 'Legacy MCP sessions idle longer than this are closed.' })),
      maxSessionsPerPrincipal: z.number().int().min(1).default(64).meta(meta({ description: 'Legacy MCP sessions one principal may hold; the least recently used is closed beyond it.' })),
      eventRetentionMs: z.number().int().min(1000).default(10 * 60_000).meta(meta({ description: 'How long legacy stream events are kept for resumption (Last-Event-ID).' })),
      uriScheme: z
        .string()
        .regex(/^[a-z][a-z0-9+.-]*$/, 'a URI scheme such as portico')
        .default('portico')
        .meta(meta({ description: 'Scheme of the resource URIs Portico serves.' })),
    })
    .prefault({}),
});

export type PorticoConfig = z.output<typeof configSchema>;
/** A frozen, fully-defaulted configuration. Extension points receive this. */
export type FrozenConfig = Readonly<PorticoConfig>;
