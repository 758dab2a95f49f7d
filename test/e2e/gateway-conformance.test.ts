/**
 * The official MCP conformance suite THROUGH the gateway: a front Portico with no local entries
 * fronts, with an empty namespace, an upstream Portico that passes the suite directly (its
 * conformance fixture, see conformance.test.ts). The front must give the same scenario results in
 * both eras: every active 2025-11-25 scenario, and the 2026-07-28 requirement set except the
 * scenarios the upstream itself does not pass (conformance.test.ts, UNSCORED_2026).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server.js';
import { runConformanceSuite as runSuite, UNSCORED_2026 } from '../helpers/conformance-suite.js';
import { servePortico, type ServingProcess } from '../helpers/portico-process.js';
import { startTestServer } from '../helpers/test-server.js';
import { tempDir } from '../helpers/temp-dir.js';
import { upstream } from '../helpers/upstreams.js';

describe('MCP conformance suite through the gateway', () => {
  let upstreamServer: ServingProcess;
  let front: RunningServer;
  beforeAll(async () => {
    upstreamServer = await servePortico(['--no-auth', '--conformance-fixture', '--no-providers', '--data', tempDir()]);
    front = await startTestServer({ PORTICO_AUTH__DISABLED: 'true' });
    expect(front.catalog.tools()).toHaveLength(0);
    const status = await front.services.gateway!.connect(upstream({ name: 'fixture', namespace: '', transport: { type: 'http', url: `${upstreamServer.url}/mcp` } }));
    expect(status.health).toBe('connected');
    expect(front.catalog.tools().length).toBeGreaterThan(0);
  }, 60_000);
  afterAll(async () => {
    await upstreamServer?.stop();
  });

  it('passes every active scenario of revision 2025-11-25', async () => {
    const run = await runSuite(`${front.url}/mcp`, ['--spec-version', '2025-11-25']);
    expect(run.failed, run.output).toEqual([]);
    expect(run.passed.length).toBeGreaterThanOrEqual(31);
  }, 300_000);

  it('meets the 2026-07-28 requirements', async () => {
    const run = await runSuite(`${front.url}/mcp`, ['--requirements', '2026-07-28']);
    expect(run.failed.filter((s) => !UNSCORED_2026.has(s)), run.output).toEqual([]);
    expect(run.passed).toEqual(expect.arrayContaining(['server-stateless', 'tools-call-with-progress']));
  }, 300_000);
});
