/**
 * A real Portico server with the prompt library and AI generation, set up for fast tests (short
 * retry delays, a quick job poll), plus helpers for its REST API and real MCP SDK clients.
 */
import { Writable } from 'node:stream';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { pino } from 'pino';
import { afterAll } from 'vitest';
import { loadConfig } from '../../../../src/config/load-config.js';
import { createGenerationProvider } from '../../../../src/providers/prompts/generation/generation-provider.js';
import { createPromptsProvider } from '../../../../src/providers/prompts/prompts-provider.js';
import type { RunningServer } from '../../../../src/server.js';
import { answeringClient, MODERN_REVISION, type AnsweringClient, type Era } from '../../../helpers/mcp-clients.js';
import { startTestServer } from '../../../helpers/test-server.js';
import { call, type Reply } from '../../../surfaces/rest/identity-kit.js';

export const FAST_ENV: Record<string, string> = {
  PORTICO_ADMIN_PASSWORD: 'admin password for generation tests',
  PORTICO_AI__RETRY_BASE_DELAY_MS: '5',
  PORTICO_AI__RETRY_MAX_DELAY_MS: '20',
  PORTICO_AI__MAX_RETRIES: '1',
  PORTICO_AI__REQUEST_TIMEOUT_MS: '5000',
  PORTICO_JOBS__POLL_INTERVAL_MS: '50',
  PORTICO_JOBS__RETRY_BASE_DELAY_MS: '20',
  PORTICO_JOBS__RETRY_MAX_DELAY_MS: '50',
};

export interface GenerationServer {
  server: RunningServer;
  /** Everything the server logged (JSON lines), to prove secrets never reach the log. */
  logs: string[];
  key(role: string): Promise<string>;
  api(method: string, path: string, token: string | undefined, body?: unknown): Promise<Reply>;
  /** A real SDK client with an API key; `sampling` makes it declare and answer sampling. */
  connect(secret: string, era: Era, options?: { sampling?: boolean }): Promise<AnsweringClient>;
}

export async function startGenerationServer(env: Record<string, string> = {}): Promise<GenerationServer> {
  const all = { ...FAST_ENV, ...env };
  const config = loadConfig({ env: all });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const server = await startTestServer(all, { logger: pino({ level: 'debug' }, sink), providers: [createPromptsProvider(config), createGenerationProvider(config)] });
  const clients: Client[] = [];
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
  });
  let n = 0;
  return {
    server,
    logs,
    key: async (role) => (await server.identity.createKey({ name: `${role}-${++n}`, role })).secret,
    api: (method, path, token, body) => call(server.url, method, `/api/v1${path}`, { token, ...(body !== undefined ? { body } : {}) }),
    async connect(secret, era, options = {}) {
      const headers = { authorization: `Bearer ${secret}` };
      let answering: AnsweringClient;
      if (options.sampling) {
        answering = answeringClient(era, `generation-${era}`);
      } else {
        answering = { client: new Client({ name: `generation-${era}`, version: '1' }, era === 'modern' ? { versionNegotiation: { mode: { pin: MODERN_REVISION } } } : {}), answered: [] };
      }
      await answering.client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers } }));
      clients.push(answering.client);
      return answering;
    },
  };
}

