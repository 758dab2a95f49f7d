/** The identity part of the REST API: sessions (auth), users, API keys and roles. */
import type { FastifyInstance } from 'fastify';
import type { IdentityService } from '../../../auth/identity-service.js';
import type { SessionAuth } from '../../../auth/session-auth.js';
import type { FrozenConfig } from '../../../config/schema.js';
import type { AuditSink } from '../../../core/pipeline/audit-sink.js';
import type { Pipeline } from '../../../core/pipeline/pipeline.js';
import { authRoutes } from './auth.routes.js';
import { keyRoutes } from './keys.routes.js';
import { roleRoutes } from './roles.routes.js';
import { userRoutes } from './users.routes.js';

export interface IdentityApiDeps {
  identity: IdentityService;
  session: SessionAuth;
  auth: FrozenConfig['auth'];
  audit?: AuditSink | undefined;
}

/** Each module is its own plugin, so its hooks (authentication, permission checks) and parsers stay its own. */
export async function registerIdentityRoutes(api: FastifyInstance, pipeline: Pipeline, deps: IdentityApiDeps): Promise<void> {
  await api.register(authRoutes, { pipeline, ...deps });
  await api.register(userRoutes, { pipeline, identity: deps.identity });
  await api.register(keyRoutes, { pipeline, identity: deps.identity });
  await api.register(roleRoutes, { pipeline, identity: deps.identity });
}
