/**
 * The official MCP conformance suite (@modelcontextprotocol/conformance) against a real Portico
 * process with the fixture provider: the active scenarios of revision 2025-11-25, and the
 * requirement set of 2026-07-28 — once through the modern fast path and once through the SDK
 * handler alone, so both roads are proven. The suite needs Node >= 22; it runs under node@22 from
 * the npm registry without touching the system Node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConformanceSuite as runSuite, UNSCORED_2026 } from '../helpers/conformance-suite.js';
import { servePortico, type ServingProcess } from '../helpers/portico-process.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('MCP conformance suite', () => {
  let server: ServingProcess;
  let slowServer: ServingProcess;
  beforeAll(async () => {
    server = await servePortico(['--no-auth', '--conformance-fixture', '--data', tempDir()]);
    slowServer = await servePortico(['--no-auth', '--conformance-fixture', '--data', tempDir()], { PORTICO_MCP__FAST_PATH: 'false' });
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await slowServer?.stop();
  });

  it('passes every active scenario of revision 2025-11-25', async () => {
    const run = await runSuite(`${server.url}/mcp`, ['--spec-version', '2025-11-25']);
    expect(run.failed, run.output).toEqual([]);
    expect(run.passed.length).toBeGreaterThanOrEqual(31);
    expect(run.code).toBe(0);
  }, 240_000);

  it('meets the 2026-07-28 requirements through the fast path', async () => {
    const run = await runSuite(`${server.url}/mcp`, ['--requirements', '2026-07-28']);
    expect(run.failed.filter((s) => !UNSCORED_2026.has(s)), run.output).toEqual([]);
    expect(run.passed).toEqual(expect.arrayContaining(['server-stateless', 'caching', 'tools-call-with-progress', 'input-required-result-tampered-state']));
    expect(run.code).toBe(0);
  }, 240_000);

  it('meets the 2026-07-28 requirements through the SDK handler alone', async () => {
    const run = await runSuite(`${slowServer.url}/mcp`, ['--requirements', '2026-07-28']);
    expect(run.failed.filter((s) => !UNSCORED_2026.has(s)), run.output).toEqual([]);
    expect(run.code).toBe(0);
  }, 240_000);
});
