/**
 * A running server picks up upstreams that another process (the CLI, another node) stored in or
 * removed from the shared database, without a restart.
 */
import { expect, it } from 'vitest';
import { upstreamDefinitionSchema } from '../../src/gateway/upstream-definition.js';
import { createUpstreamRepository } from '../../src/store/repositories/upstream.repository.js';
import { startTestServer } from '../helpers/test-server.js';

async function until(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}

it('connects an upstream stored by another process, and drops one it removed', async () => {
  const upstream = await startTestServer({ PORTICO_MCP__CONFORMANCE_FIXTURE: 'true', PORTICO_AUTH__DISABLED: 'true' });
  const gateway = await startTestServer({ PORTICO_AUTH__DISABLED: 'true', PORTICO_GATEWAY__SYNC_INTERVAL_MS: '200' });
  // What `portico upstreams add` does: write the row, nothing else.
  const repository = createUpstreamRepository(gateway.database.db, gateway.secretKey);
  const definition = upstreamDefinitionSchema.parse({ id: 'from-the-cli', name: 'elsewhere', transport: { type: 'http', url: `${upstream.url}/mcp` } });
  await repository.insert(definition, { createdBy: null, at: new Date().toISOString() });

  await until(() => gateway.catalog.tool('elsewhere_echo') !== undefined);
  expect(gateway.catalog.tool('elsewhere_echo')).toBeDefined();
  expect(gateway.services.upstreams!.get('from-the-cli')).toMatchObject({ name: 'elsewhere', source: 'api', status: { health: 'connected' } });

  await repository.delete('from-the-cli');
  await until(() => gateway.catalog.tool('elsewhere_echo') === undefined);
  expect(gateway.catalog.tool('elsewhere_echo')).toBeUndefined();
  expect(gateway.services.upstreams!.get('from-the-cli')).toBeUndefined();
  expect(gateway.services.gateway!.status('from-the-cli')).toBeUndefined();
}, 60_000);
