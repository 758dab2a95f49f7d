/**
 * The official MCP conformance suite THROUGH the gateway: a front Portico with no local entries
 * fronts, with an empty namespace, an upstream Portico that passes the suite directly (its
 * conformance fixture, see conformance.test.ts). The front must give the same scenario results in
 * both eras: every active 2025-11-25 scenario, and the 2026-07-28 requirement set except the
 * scenarios the upstream itself does not pass (conformance.test.ts, UNSCORED_2026).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server.js';
import { servePortico, type ServingProcess } from '../helpers/portico-process.js';
import { startTestServer } from '../helpers/test-server.js';
import { tempDir } from '../helpers/temp-dir.js';
import { upstream } from '../helpers/upstreams.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = 'node_modules/@modelcontextprotocol/conformance/dist/index.js';

/** What the upstream does not pass directly either (kept in step with conformance.test.ts). */
const UNSCORED_2026 = new Set([
  'tasks-lifecycle',
  'tasks-capability-negotiation',
  'tasks-wire-fields',
  'tasks-request-state-removal',
  'tasks-mrtr-input',
  'tasks-request-headers',
  'tasks-dispatch-and-envelope',
  'tasks-status-notifications',
  'tasks-required-task-error',
  'tasks-mrtr-composition',
  'json-schema-2020-12',
  'http-header-validation',
  'http-custom-header-server-validation',
]);

interface SuiteRun {
  code: number | null;
  output: string;
  passed: string[];
  failed: string[];
}

function runSuite(url: string, args: string[]): Promise<SuiteRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['exec', '--yes', '--package=node@22', '--', 'node', CLI, 'server', '--url', url, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const summary = output.slice(output.indexOf('=== SUMMARY ==='));
      const passed = [...summary.matchAll(/^✓ ([\w-]+):/gm)].map((m) => m[1]!);
      const failed = [...summary.matchAll(/^✗ ([\w-]+):/gm)].map((m) => m[1]!);
      resolve({ code, output, passed, failed });
    });
  });
}

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
