/**
 * The web provider: the `web_api` tool and the configured API resources (`{scheme}://api/{name}`),
 * both under one outbound policy (address-policy.ts, guarded-agent.ts). Publishes `apiResources`
 * for the REST routes that manage them.
 */
import type { FrozenConfig } from '../../config/schema.js';
import { createApiResourceRepository } from '../../store/repositories/api-resource.repository.js';
import type { Provider } from '../provider.js';
import { createAddressPolicy } from './address-policy.js';
import { createApiResourceService } from './api-resource-service.js';
import { directConnector, systemResolver, type Connector, type Resolver } from './guarded-agent.js';
import type { FetchPolicy } from './guarded-fetch.js';
import { webApiTool } from './web-api-tool.js';

export const WEB_SOURCE = 'web';

export interface WebProviderOptions {
  /** Host name resolution (default: the system resolver). */
  resolver?: Resolver;
  /** Opens the checked connection (default: a direct TCP/TLS connection). */
  connector?: Connector;
}

export function createWebProvider(config: FrozenConfig, options: WebProviderOptions = {}): Provider {
  const web = config.web;
  const fetchPolicy: FetchPolicy = Object.freeze({
    policy: createAddressPolicy(web.allowedHosts),
    resolver: options.resolver ?? systemResolver,
    connector: options.connector ?? directConnector,
    maxBytes: web.maxResponseBytes,
    maxRedirects: web.maxRedirects,
    userAgent: web.userAgent,
  });
  return {
    name: WEB_SOURCE,
    async start({ catalog, store, services }) {
      if (!web.enabled) return;
      catalog.add(webApiTool(web, fetchPolicy, WEB_SOURCE));
      const apiResources = createApiResourceService({
        repository: createApiResourceRepository(store.database.db),
        secretKey: store.secretKey,
        catalog,
        fetchPolicy,
        uriScheme: config.mcp.uriScheme,
        timeoutMs: web.defaultTimeoutMs,
        maxTextChars: web.maxTextChars,
        source: WEB_SOURCE,
      });
      await apiResources.publishAll();
      services.apiResources = apiResources;
    },
  };
}
