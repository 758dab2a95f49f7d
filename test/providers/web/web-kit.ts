/**
 * What the web tests share: a local HTTP API on 127.0.0.1 that records every request, a resolver
 * and connector that record every target and REFUSE to connect anywhere but loopback (so a broken
 * SSRF check can never send traffic off this machine), and the web provider on a real catalog,
 * pipeline and SQLite store.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { createCatalog, type Catalog } from '../../../src/core/catalog/catalog.js';
import type { CallToolResult } from '../../../src/core/catalog/mcp-shapes.js';
import { nullAuditSink, nullCallMetrics } from '../../../src/core/pipeline/audit-sink.js';
import { isNeedsInput } from '../../../src/core/pipeline/input-requests.js';
import { createPipeline, type CallScope, type Pipeline } from '../../../src/core/pipeline/pipeline.js';
import { unlimitedRateLimiter } from '../../../src/core/pipeline/rate-limiter.js';
import { localAuthenticator, localPrincipal } from '../../../src/core/identity/local-principal.js';
import { blockedReason, parseIp } from '../../../src/providers/web/address-policy.js';
import { directConnector, type Connector, type ConnectTarget, type Resolver } from '../../../src/providers/web/guarded-agent.js';
import { createWebProvider } from '../../../src/providers/web/web-provider.js';
import type { ProviderServices } from '../../../src/providers/services.js';
import { openStore, type Store } from '../../../src/runtime.js';
import { tempDir } from '../../helpers/temp-dir.js';

export interface RecordedRequest {
  method: string;
  url: string;
  host: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface LocalApi {
  port: number;
  requests: RecordedRequest[];
  /** Bytes the /big route managed to write before the client stopped reading. */
  bigWritten(): number;
  server: Server;
}

/** A small HTTP API with the routes the tests need. */
export async function startLocalApi(): Promise<LocalApi> {
  const requests: RecordedRequest[] = [];
  let bigWritten = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', host: req.headers.host ?? '', headers: req.headers, body });
      const url = new URL(req.url ?? '/', 'http://local');
      const path = url.pathname;
      if (path === '/json') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items: [{ id: 1, name: 'first' }], total: 1 }));
      } else if (path === '/echo') {
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'set-cookie': 'session=abc' }).end(JSON.stringify({ method: req.method, headers: req.headers, body }));
      } else if (path === '/text') {
        const size = Number(url.searchParams.get('chars') ?? 100);
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('x'.repeat(size));
      } else if (path === '/bytes') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.from([0, 1, 2, 255]));
      } else if (path === '/big') {
        // Endless body: the client must stop reading at its cap.
        res.writeHead(200, { 'content-type': 'text/plain' });
        const chunk = Buffer.alloc(64 * 1024, 'a');
        const pump = () => {
          while (!res.destroyed && bigWritten < 512 * 1024 * 1024) {
            bigWritten += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end();
        };
        res.on('close', () => undefined);
        pump();
      } else if (path === '/slow') {
        setTimeout(() => res.writeHead(200).end('late'), 10_000).unref();
      } else if (path === '/redirect') {
        res.writeHead(Number(url.searchParams.get('status') ?? 302), { location: url.searchParams.get('to') ?? '/json' }).end();
      } else if (path === '/loop') {
        res.writeHead(302, { location: '/loop' }).end();
      } else if (path === '/status') {
        res.writeHead(Number(url.searchParams.get('code') ?? 200), { 'content-type': 'text/plain' }).end('status body');
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('no such route');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.address() as AddressInfo).port, requests, bigWritten: () => bigWritten, server };
}

export interface LoopbackGuard {
  resolver: Resolver;
  connector: Connector;
  /** Every name the resolver was asked for. */
  lookups: string[];
  /** Every connection attempt that reached the connector (allowed by the policy). */
  connections: ConnectTarget[];
  /** Attempts the connector itself refused (outside loopback): the policy let them through. */
  refusedByGuard: ConnectTarget[];
}

const isLoopback = (address: string) => {
  const ip = parseIp(address);
  return ip !== undefined && blockedReason(ip)?.startsWith('loopback') === true && (ip.family === 4 || address === '::1' || address === '0:0:0:0:0:0:0:1');
};

/**
 * A resolver answering from a fixed table (never the real DNS) and a connector that opens only
 * loopback connections. Whatever the code under test decides, nothing leaves 127.0.0.0/8 and ::1.
 */
export function loopbackGuard(names: Record<string, string[] | (() => string[])> = {}): LoopbackGuard {
  const lookups: string[] = [];
  const connections: ConnectTarget[] = [];
  const refusedByGuard: ConnectTarget[] = [];
  return {
    lookups,
    connections,
    refusedByGuard,
    resolver: async (hostname) => {
      lookups.push(hostname);
      const entry = names[hostname];
      const addresses = typeof entry === 'function' ? entry() : entry;
      if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
      return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    },
    connector: async (target) => {
      if (!isLoopback(target.address)) {
        refusedByGuard.push(target);
        throw new Error(`test guard: refusing to connect to ${target.address}`);
      }
      connections.push(target);
      return directConnector(target);
    },
  };
}

export interface WebHarness {
  catalog: Catalog;
  pipeline: Pipeline;
  services: ProviderServices;
  store: Store;
  scope(): CallScope;
  call(args: Record<string, unknown>): Promise<CallToolResult>;
}

/** The web provider on a real catalog, pipeline and store, with the given configuration. */
export async function startWeb(env: Record<string, string>, guard: LoopbackGuard): Promise<WebHarness> {
  const config = loadConfig({ env: { PORTICO_DATA_DIR: tempDir(), ...env } });
  const store = await openStore(config);
  afterAll(() => store.database.close());
  const catalog = createCatalog();
  const pipeline = createPipeline({
    catalog,
    authenticator: localAuthenticator(),
    rateLimiter: unlimitedRateLimiter,
    audit: nullAuditSink,
    metrics: nullCallMetrics,
    defaultTimeoutMs: 10_000,
  });
  const services: ProviderServices = {};
  const logger = pino({ level: 'silent' });
  await createWebProvider(config, { resolver: guard.resolver, connector: guard.connector }).start({
    catalog,
    config,
    logger,
    store,
    services,
    pipeline,
    get identity(): never {
      throw new Error('the web provider does not use the identity service');
    },
  });
  let n = 0;
  const principal = localPrincipal('web-test');
  const scope = (): CallScope => ({ principal, surface: 'internal', requestId: `web-${++n}`, client: { name: 'web-test', capabilities: {} } });
  return {
    catalog,
    pipeline,
    services,
    store,
    scope,
    async call(args) {
      const result = await pipeline.callTool(scope(), 'web_api', args);
      if (isNeedsInput(result)) throw new Error('unexpected input request');
      return result;
    },
  };
}

export const textOf = (result: CallToolResult): string => {
  const first = result.content[0];
  if (first?.type !== 'text') throw new Error(`expected text, got ${JSON.stringify(result.content)}`);
  return first.text;
};
