/**
 * The REST mirror of the catalog under /api/v1/mcp: tools, resources, prompts and completion, each
 * going through the same pipeline as MCP, so permissions, validation, rate limits and audit are the
 * ones MCP callers get. Every route needs a credential.
 */
import type { FastifyInstance } from 'fastify';
import type { Pipeline } from '../../../core/pipeline/pipeline.js';
import { authenticateRequest } from '../../http/request-principal.js';
import { registerMcpPromptRoutes } from './mcp-prompts.routes.js';
import { registerMcpResourceRoutes } from './mcp-resources.routes.js';
import { registerMcpToolRoutes } from './mcp-tools.routes.js';

export interface McpCatalogRouteDeps {
  pipeline: Pipeline;
  /** Scheme of the resource URIs Portico serves (config `mcp.uriScheme`). */
  uriScheme: string;
}

/** A Fastify plugin: register it with `app.register` so its body parsing and hooks stay scoped to it. */
export async function mcpCatalogRoutes(app: FastifyInstance, deps: McpCatalogRouteDeps): Promise<void> {
  // Authenticate before the body is read or validated: an anonymous caller gets a 401, not parse
  // work on its body or a validation message that describes the route.
  app.addHook('onRequest', authenticateRequest(deps.pipeline));

  // `POST /mcp/tools/x` with no arguments is a natural call; accept an empty JSON body (and no
  // body at all) as `{}` instead of Fastify's "empty JSON body" error. Anything else parses as usual.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') done(null, undefined);
    else void parseJson(request, text, done);
  });
  app.addHook('preValidation', async (request) => {
    if (request.method === 'POST' && request.body === undefined) request.body = {};
  });

  registerMcpToolRoutes(app, deps.pipeline);
  registerMcpResourceRoutes(app, deps);
  registerMcpPromptRoutes(app, deps.pipeline);
}
