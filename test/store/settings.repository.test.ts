import { expect, it } from 'vitest';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createSettingsRepository } from '../../src/store/repositories/settings.repository.js';
import { describeEachDialect } from '../helpers/dialects.js';

describeEachDialect('settings repository', (ctx) => {
  it('stores JSON values, upserts, and keeps the first value for setIfAbsent', async () => {
    const database = await ctx.open();
    await migrateToLatest(database);
    const settings = createSettingsRepository(database.db);
    expect(await settings.get('missing')).toBeUndefined();
    await settings.set('a', { n: 1, list: ['x'] });
    expect(await settings.get('a')).toEqual({ n: 1, list: ['x'] });
    await settings.set('a', 'replaced');
    expect(await settings.get('a')).toBe('replaced');
    expect(await settings.setIfAbsent('b', 'first')).toBe('first');
    expect(await settings.setIfAbsent('b', 'second')).toBe('first');
    expect(await settings.all()).toEqual({ a: 'replaced', b: 'first' });
  });

  it('answers a ping and reports its dialect', async () => {
    const database = await ctx.open();
    await expect(database.ping()).resolves.toBeUndefined();
    expect(database.dialect).toBe(ctx.name);
  });
});
