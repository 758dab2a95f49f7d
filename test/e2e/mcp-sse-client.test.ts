/**
 * The SDK's SSEClientTransport (the 2024-11-05 HTTP+SSE transport: GET /sse + POST /messages)
 * against `portico serve` in a child process. Always the legacy era, with a full session: pushed
 * sampling/elicitation, resources/subscribe, list_changed, cancellation.
 */
import { SSEClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json } from '../helpers/http.js';
import { LEGACY_REVISION, answeringClient, callCount } from '../helpers/mcp-clients.js';
import { servePortico, type ServingProcess } from '../helpers/portico-process.js';
import { tempDir } from '../helpers/temp-dir.js';
import { describeClientSuite } from './mcp-client-suite.js';

let server: ServingProcess;
const data = tempDir();

beforeAll(async () => {
  server = await servePortico(['--no-auth', '--conformance-fixture', '--data', data]);
});

afterAll(async () => {
  expect(await server?.stop('SIGTERM')).toBe(0);
});

describe('MCP over legacy HTTP+SSE (real process, real SDK client)', () => {
  describeClientSuite('SSE client transport (/sse + /messages)', {
    era: 'legacy',
    revision: LEGACY_REVISION,
    async connect() {
      const { client, answered } = answeringClient('legacy', 'portico-e2e-sse');
      const transport = new SSEClientTransport(new URL(`${server.url}/sse`));
      await client.connect(transport);
      return { client, answered, transport };
    },
    callCount: (action, outcome) => callCount(server.url, action, outcome),
  });

  it('is still healthy after the suite', async () => {
    const health = await json(fetch(`${server.url}/health`));
    expect(health.status).toBe('healthy');
  });
});
