/**
 * /health (liveness plus dependency detail) and /ready (may this node take traffic now?).
 * Both are unauthenticated so load balancers and orchestrators can use them; neither reveals a secret.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { runHealthChecks, type HealthCheck } from '../../core/health.js';
import { VERSION } from '../../version.js';

const statusSchema = z.enum(['healthy', 'degraded', 'unhealthy']);
const checkSchema = z.looseObject({ status: statusSchema, reason: z.string().optional(), latency_ms: z.number().optional() });
const healthSchema = z
  .object({ status: statusSchema, version: z.string(), uptime_s: z.number(), checks: z.record(z.string(), checkSchema) })
  .meta({ id: 'Health' });
const readySchema = z.object({ ready: z.boolean(), reason: z.string().optional() }).meta({ id: 'Ready' });

export interface HealthRouteOptions {
  checks: readonly HealthCheck[];
  startedAt: number;
  /** False while starting or shutting down, so the balancer drains this node. */
  isAcceptingTraffic(): boolean;
}

export function registerHealthRoutes(app: FastifyInstance, options: HealthRouteOptions): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.get(
    '/health',
    {
      schema: {
        tags: ['system'],
        summary: 'Service health with per-dependency checks',
        response: { 200: healthSchema, 503: healthSchema },
      },
    },
    async (_request, reply) => {
      const report = await runHealthChecks(options.checks, { version: VERSION, startedAt: options.startedAt });
      reply.header('cache-control', 'no-store');
      return reply.status(report.status === 'unhealthy' ? 503 : 200).send(report);
    },
  );
  typed.get(
    '/ready',
    { schema: { tags: ['system'], summary: 'Readiness for traffic', response: { 200: readySchema, 503: readySchema } } },
    async (_request, reply) => {
      reply.header('cache-control', 'no-store');
      if (!options.isAcceptingTraffic()) return reply.status(503).send({ ready: false, reason: 'shutting down' });
      const critical = options.checks.filter((c) => c.critical);
      const report = await runHealthChecks(critical, { version: VERSION, startedAt: options.startedAt });
      if (report.status === 'unhealthy') {
        const failed = Object.entries(report.checks).find(([, r]) => r.status === 'unhealthy')?.[0];
        return reply.status(503).send({ ready: false, reason: `${failed} check failed` });
      }
      return reply.send({ ready: true });
    },
  );
}
