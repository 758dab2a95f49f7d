/**
 * The `web_api` tool (seed 004): GET/POST/PUT/DELETE to a public HTTP API with headers, a JSON body
 * and a timeout, under the outbound policy of guarded-fetch.ts.
 */
import type { ToolEntry } from '../../core/catalog/entries.js';
import type { WebConfig } from '../../config/sections/web.js';
import { PorticoError } from '../../core/errors.js';
import { guardedFetch, type FetchPolicy, type HttpMethod } from './guarded-fetch.js';
import { toToolResult } from './response-shape.js';

export const WEB_API_TOOL = 'web_api';

export function webApiTool(config: WebConfig, fetchPolicy: FetchPolicy, source: string): ToolEntry {
  return {
    kind: 'tool',
    name: WEB_API_TOOL,
    title: 'Call a web API',
    description:
      'Make an HTTP request (GET, POST, PUT, DELETE) to a public web API and return the status, headers and body (JSON pretty-printed). ' +
      'Private, loopback and cloud-metadata addresses are refused; redirects are followed and re-checked; credentials never follow a redirect to another host.',
    inputSchema: {
      type: 'object',
      properties: {
        method: { type: 'string', enum: ['GET', 'POST', 'PUT', 'DELETE'], default: 'GET', description: 'HTTP method.' },
        url: { type: 'string', minLength: 1, maxLength: 8192, description: 'http:// or https:// URL.' },
        headers: { type: 'object', additionalProperties: { type: 'string', maxLength: 8192 }, maxProperties: 50, description: 'Request headers.' },
        body: { description: 'JSON request body (sent as application/json).' },
        data: { description: 'Alias of `body` (the name used by seed 004 clients).' },
        timeout: { type: 'number', exclusiveMinimum: 0, maximum: config.maxTimeoutMs / 1000, description: `Timeout in seconds (default ${config.defaultTimeoutMs / 1000}).` },
      },
      required: ['url'],
      additionalProperties: false,
    },
    annotations: { title: 'Call a web API', readOnlyHint: false, destructiveHint: true, openWorldHint: true },
    // The pipeline's deadline must not cut a request the caller allowed to run longer.
    timeoutMs: config.maxTimeoutMs + 5_000,
    source,
    async handler(args, ctx) {
      const body = args.body ?? args.data;
      const method = (args.method as HttpMethod | undefined) ?? 'GET';
      if (body !== undefined && method === 'GET') throw new PorticoError('validation_failed', 'A GET request cannot carry a body; use POST or PUT.');
      const timeoutMs = typeof args.timeout === 'number' ? Math.min(Math.round(args.timeout * 1000), config.maxTimeoutMs) : config.defaultTimeoutMs;
      const response = await guardedFetch(
        {
          method,
          url: args.url as string,
          headers: (args.headers as Record<string, string> | undefined) ?? {},
          body,
          timeoutMs: Math.max(timeoutMs, 1),
          signal: ctx.signal,
        },
        fetchPolicy,
      );
      return toToolResult(response, config.maxTextChars);
    },
  };
}
