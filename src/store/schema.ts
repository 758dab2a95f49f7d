/**
 * Row types of every table, as Kysely sees them. Timestamps are ISO-8601 UTC strings in both
 * dialects so one query works everywhere and values sort as text.
 */

export interface SettingsTable {
  key: string;
  /** JSON-encoded value. */
  value: string;
  updated_at: string;
}


export interface McpEventsTable {
  /** `<session>.<stream>.<seq>` — opaque to clients, unique across sessions. */
  id: string;
  session_id: string;
  stream_id: string;
  seq: number;
  /** The JSON-RPC message as JSON. */
  message: string;
  created_at: string;
}

/** Booleans are 0/1 integers in both dialects. */
export type Flag = 0 | 1;

export interface RolesTable {
  name: string;
  description: string;
  /** JSON array of permission patterns. */
  permissions: string;
  builtin: Flag;
  created_at: string;
  updated_at: string;
}

export interface UsersTable {
  id: string;
  username: string;
  email: string | null;
  full_name: string | null;
  password_hash: string | null;
  role: string;
  is_active: Flag;
  created_at: string;
  updated_at: string;
  last_login_at: string | null;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  user_id: string | null;
  role: string;
  /** JSON array of permission patterns narrowing the role, or null. */
  scopes: string | null;
  secret_hash: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface RefreshTokensTable {
  id: string;
  family_id: string;
  user_id: string;
  token_hash: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
  revoked_at: string | null;
}

export interface SigningKeysTable {
  kid: string;
  alg: string;
  public_jwk: string;
  private_jwk_encrypted: string;
  created_at: string;
  retired_at: string | null;
}

export interface AuditEventsTable {
  /** `<ms base36>-<seq base36>-<random>`: sorts by time. */
  id: string;
  at: string;
  principal_id: string;
  principal_name: string;
  surface: string;
  action: string;
  target: string;
  outcome: string;
  duration_ms: number;
  request_id: string;
  session_id: string | null;
  /** `name/version` of the client program. */
  client: string | null;
  error_code: string | null;
  /** Redacted, truncated JSON. */
  details: string | null;
}

/** Blob metadata, one row per distinct content; the bytes live in the BlobStore. */
export interface BlobsTable {
  /** Lower-case hex SHA-256 of the content. */
  sha256: string;
  filename: string;
  mime_type: string;
  /** bigint: PostgreSQL returns it as a string, so read it through Number(). */
  size: number | string;
  owner_id: string | null;
  created_at: string;
  /** JSON object. */
  metadata: string;
}

/** oidc-provider's adapter storage: one row per (model, id). */
export interface OAuthRecordsTable {
  model: string;
  id: string;
  /** The model's payload as JSON. */
  payload: string;
  grant_id: string | null;
  user_code: string | null;
  uid: string | null;
  expires_at: string | null;
  consumed_at: string | null;
}

/** Upstream MCP servers added at run time (see migrations/0011-upstreams.ts). */
export interface UpstreamsTable {
  id: string;
  name: string;
  transport: string;
  auth_type: string;
  /** JSON of the definition without its credentials. */
  definition: string;
  /** JSON of the credentials, sealed with auth/secret-box.ts; never returned. */
  credentials_sealed: string | null;
  /** JSON of the OAuth tokens, sealed; rewritten on refresh. */
  oauth_tokens_sealed: string | null;
  enabled: Flag;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}
/** Configured API resources (see migrations/0012-api-resources.ts); headers sealed, never returned. */
export interface ApiResourcesTable {
  name: string;
  url: string;
  title: string | null;
  description: string | null;
  mime_type: string | null;
  /** JSON array of the header names (values only inside `headers_sealed`). */
  header_names: string;
  /** JSON object of the headers, sealed with auth/secret-box.ts. */
  headers_sealed: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
}

/** The current version of each prompt template (JSON in `tags` and `arguments`). */
export interface PromptTemplatesTable {
  name: string;
  title: string | null;
  description: string | null;
  category: string | null;
  /** JSON array of strings. */
  tags: string;
  /** JSON array of `{ name, description?, required, default? }`. */
  arguments: string;
  body: string;
  version: number;
  created_by: string;
  created_at: string;
  updated_at: string;
}

/** Every version of every prompt template, never changed once written. */
export interface PromptTemplateVersionsTable {
  name: string;
  version: number;
  title: string | null;
  description: string | null;
  category: string | null;
  tags: string;
  arguments: string;
  body: string;
  created_by: string;
  created_at: string;
  restored_from: number | null;
}

/** One render of a prompt template. */
export interface PromptUsageTable {
  id: string;
  template_name: string;
  version: number;
  principal_id: string;
  surface: string;
  at: string;
  duration_ms: number;
  /** JSON object of the short argument values (for completion), or null. */
  arguments: string | null;
}

/** Background jobs (see migrations/0009-jobs.ts for the states). */
export interface JobsTable {
  id: string;
  kind: string;
  /** JSON. */
  payload: string;
  status: string;
  attempts: number;
  max_attempts: number;
  run_at: string;
  lease_token: string | null;
  lease_owner: string | null;
  lease_expires_at: string | null;
  /** JSON, when succeeded. */
  result: string | null;
  last_error: string | null;
  principal_id: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

export interface AiConfigurationsTable {
  name: string;
  provider: string;
  model: string;
  base_url: string | null;
  /** The API key sealed with auth/secret-box.ts; never returned. */
  api_key_sealed: string | null;
  /** JSON object of default request parameters. */
  parameters: string;
  rate_limit_per_minute: number | null;
  /** Position in the fallback chain (lowest first); null: after those with a position. */
  fallback_order: number | null;
  enabled: Flag;
  created_by: string;
  created_at: string;
  updated_at: string;
}

export interface GenerationsTable {
  id: string;
  template_name: string;
  template_version: number;
  /** JSON object. */
  arguments: string;
  /** Null when the calling client sampled its own model. */
  configuration: string | null;
  provider: string;
  model: string | null;
  output: string;
  input_tokens: number | null;
  output_tokens: number | null;
  latency_ms: number;
  principal_id: string;
  surface: string;
  job_id: string | null;
  created_at: string;
}

export interface DatabaseSchema {
  settings: SettingsTable;
  mcp_events: McpEventsTable;
  roles: RolesTable;
  users: UsersTable;
  api_keys: ApiKeysTable;
  refresh_tokens: RefreshTokensTable;
  signing_keys: SigningKeysTable;
  audit_events: AuditEventsTable;
  oauth_records: OAuthRecordsTable;
  jobs: JobsTable;
  ai_configurations: AiConfigurationsTable;
  generations: GenerationsTable;
  prompt_templates: PromptTemplatesTable;
  prompt_template_versions: PromptTemplateVersionsTable;
  prompt_usage: PromptUsageTable;
  upstreams: UpstreamsTable;
  blobs: BlobsTable;
  api_resources: ApiResourcesTable;
}

export type DialectName = 'sqlite' | 'postgres';
