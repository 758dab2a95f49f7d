/**
 * A provider context for providers that only add catalog entries (fixtures): the store, identity and
 * pipeline throw when touched, so a provider that needs them fails loudly instead of half-working.
 */
import type { ProviderContext } from '../../src/providers/provider.js';

export function catalogOnlyContext(parts: Pick<ProviderContext, 'catalog' | 'config' | 'logger'>): ProviderContext {
  const absent = (what: string) => () => {
    throw new Error(`this test context has no ${what}`);
  };
  return Object.defineProperties({ ...parts } as ProviderContext, {
    store: { get: absent('store') },
    identity: { get: absent('identity service') },
    pipeline: { get: absent('pipeline') },
    services: { value: {} },
  });
}
