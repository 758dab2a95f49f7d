/**
 * A real Portico server with the blobs provider (and nothing else built in), plus API keys for
 * each built-in role, for the MCP and REST blob tests.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { createBlobsProvider } from '../../../src/providers/blobs/blobs-provider.js';
import type { RunningServer } from '../../../src/server.js';
import { MODERN_REVISION } from '../../helpers/mcp-clients.js';
import { startTestServer } from '../../helpers/test-server.js';
import { tempDir } from '../../helpers/temp-dir.js';

export interface BlobServer {
  server: RunningServer;
  url: string;
  /** API key secrets by role; `user2` is a second principal with the `user` role. */
  keys: { admin: string; user: string; user2: string; ai_agent: string; readonly: string };
  /** Principal ids behind the keys. */
  ids: Record<keyof BlobServer['keys'], string>;
}

export async function startBlobServer(env: Record<string, string> = {}): Promise<BlobServer> {
  // A known admin password keeps the first-start banner quiet.
  const fullEnv = { PORTICO_DATA_DIR: tempDir(), PORTICO_PORT: '0', PORTICO_PROVIDERS__BUILTIN: 'false', PORTICO_ADMIN_PASSWORD: 'blob-tests-admin-password', ...env };
  const server = await startTestServer(fullEnv, { providers: [createBlobsProvider(loadConfig({ env: fullEnv }))] });
  const make = async (name: string, role: string) => (await server.identity.createKey({ name, role, userId: null })).secret;
  const keys: BlobServer['keys'] = {
    admin: await make('blob-admin', 'admin'),
    user: await make('blob-user', 'user'),
    user2: await make('blob-user-2', 'user'),
    ai_agent: await make('blob-agent', 'ai_agent'),
    readonly: await make('blob-reader', 'readonly'),
  };
  // The principal id of an API key is what `owner_id` records; learn it from the server itself.
  const ids = {} as BlobServer['ids'];
  for (const [role, secret] of Object.entries(keys)) {
    const principal = await server.pipeline.authenticate({ bearer: secret });
    ids[role as keyof BlobServer['keys']] = principal.id;
  }
  return { server, url: server.url, keys, ids };
}

/** A connected MCP SDK client with a bearer key: legacy Streamable HTTP (the SDK default) or modern. */
export async function mcpClient(url: string, key: string, name = 'blob-tests', era: 'legacy' | 'modern' = 'legacy'): Promise<Client> {
  const client = new Client({ name, version: '1.0.0' }, era === 'modern' ? { versionNegotiation: { mode: { pin: MODERN_REVISION } } } : {});
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${key}` } } }));
  afterAll(() => client.close());
  return client;
}

/** A minimal valid PNG (1x1), so sniffing has something real to find. */
export const PNG_1X1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
