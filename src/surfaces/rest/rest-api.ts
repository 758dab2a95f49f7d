/** Mounts every REST route module under /api/v1. */
import type { FastifyInstance } from 'fastify';
import type { AuditSink } from '../../core/pipeline/audit-sink.js';
import type { Pipeline } from '../../core/pipeline/pipeline.js';
import type { FrozenConfig } from '../../config/schema.js';
import type { ProviderServices } from '../../providers/services.js';
import { registerIdentityRoutes, type IdentityApiDeps } from './routes/identity.routes.js';
import { registerJwksRoute } from './routes/jwks.routes.js';
import { auditRoutes, type AuditReader } from './routes/audit.routes.js';
import { blobRoutes } from './routes/blobs.routes.js';
import { mcpCatalogRoutes } from './routes/mcp-catalog.routes.js';
import { sessionRoutes, type SessionDirectory } from './routes/sessions.routes.js';
import { registerSystemRoutes, type SystemRouteDeps } from './routes/system.routes.js';
import { apiResourceRoutes } from './routes/api-resources.routes.js';
import { promptRoutes } from './routes/prompts.routes.js';
import { aiConfigurationRoutes } from './routes/ai-configurations.routes.js';
import { generateRoutes, generationStats } from './routes/generate.routes.js';
import { jobRoutes } from './routes/jobs.routes.js';
import { upstreamRoutes } from './routes/upstreams.routes.js';
import { registerUpstreamOAuthCallback } from './routes/upstream-oauth-callback.routes.js';
import { gatewaySchema } from '../../config/sections/gateway.js';

export interface RestApiDeps extends SystemRouteDeps {
  pipeline: Pipeline;
  /** Scheme of the resource URIs Portico serves (config `mcp.uriScheme`); default `portico`. */
  uriScheme?: string;
  /** Sessions, users, keys and roles (and the JWKS); not mounted without it (embedding, tests). */
  identityApi?: IdentityApiDeps;
  /** The audit trail: GET /audit reads it, closing a session records to it. */
  audit?: AuditReader & AuditSink;
  /** Live legacy MCP sessions: GET/DELETE /sessions. */
  sessions?: SessionDirectory;
  /** Services the providers published; each area's routes are mounted when its service is there. */
  services?: ProviderServices;
  config?: FrozenConfig;
}

export async function registerRestApi(app: FastifyInstance, deps: RestApiDeps): Promise<void> {
  await app.register(
    async (api) => {
      registerSystemRoutes(api, deps);
      await api.register(mcpCatalogRoutes, { pipeline: deps.pipeline, uriScheme: deps.uriScheme ?? 'portico' });
      if (deps.identityApi) await registerIdentityRoutes(api, deps.pipeline, deps.identityApi);
      if (deps.audit) await api.register(auditRoutes, { pipeline: deps.pipeline, audit: deps.audit });
      if (deps.sessions) await api.register(sessionRoutes, { pipeline: deps.pipeline, sessions: deps.sessions, audit: deps.audit });
      // Provider areas: one line each, mounted when the provider published its service.
      if (deps.services?.apiResources) await api.register(apiResourceRoutes, { pipeline: deps.pipeline, apiResources: deps.services.apiResources });
      if (deps.services?.blobs) await api.register(blobRoutes, { pipeline: deps.pipeline, blobs: deps.services.blobs, audit: deps.audit });
      if (deps.services?.gateway && deps.services.upstreams) await api.register(upstreamRoutes, { pipeline: deps.pipeline, gateway: deps.services.gateway, registry: deps.services.upstreams, gatewayConfig: deps.config?.gateway ?? gatewaySchema.parse({}), audit: deps.audit, publicUrl: deps.config?.server.publicUrl });
      // `statsContributors` is the hook for more GET /stats sections, e.g. `{ generations: (q) => … }` (see prompts.routes.ts).
      if (deps.services?.prompts) await api.register(promptRoutes, { pipeline: deps.pipeline, library: deps.services.prompts, audit: deps.audit, statsContributors: deps.services.generation ? { generations: generationStats(deps.services.generation) } : {} });
      if (deps.services?.generation) await api.register(aiConfigurationRoutes, { pipeline: deps.pipeline, generation: deps.services.generation, audit: deps.audit });
      if (deps.services?.generation) await api.register(generateRoutes, { pipeline: deps.pipeline, generation: deps.services.generation });
      if (deps.services?.jobs) await api.register(jobRoutes, { pipeline: deps.pipeline, jobs: deps.services.jobs });
    },
    { prefix: '/api/v1' },
  );
  if (deps.identityApi) registerJwksRoute(app, deps.identityApi.session.signingKeys);
  if (deps.services?.gateway && deps.services.upstreams) registerUpstreamOAuthCallback(app, deps.services.upstreams);
}
