/** Health model shared by /health, /ready and the CLI. */

export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

export interface CheckResult {
  status: HealthStatus;
  /** Short human-readable reason when not healthy; never a secret or a stack. */
  reason?: string;
  latency_ms?: number;
  [extra: string]: unknown;
}

/** One named dependency to probe. A check that throws counts as unhealthy. */
export interface HealthCheck {
  readonly name: string;
  /** A failing critical check makes the whole service unhealthy; others make it degraded. */
  readonly critical: boolean;
  run(): Promise<CheckResult>;
}

export interface HealthReport {
  status: HealthStatus;
  version: string;
  uptime_s: number;
  checks: Record<string, CheckResult>;
}

const RANK: Record<HealthStatus, number> = { healthy: 0, degraded: 1, unhealthy: 2 };

/** Run every check concurrently with a deadline and fold them into one status. */
export async function runHealthChecks(checks: readonly HealthCheck[], meta: { version: string; startedAt: number }, timeoutMs = 2000): Promise<HealthReport> {
  const results = await Promise.all(
    checks.map(async (check): Promise<[HealthCheck, CheckResult]> => {
      let timer: NodeJS.Timeout | undefined;
      const started = performance.now();
      try {
        const result = await Promise.race([
          check.run(),
          new Promise<CheckResult>((resolve) => {
            timer = setTimeout(() => resolve({ status: 'unhealthy', reason: `no answer within ${timeoutMs} ms` }), timeoutMs);
          }),
        ]);
        return [check, { latency_ms: Math.round((performance.now() - started) * 10) / 10, ...result }];
      } catch (err) {
        return [check, { status: 'unhealthy', reason: err instanceof Error ? err.message.split('\n')[0] : 'check failed' }];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  let status: HealthStatus = 'healthy';
  for (const [check, result] of results) {
    const effective: HealthStatus = result.status === 'unhealthy' && !check.critical ? 'degraded' : result.status;
    if (RANK[effective] > RANK[status]) status = effective;
  }
  return {
    status,
    version: meta.version,
    uptime_s: Math.round((Date.now() - meta.startedAt) / 1000),
    checks: Object.fromEntries(results.map(([c, r]) => [c.name, r])),
  };
}
