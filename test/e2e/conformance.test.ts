/**
 * The official MCP conformance suite (@modelcontextprotocol/conformance) against a real Portico
 * process with the fixture provider: the active scenarios of revision 2025-11-25, and the
 * requirement set of 2026-07-28 — once through the modern fast path and once through the SDK
 * handler alone, so both roads are proven. The suite needs Node >= 22; it runs under node@22 from
 * the npm registry without touching the system Node.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servePortico, type ServingProcess } from '../helpers/portico-process.js';
import { tempDir } from '../helpers/temp-dir.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = 'node_modules/@modelcontextprotocol/conformance/dist/index.js';

/**
 * Scenarios the 2026-07-28 requirement set runs but does not score, that Portico does not pass:
 * the tasks extension (SEP-2663; the SDK has no tasks runtime) and Mcp-Param-* header validation
 * (pending; needs an `x-mcp-header` tool, which the SDK validates only for its high-level server).
 */
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
