/**
 * Composition root: the only module that knows every piece. Reads a frozen configuration, prepares
 * the data directory, opens and migrates the store, builds the HTTP surfaces and starts listening.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { createIdentityAuthenticator, type IdentityAuthenticator } from './auth/identity-authenticator.js';
import { createExternalOidcVerifier } from './auth/external-oidc-verifier.js';
import type { IdentityService } from './auth/identity-service.js';
import { localAuthenticator, localPrincipal } from './core/identity/local-principal.js';
import type { Principal } from './core/identity/principal.js';
import type { Authenticator } from './core/identity/authenticator.js';
import { serveMcpOverStdio } from './surfaces/stdio/stdio-surface.js';
import type { Provider } from './providers/provider.js';
import type { ProviderServices } from './providers/services.js';
import { createMcpEventRepository } from './store/repositories/mcp-event.repository.js';
import { registerMcpHttp, type McpHttp } from './surfaces/mcp-http/mcp-http.js';
import { createProtocolDeps } from './surfaces/mcp-server/protocol-deps.js';
import type { Migration } from 'kysely';
import type { FrozenConfig } from './config/schema.js';
import { PorticoError } from './core/errors.js';
import type { Logger } from './logging/logger.js';
import { acquireServerLock, prepareDataDirectory, type DataDirectory } from './store/data-directory.js';
import type { Database } from './store/database.js';
import type { Catalog } from './core/catalog/catalog.js';
import type { Pipeline } from './core/pipeline/pipeline.js';
import { createRuntime, type Runtime, type Store } from './runtime.js';
import { createSessionAuth, type SessionAuth } from './auth/session-auth.js';

export { openStore } from './runtime.js';
import { blobDirectoryHealthCheck, databaseHealthCheck } from './store/health-checks.js';
import { createSettingsRepository } from './store/repositories/settings.repository.js';
import { registerHealthRoutes } from './surfaces/http/health.routes.js';
import { createHttpApp, type RawInterceptor } from './surfaces/http/http-app.js';
import { isLoopbackHost } from './surfaces/http/loopback.js';
import { createMetrics } from './surfaces/http/metrics.js';
import { registerOpenApi } from './surfaces/rest/openapi.js';
import { registerRestApi } from './surfaces/rest/rest-api.js';
import { registerOAuth } from './surfaces/oauth/oauth.routes.js';

export interface RunningServer {
  readonly app: FastifyInstance;
  /** Base URL the server listens on, e.g. http://127.0.0.1:8080 */
  readonly url: string;
  readonly database: Database;
  readonly dataDir: DataDirectory;
  readonly secretKey: Buffer;
  readonly catalog: Catalog;
  readonly pipeline: Pipeline;
  readonly identity: IdentityService;
  /** What the providers published (blob store, prompt library, gateway, …). */
  readonly services: ProviderServices;
  /** Stop accepting, drain in-flight requests within the grace period, close the store. Idempotent. */
  close(): Promise<void>;
}

export interface StartOptions {
  logger: Logger;
  /** Replace the migration set (tests of failure handling). */
  migrations?: Readonly<Record<string, Migration>>;
  /** Mount extra routes before listening (tests, embedding). */
  extendApp?: (app: FastifyInstance) => void | Promise<void>;
  /** Extra providers to start (tests, embedding). */
  providers?: readonly Provider[];
  /** Replace the configured authenticator (tests, embedding). */
  authenticator?: Authenticator;
  /** Resolves upstream host names for the gateway's address checks (tests inject one so nothing leaves loopback). */
  resolveHost?: (host: string) => Promise<string[]>;
}

export async function startServer(config: FrozenConfig, options: StartOptions): Promise<RunningServer> {
  const { logger } = options;
  if (config.auth.disabled && !isLoopbackHost(config.server.host)) {
    throw new PorticoError('startup_failed', `--no-auth is refused when binding to ${config.server.host}; it is allowed only on a loopback address such as 127.0.0.1`);
  }
  const startedAt = Date.now();
  const dataDir = prepareDataDirectory(config.dataDir);
  const lock = config.database.url ? undefined : acquireServerLock(dataDir);
  let runtime: Runtime | undefined;
  let app: FastifyInstance | undefined;
  let mcpHttp: McpHttp | undefined;
  try {
    const metrics = createMetrics();
    // Sessions and MCP tokens: made with the store, used by the authenticator and the REST routes alike.
    let sessionAuth: SessionAuth | undefined;
    const sessionAuthFor = (identity: IdentityService, store: Store) => (sessionAuth ??= createSessionAuth(config, store, identity));
    let identityAuthenticator: IdentityAuthenticator | undefined;
    runtime = await createRuntime(config, {
      logger,
      dataDir,
      authenticator:
        options.authenticator ??
        (config.auth.disabled
          ? localAuthenticator()
          : (identity, store) =>
              (identityAuthenticator = createIdentityAuthenticator(identity, [
                sessionAuthFor(identity, store).verifier,
                ...(config.oidc.issuer ? [createExternalOidcVerifier(config.oidc, { permissionsOf: (role) => identity.permissionsOf(role) })] : []),
              ]))),
      metrics: metrics.calls,
      ...(options.providers ? { providers: options.providers } : {}),
      ...(options.migrations ? { migrations: options.migrations } : {}),
      ...(options.resolveHost ? { resolveHost: options.resolveHost } : {}),
    });
    const { store, catalog, pipeline, identity } = runtime;
    const session = sessionAuthFor(identity, store);
    const settings = createSettingsRepository(store.database.db);
    const instanceId = await settings.setIfAbsent('instance.id', randomUUID());

    let accepting = false;
    const interceptor: { current?: RawInterceptor } = {};
    app = await createHttpApp({ config, logger, metrics, interceptor });
    app.addHook('onSend', async (_request, reply) => {
      if (!accepting) reply.header('connection', 'close');
    });
    await registerOpenApi(app);
    // OAuth 2.1 for remote MCP clients: its metadata, endpoints and pages, and its access tokens in the chain.
    if (identityAuthenticator && config.oauth.enabled) {
      const oauth = registerOAuth(app, { config, identity, database: store.database, secretKey: store.secretKey, logger, loginLimiter: session.loginLimiter, audit: runtime.audit });
      identityAuthenticator.addVerifier(oauth.verifier);
    }
    registerHealthRoutes(app, {
      checks: [databaseHealthCheck(store.database), blobDirectoryHealthCheck(store.dataDir.blobsDir)],
      startedAt,
      isAcceptingTraffic: () => accepting,
    });
    // The MCP sessions registry exists only once /mcp is mounted, below; the REST view reads it then.
    const sessionsView = { list: () => mcpHttp?.sessions.list() ?? [], remove: (id: string) => mcpHttp?.sessions.remove(id) };
    await registerRestApi(app, {
      dialect: store.database.dialect,
      startedAt,
      pipeline,
      audit: runtime.audit,
      sessions: sessionsView,
      identityApi: { identity, session, auth: config.auth, audit: runtime.audit },
      services: runtime.services,
      config,
    });
    mcpHttp = registerMcpHttp(app, {
      config,
      logger,
      protocol: createProtocolDeps(pipeline, store.secretKey),
      events: createMcpEventRepository(store.database.db),
      lean: config.mcp.fastPath,
      metrics,
      interceptor,
    });
    // Permissions changed: every legacy session re-reads its lists.
    const sessions = mcpHttp.sessions;
    identity.onChange(() => sessions.notifyAllListsChanged());
    await options.extendApp?.(app);

    await listen(app, config);
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.server.port;
    const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
    const url = `http://${host}:${port}`;
    session.setServerUrl(url);
    lock?.update(url);
    accepting = true;
    // Only once the server is really up, so a failed start never shows a password for nothing.
    await announceFirstStart(identity, config, logger);
    logger.info({ url, database: store.database.dialect, dataDir: store.dataDir.root, instanceId }, 'portico listening');

    const opened = runtime;
    const running = app;
    let closing: Promise<void> | undefined;
    return {
      app: running,
      url,
      database: store.database,
      dataDir: store.dataDir,
      secretKey: store.secretKey,
      catalog,
      pipeline,
      identity,
      services: runtime.services,
      close() {
        closing ??= (async () => {
          accepting = false;
          const deadline = setTimeout(() => running.server.closeAllConnections(), config.server.shutdownGraceMs);
          deadline.unref();
          // Keep-alive sockets go idle once their last response is sent; close them as they do,
          // rather than waiting for the client's keep-alive timeout.
          const sweeper = setInterval(() => running.server.closeIdleConnections(), 100);
          sweeper.unref();
          try {
            // Long-lived MCP streams would otherwise hold the close until the grace period ends.
            await mcpHttp?.close();
            await running.close();
          } finally {
            clearTimeout(deadline);
            clearInterval(sweeper);
            await opened.close();
            lock?.release();
            logger.info('portico stopped');
          }
        })();
        return closing;
      },
    };
  } catch (err) {
    await mcpHttp?.close().catch(() => undefined);
    await app?.close().catch(() => undefined);
    await runtime?.close().catch(() => undefined);
    lock?.release();
    throw err;
  }
}

async function listen(app: FastifyInstance, config: FrozenConfig): Promise<void> {
  try {
    await app.listen({ host: config.server.host, port: config.server.port, listenTextResolver: (address) => `listening at ${address}` });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const where = `${config.server.host}:${config.server.port}`;
    if (code === 'EADDRINUSE') throw new PorticoError('startup_failed', `port ${config.server.port} on ${config.server.host} is already in use; stop the other process or choose --port`);
    if (code === 'EACCES') throw new PorticoError('startup_failed', `not allowed to listen on ${where}; choose a port above 1024`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new PorticoError('startup_failed', `cannot bind ${where}: no such local address`);
    throw err;
  }
}

export interface StdioOptions {
  logger: Logger;
  /** Run as this user (name or id): their role's permissions, re-read when identities change. */
  asUser?: string;
  providers?: readonly Provider[];
}

/** Serve MCP over this process's stdin/stdout until the client goes away. */
export async function runStdio(config: FrozenConfig, options: StdioOptions): Promise<void> {
  const holder: { principal: Principal } = { principal: localPrincipal('stdio') };
  const runtime = await createRuntime(config, {
    logger: options.logger,
    authenticator: { authenticate: () => holder.principal },
    ...(options.providers ? { providers: options.providers } : {}),
  });
  try {
    if (options.asUser) {
      const user = await runtime.identity.user(options.asUser);
      if (!user) throw new PorticoError('not_found', `--as: no user named "${options.asUser}"`);
      const refresh = async () => {
        holder.principal = await runtime.identity.principalForUser(user.id);
      };
      await refresh();
      runtime.identity.onChange(() => void refresh().catch((err: unknown) => options.logger.warn({ err }, 'could not refresh the stdio principal')));
    }
  } catch (err) {
    await runtime.close();
    throw err;
  }
  const binding = {
    get principal() {
      return holder.principal;
    },
  };
  const surface = serveMcpOverStdio(createProtocolDeps(runtime.pipeline, runtime.store.secretKey), binding, options.logger);
  const signalled = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await Promise.race([surface.closed, signalled]);
  await surface.close();
  await runtime.close();
}

/**
 * With no users yet, create `admin`. A generated password is shown once on the console (stderr,
 * outside the JSON log stream, so log shipping never carries it); set PORTICO_ADMIN_PASSWORD to
 * choose it instead.
 */
async function announceFirstStart(identity: IdentityService, config: FrozenConfig, logger: Logger): Promise<void> {
  const result = await identity.firstStart(config.auth.adminPassword);
  if (!result.created) return;
  logger.info({ username: result.username, generatedPassword: result.generated }, 'created the first admin user');
  if (result.generated) {
    process.stderr.write(
      `\n  Portico created the first user.\n    username: ${result.username}\n    password: ${result.password}\n  It is shown only this once: store it, or change it with \`portico users passwd ${result.username}\`.\n\n`,
    );
  }
}
