/**
 * Configured API resources (seed 004's `APIResource`): a name, a fixed URL and stored headers (an API
 * token, typically), exposed as the resource `{scheme}://api/{name}`. Headers are sealed with the
 * installation key before they reach the database and are opened only to make the request: no view,
 * log line, error or audit event carries a header value — views list header names only.
 */
import type { Catalog } from '../../core/catalog/catalog.js';
import type { ResourceEntry } from '../../core/catalog/entries.js';
import type { ReadResourceResult } from '../../core/catalog/mcp-shapes.js';
import { PorticoError } from '../../core/errors.js';
import { createSecretBox } from '../../auth/secret-box.js';
import type { ApiResourceRepository, ApiResourceRow } from '../../store/repositories/api-resource.repository.js';
import { cleanHeaders, guardedFetch, parseTarget, type FetchPolicy } from './guarded-fetch.js';
import { shapeBody } from './response-shape.js';

export const API_RESOURCE_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export interface ApiResourceInput {
  url: string;
  title?: string | undefined;
  description?: string | undefined;
  mimeType?: string | undefined;
  /** Omitted: keep the stored headers. `{}`: remove them. */
  headers?: Record<string, string> | undefined;
}

/** What callers may see of a resource: never a header value. */
export interface ApiResourceView {
  name: string;
  uri: string;
  url: string;
  title: string | null;
  description: string | null;
  mimeType: string | null;
  headerNames: string[];
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export interface ApiResourceService {
  list(): Promise<ApiResourceView[]>;
  get(name: string): Promise<ApiResourceView | undefined>;
  /** Create or replace; registers the resource in the catalog. */
  put(name: string, input: ApiResourceInput, actor: string): Promise<ApiResourceView>;
  delete(name: string): Promise<boolean>;
  /** GET the URL with the stored headers, under the web policy. */
  read(name: string, signal?: AbortSignal): Promise<ReadResourceResult>;
  /** Register every stored resource in the catalog (at start). */
  publishAll(): Promise<void>;
}

export interface ApiResourceServiceOptions {
  repository: ApiResourceRepository;
  secretKey: Buffer;
  catalog: Catalog;
  fetchPolicy: FetchPolicy;
  uriScheme: string;
  timeoutMs: number;
  maxTextChars: number;
  source: string;
}

export function createApiResourceService(options: ApiResourceServiceOptions): ApiResourceService {
  const box = createSecretBox(options.secretKey, 'api-resources');
  const uriOf = (name: string) => `${options.uriScheme}://api/${name}`;
  const view = (row: ApiResourceRow): ApiResourceView => ({
    name: row.name,
    uri: uriOf(row.name),
    url: row.url,
    title: row.title,
    description: row.description,
    mimeType: row.mime_type,
    headerNames: JSON.parse(row.header_names) as string[],
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });

  const entryFor = (row: ApiResourceRow): ResourceEntry => ({
    kind: 'resource',
    uri: uriOf(row.name),
    name: row.name,
    ...(row.title ? { title: row.title } : {}),
    description: row.description ?? `The API at ${new URL(row.url).host}, fetched with stored credentials.`,
    ...(row.mime_type ? { mimeType: row.mime_type } : {}),
    source: options.source,
    read: (_uri, ctx) => service.read(row.name, ctx.signal),
  });

  const checkName = (name: string) => {
    if (!API_RESOURCE_NAME.test(name)) throw new PorticoError('validation_failed', 'An API resource name is 1–64 lower-case letters, digits, - and _.');
  };

  const service: ApiResourceService = {
    async list() {
      return (await options.repository.list()).map(view);
    },
    async get(name) {
      const row = await options.repository.get(name);
      return row && view(row);
    },
    async put(name, input, actor) {
      checkName(name);
      const url = parseTarget(input.url).href;
      const existing = await options.repository.get(name);
      let headerNames: string[];
      let sealed: string | null;
      if (input.headers === undefined && existing) {
        headerNames = JSON.parse(existing.header_names) as string[];
        sealed = existing.headers_sealed;
      } else {
        const headers = cleanHeaders(input.headers ?? {});
        headerNames = Object.keys(headers).sort();
        sealed = headerNames.length ? box.seal(JSON.stringify(headers)) : null;
      }
      const now = new Date().toISOString();
      const row: ApiResourceRow = {
        name,
        url,
        title: input.title ?? null,
        description: input.description ?? null,
        mime_type: input.mimeType ?? null,
        header_names: JSON.stringify(headerNames),
        headers_sealed: sealed,
        created_by: existing?.created_by ?? actor,
        created_at: existing?.created_at ?? now,
        updated_at: now,
      };
      await options.repository.upsert(row);
      options.catalog.add(entryFor(row), { replace: true });
      return view(row);
    },
    async delete(name) {
      const removed = await options.repository.delete(name);
      options.catalog.remove('resource', uriOf(name));
      return removed;
    },
    async read(name, signal) {
      const row = await options.repository.get(name);
      if (!row) throw new PorticoError('not_found', `Resource not found: ${uriOf(name)}`);
      const headers = row.headers_sealed ? (JSON.parse(box.open(row.headers_sealed)) as Record<string, string>) : {};
      const res = await guardedFetch({ method: 'GET', url: row.url, headers, timeoutMs: options.timeoutMs, signal }, options.fetchPolicy);
      if (res.status >= 400) throw new PorticoError('web_request_failed', `The API behind ${uriOf(name)} answered ${res.status}.`, { details: { status: res.status } });
      const body = shapeBody(res, options.maxTextChars);
      const mimeType = row.mime_type ?? (body.kind === 'json' ? 'application/json' : res.contentType || 'text/plain');
      const meta = { status: res.status, truncated: body.truncated, ...(res.redirects.length ? { redirects: res.redirects.length } : {}) };
      return {
        contents: [body.kind === 'binary' ? { uri: uriOf(name), mimeType, blob: body.text, _meta: meta } : { uri: uriOf(name), mimeType, text: body.text, _meta: meta }],
      };
    },
    async publishAll() {
      const rows = await options.repository.list();
      if (rows.length) options.catalog.add(rows.map(entryFor), { replace: true });
    },
  };
  return service;
}
