/**
 * Real SDK clients against `portico serve` in a child process, over Streamable HTTP at /mcp: the
 * default client (legacy 2025-11-25, sessionful) and a client pinned to the modern 2026-07-28
 * revision (stateless). Same expectations for both, from the shared client suite.
 */
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json } from '../helpers/http.js';
import { LEGACY_REVISION, MODERN_REVISION, answeringClient, callCount, type Era } from '../helpers/mcp-clients.js';
import { servePortico, type ServingProcess } from '../helpers/portico-process.js';
import { tempDir } from '../helpers/temp-dir.js';
import { describeClientSuite, type ConnectedClient } from './mcp-client-suite.js';

let server: ServingProcess;
const data = tempDir();

beforeAll(async () => {
  server = await servePortico(['--no-auth', '--conformance-fixture', '--data', data]);
});

afterAll(async () => {
  expect(await server?.stop('SIGTERM')).toBe(0);
});

async function connectHttp(era: Era): Promise<ConnectedClient> {
  const { client, answered } = answeringClient(era, `portico-e2e-http-${era}`);
  const transport = new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`));
  await client.connect(transport);
  return { client, answered, transport };
}

describe('MCP over Streamable HTTP (real process, real SDK clients)', () => {
  describeClientSuite('HTTP legacy era (default client)', {
    era: 'legacy',
    revision: LEGACY_REVISION,
    connect: () => connectHttp('legacy'),
    callCount: (action, outcome) => callCount(server.url, action, outcome),
  });

  describeClientSuite('HTTP modern era (pinned 2026-07-28)', {
    era: 'modern',
    revision: MODERN_REVISION,
    connect: () => connectHttp('modern'),
    callCount: (action, outcome) => callCount(server.url, action, outcome),
  });

  it('is still healthy after both suites', async () => {
    const health = await json(fetch(`${server.url}/health`));
    expect(health.status).toBe('healthy');
  });
});
