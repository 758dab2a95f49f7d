/** GET /api/v1/system: what this server is (version, database dialect, uptime). */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { DialectName } from '../../../store/schema.js';
import { VERSION } from '../../../version.js';
import { errorResponses } from '../error-schema.js';

const systemSchema = z
  .object({
    name: z.literal('portico'),
    version: z.string(),
    database: z.enum(['sqlite', 'postgres']),
    uptime_s: z.number(),
    node: z.string(),
  })
  .meta({ id: 'SystemInfo' });

export interface SystemRouteDeps {
  dialect: DialectName;
  startedAt: number;
}

export function registerSystemRoutes(app: FastifyInstance, deps: SystemRouteDeps): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/system',
    { schema: { tags: ['system'], summary: 'Server version and runtime facts', response: { 200: systemSchema, ...errorResponses } } },
    async () => ({
      name: 'portico' as const,
      version: VERSION,
      database: deps.dialect,
      uptime_s: Math.round((Date.now() - deps.startedAt) / 1000),
      node: process.version,
    }),
  );
}
