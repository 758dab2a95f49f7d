/**
 * API resource storage on every dialect: headers sealed at rest, views without values, replace
 * semantics, catalog entries following the rows, and a wrong installation key failing closed.
 */
import { randomBytes } from 'node:crypto';
import { beforeAll, expect, it } from 'vitest';
import { createCatalog } from '../../../src/core/catalog/catalog.js';
import { createAddressPolicy } from '../../../src/providers/web/address-policy.js';
import { createApiResourceService, type ApiResourceService } from '../../../src/providers/web/api-resource-service.js';
import type { Database } from '../../../src/store/database.js';
import { migrateToLatest } from '../../../src/store/migrate.js';
import * as m0012 from '../../../src/store/migrations/0012-api-resources.js';
import { createApiResourceRepository } from '../../../src/store/repositories/api-resource.repository.js';
import { describeEachDialect } from '../../helpers/dialects.js';
import { loopbackGuard, startLocalApi, type LocalApi } from './web-kit.js';

let api: LocalApi;
beforeAll(async () => {
  api = await startLocalApi();
});

describeEachDialect('API resources', (dialect) => {
  const guard = loopbackGuard({ 'api.test': ['127.0.0.1'] });
  const catalog = createCatalog();
  const key = randomBytes(32);
  let database: Database;
  let service: ApiResourceService;
  const serviceWith = (secretKey: Buffer) =>
    createApiResourceService({
      repository: createApiResourceRepository(database.db),
      secretKey,
      catalog,
      fetchPolicy: { policy: createAddressPolicy(['api.test']), resolver: guard.resolver, connector: guard.connector, maxBytes: 65536, maxRedirects: 2, userAgent: 'test' },
      uriScheme: 'acme',
      timeoutMs: 5000,
      maxTextChars: 10_000,
      source: 'web',
    });

  beforeAll(async () => {
    database = await dialect.open();
    await migrateToLatest(database);
    service = serviceWith(key);
  });

  it('migration 0012 is idempotent', async () => {
    await m0012.up(database.db as unknown as Parameters<typeof m0012.up>[0]);
    expect(await service.list()).toEqual([]);
  });

  it('seals the headers and shows only their names', async () => {
    const view = await service.put('orders', { url: `http://api.test:${api.port}/echo`, headers: { Authorization: 'Bearer s3cr3t-value', 'X-Key': 'k-999' } }, 'user:1');
    expect(view).toMatchObject({ name: 'orders', uri: 'acme://api/orders', headerNames: ['authorization', 'x-key'], createdBy: 'user:1' });
    const row = await database.db.selectFrom('api_resources').selectAll().where('name', '=', 'orders').executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toMatch(/s3cr3t-value|k-999/);
    expect(JSON.stringify(await service.list())).not.toMatch(/s3cr3t-value|k-999/);
    expect(catalog.resource('acme://api/orders')).toBeDefined();
  });

  it('sends the stored headers when read', async () => {
    const before = api.requests.length;
    const result = await service.read('orders');
    const sent = api.requests.slice(before)[0]!;
    expect(sent.headers.authorization).toBe('Bearer s3cr3t-value');
    expect(sent.headers['x-key']).toBe('k-999');
    expect(result.contents[0]).toMatchObject({ uri: 'acme://api/orders', mimeType: 'application/json' });
  });

  it('keeps headers and creator on a replace without headers; {} removes them', async () => {
    const kept = await service.put('orders', { url: `http://api.test:${api.port}/json`, title: 'Orders' }, 'user:2');
    expect(kept).toMatchObject({ title: 'Orders', headerNames: ['authorization', 'x-key'], createdBy: 'user:1' });
    const cleared = await service.put('orders', { url: `http://api.test:${api.port}/json`, headers: {} }, 'user:2');
    expect(cleared.headerNames).toEqual([]);
    const row = await database.db.selectFrom('api_resources').select('headers_sealed').where('name', '=', 'orders').executeTakeFirstOrThrow();
    expect(row.headers_sealed).toBeNull();
  });

  it('fails closed with another installation key, without showing the value', async () => {
    await service.put('locked', { url: `http://api.test:${api.port}/json`, headers: { Authorization: 'Bearer other-s3cr3t' } }, 'user:1');
    const stranger = serviceWith(randomBytes(32));
    const err = await stranger.read('locked').then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/cannot be decrypted/);
    expect(err?.message).not.toContain('other-s3cr3t');
  });

  it('deletes rows and catalog entries', async () => {
    expect(await service.delete('locked')).toBe(true);
    expect(await service.delete('locked')).toBe(false);
    expect(catalog.resource('acme://api/locked')).toBeUndefined();
    await expect(service.read('locked')).rejects.toThrow(/Resource not found/);
  });

  it('refuses bad names before touching the database', async () => {
    for (const name of ['', 'UPPER', '../x', 'a'.repeat(65), 'sp ace']) {
      await expect(service.put(name, { url: 'http://api.test/' }, 'user:1')).rejects.toThrow(/API resource name/);
    }
  });
});
