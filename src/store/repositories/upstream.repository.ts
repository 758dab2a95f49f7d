/**
 * Upstream definitions added at run time (REST, CLI). Credentials never reach a column in clear:
 * the definition is split into its credential-free part (JSON) and its credentials, sealed with
 * the installation key (auth/secret-box.ts), and joined again on read.
 */
import type { Kysely, Selectable } from 'kysely';
import { createSecretBox, type SecretBox } from '../../auth/secret-box.js';
import { PorticoError } from '../../core/errors.js';
import { oauthTokensSchema, upstreamDefinitionSchema, type OAuthTokens, type UpstreamAuth, type UpstreamDefinition } from '../../gateway/upstream-definition.js';
import type { DatabaseSchema, UpstreamsTable } from '../schema.js';

export interface UpstreamRecord {
  readonly definition: UpstreamDefinition;
  /** Principal id of whoever added it (null: the CLI, which acts as the operator). */
  readonly createdBy: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface UpstreamRepository {
  list(): Promise<UpstreamRecord[]>;
  get(id: string): Promise<UpstreamRecord | undefined>;
  byName(name: string): Promise<UpstreamRecord | undefined>;
  /** Throws `conflict` when the id or the name is taken. */
  insert(definition: UpstreamDefinition, meta: { createdBy: string | null; at: string }): Promise<UpstreamRecord>;
  /** Replace a definition (same id); false when unknown. */
  update(definition: UpstreamDefinition, at: string): Promise<boolean>;
  delete(id: string): Promise<boolean>;
  /** Store (or clear) the OAuth tokens of an upstream, e.g. after a refresh. */
  saveOAuthTokens(id: string, tokens: OAuthTokens | undefined, at: string): Promise<boolean>;
}

/** The credential fields of a definition, sealed as one JSON document. */
interface Credentials {
  token?: string;
  headers?: Record<string, string>;
  clientSecret?: string;
  env?: Record<string, string>;
}

type Row = Selectable<UpstreamsTable>;

export function createUpstreamRepository(db: Kysely<DatabaseSchema>, secretKey: Buffer): UpstreamRepository {
  const box = createSecretBox(secretKey, 'upstream-credentials');

  const toRecord = (row: Row): UpstreamRecord => ({
    definition: join(row, box),
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });

  const columns = (definition: UpstreamDefinition) => {
    const { stored, credentials, tokens } = split(definition);
    return {
      name: definition.name,
      transport: definition.transport.type,
      auth_type: definition.auth.type,
      definition: JSON.stringify(stored),
      credentials_sealed: Object.keys(credentials).length ? box.seal(JSON.stringify(credentials)) : null,
      oauth_tokens_sealed: tokens ? box.seal(JSON.stringify(tokens)) : null,
      enabled: definition.enabled ? (1 as const) : (0 as const),
    };
  };

  const byName = async (name: string) => {
    const row = await db.selectFrom('upstreams').selectAll().where('name', '=', name).executeTakeFirst();
    return row && toRecord(row);
  };
  const get = async (id: string) => {
    const row = await db.selectFrom('upstreams').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRecord(row);
  };

  return {
    list: async () => (await db.selectFrom('upstreams').selectAll().orderBy('created_at').orderBy('name').execute()).map(toRecord),
    get,
    byName,
    async insert(definition, meta) {
      const row: Row = { id: definition.id, ...columns(definition), created_by: meta.createdBy, created_at: meta.at, updated_at: meta.at };
      try {
        await db.insertInto('upstreams').values(row).execute();
      } catch (err) {
        // The unique constraints are the arbiter under concurrency; say which one, not the SQL.
        if ((await get(definition.id)) !== undefined) throw new PorticoError('conflict', `An upstream with id "${definition.id}" already exists.`);
        if ((await byName(definition.name)) !== undefined) throw new PorticoError('conflict', `An upstream named "${definition.name}" already exists.`);
        throw err;
      }
      return toRecord(row);
    },
    async update(definition, at) {
      try {
        const r = await db.updateTable('upstreams').set({ ...columns(definition), updated_at: at }).where('id', '=', definition.id).executeTakeFirst();
        return Number(r.numUpdatedRows) > 0;
      } catch (err) {
        const holder = await byName(definition.name);
        if (holder && holder.definition.id !== definition.id) throw new PorticoError('conflict', `An upstream named "${definition.name}" already exists.`);
        throw err;
      }
    },
    async delete(id) {
      const r = await db.deleteFrom('upstreams').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
    async saveOAuthTokens(id, tokens, at) {
      const r = await db
        .updateTable('upstreams')
        .set({ oauth_tokens_sealed: tokens ? box.seal(JSON.stringify(oauthTokensSchema.parse(tokens))) : null, updated_at: at })
        .where('id', '=', id)
        .where('auth_type', '=', 'oauth')
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
  };
}

/** Separate what may be stored in clear from what must be sealed. */
function split(definition: UpstreamDefinition): { stored: Record<string, unknown>; credentials: Credentials; tokens: OAuthTokens | undefined } {
  const credentials: Credentials = {};
  const { auth, transport } = definition;
  let storedAuth: Record<string, unknown>;
  let tokens: OAuthTokens | undefined;
  switch (auth.type) {
    case 'bearer':
      credentials.token = auth.token;
      storedAuth = { type: 'bearer' };
      break;
    case 'headers':
      credentials.headers = auth.headers;
      storedAuth = { type: 'headers' };
      break;
    case 'oauth': {
      const { clientSecret, tokens: current, ...rest } = auth;
      if (clientSecret !== undefined) credentials.clientSecret = clientSecret;
      tokens = current;
      storedAuth = rest;
      break;
    }
    default:
      storedAuth = { type: 'none' };
  }
  let storedTransport: Record<string, unknown> = transport;
  if (transport.type === 'stdio') {
    const { env, ...rest } = transport;
    if (Object.keys(env).length) credentials.env = env;
    storedTransport = rest;
  }
  const { id: _id, ...others } = definition;
  return { stored: { ...others, transport: storedTransport, auth: storedAuth }, credentials, tokens };
}

/** Rebuild the full definition from a row (decrypting its credentials). */
function join(row: Row, box: SecretBox): UpstreamDefinition {
  const stored = JSON.parse(row.definition) as Record<string, unknown> & { transport: Record<string, unknown>; auth: Record<string, unknown> };
  const credentials = row.credentials_sealed ? (JSON.parse(box.open(row.credentials_sealed)) as Credentials) : {};
  const tokens = row.oauth_tokens_sealed ? (JSON.parse(box.open(row.oauth_tokens_sealed)) as OAuthTokens) : undefined;
  const auth: Record<string, unknown> = { ...stored.auth };
  if (credentials.token !== undefined) auth.token = credentials.token;
  if (credentials.headers !== undefined) auth.headers = credentials.headers;
  if (credentials.clientSecret !== undefined) auth.clientSecret = credentials.clientSecret;
  if (tokens) auth.tokens = tokens;
  const transport = stored.transport.type === 'stdio' ? { ...stored.transport, env: credentials.env ?? {} } : stored.transport;
  const parsed = upstreamDefinitionSchema.safeParse({ ...stored, id: row.id, transport, auth: auth as UpstreamAuth });
  // A row this code wrote always parses; anything else was edited by hand or by a newer version.
  if (!parsed.success) throw new PorticoError('internal_error', `The stored upstream "${row.name}" is not a valid definition.`);
  return parsed.data;
}
