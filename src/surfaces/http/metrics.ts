/**
 * Prometheus metrics. Process metrics come from prom-client with a registry per server instance
 * (so several servers in one test process do not collide); per-request and per-call metrics use
 * the hot-path counters in hot-metrics.ts. `/metrics` renders both.
 */
import type { FastifyInstance } from 'fastify';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { AuditAction, AuditOutcome, CallMetrics } from '../../core/pipeline/audit-sink.js';
import { HotCounter, HotHistogram, type BoundCounter, type BoundHistogram, type HotMetric } from './hot-metrics.js';

export interface Metrics {
  /** prom-client registry (process metrics; other parts may register their own). */
  readonly registry: Registry;
  /** Per-call measurements for the pipeline (tools/call, resources/read, …). */
  readonly calls: CallMetrics;
  /** Count one HTTP response; label lookups happen once per (method, route, status). */
  recordHttp(method: string, route: string, status: number, seconds: number): void;
  /** The whole exposition text. */
  render(): Promise<string>;
  readonly contentType: string;
}

const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const CALL_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 30];

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'portico_' });
  const httpRequests = new HotCounter('portico_http_requests_total', 'HTTP requests by route pattern and status.', ['method', 'route', 'status']);
  const httpDuration = new HotHistogram('portico_http_request_duration_seconds', 'HTTP request duration by route pattern and status.', ['method', 'route', 'status'], HTTP_BUCKETS);
  const callCount = new HotCounter('portico_calls_total', 'Uses of catalog entries by action and outcome, on every surface.', ['action', 'outcome']);
  const callDuration = new HotHistogram('portico_call_duration_seconds', 'Duration of catalog entry uses by action.', ['action'], CALL_BUCKETS);
  const hot: HotMetric[] = [httpRequests, httpDuration, callCount, callDuration];

  const boundHttp = new Map<string, { count: BoundCounter; duration: BoundHistogram }>();
  const boundCalls = new Map<string, { count: BoundCounter; duration: BoundHistogram }>();
  return {
    registry,
    contentType: registry.contentType,
    calls: {
      observe(action: AuditAction, outcome: AuditOutcome, seconds: number) {
        const key = `${action}\u0000${outcome}`;
        let b = boundCalls.get(key);
        if (!b) boundCalls.set(key, (b = { count: callCount.labels(action, outcome), duration: callDuration.labels(action) }));
        b.count.inc();
        b.duration.observe(seconds);
      },
    },
    recordHttp(method, route, status, seconds) {
      const key = `${method} ${route} ${status}`;
      let b = boundHttp.get(key);
      if (!b) {
        const s = String(status);
        boundHttp.set(key, (b = { count: httpRequests.labels(method, route, s), duration: httpDuration.labels(method, route, s) }));
      }
      b.count.inc();
      b.duration.observe(seconds);
    },
    async render() {
      return `${await registry.metrics()}\n${hot.map((m) => m.render()).join('\n\n')}\n`;
    },
  };
}

/** Count every response by its route pattern (never the raw URL: unbounded label values). */
export function registerHttpMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', (request, reply, done) => {
    metrics.recordHttp(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.header('content-type', metrics.contentType);
    return metrics.render();
  });
}
