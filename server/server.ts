import { getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { withGraphqlFastPath } from './api/fast-path.ts';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { createApp } from './app.ts';
import { createPendingLogins } from './auth/pending-login.ts';
import type { BffConfig } from './config.ts';
import type { AppDeps } from './deps.ts';
import { AppError } from './errors.ts';
import type { AppEnv } from './http/env.ts';
import { logEvent } from './observability/events.ts';
import { createLogger, type Logger } from './observability/logger.ts';
import { createMetrics } from './observability/metrics.ts';
import { createFailureSpikeDetector } from './observability/spike.ts';
import { startTracing } from './observability/tracing.ts';
import { createSessionCookie, newSessionId, sessionIdHash } from './sessions/cookie.ts';
import { createRedisClient } from './sessions/redis-connection.ts';
import { createRedisRateLimiter, createRedisRefreshLock, createRedisStore } from './sessions/redis-store.ts';
import { createMemoryRateLimiter, type RateLimiter } from './http/middleware/rate-limit/index.ts';
import { createSealer } from './sessions/seal.ts';
import { createSessionService } from './sessions/session-service.ts';
import { guardStore, type StoreGuardOptions } from './sessions/guarded-store.ts';
import { createLocalRefreshLock } from './sessions/local-lock.ts';
import { createSqliteStore } from './sessions/sqlite-store.ts';
import type { RefreshLock, SessionStore } from './sessions/types.ts';
import { createShopifyClient } from './shopify/client.ts';
import { createGraphqlUpstream, type GraphqlUpstream } from './shopify/graphql.ts';
import { createStorefrontApi } from './shopify/storefront.ts';
import { createTokenManager, type TokenManagerDeps } from './tokens/manager.ts';

export interface BffOptions {
  logger?: Logger;
  now?: () => number;
  staticRoot?: string | null;
  /** Test hook: tighter retry timing so fault tests finish fast, or a scripted refresh grant. */
  tokenManager?: Pick<TokenManagerDeps, 'retry' | 'cooldownMs' | 'sleep' | 'random' | 'heldWrites'> &
    Partial<Pick<TokenManagerDeps, 'refreshGrant'>>;
  /** Every HTTP call to Shopify's discovery, token endpoint and JWKS; tests serve canned answers. Default `fetch`. */
  fetchImpl?: typeof fetch;
  /** The Customer Account API upstream; tests pass a fake. Default: undici pools. */
  upstream?: GraphqlUpstream;
  spike?: { windowMs?: number; minRefreshes?: number; thresholdRatio?: number };
  /** Test hook: how long the store must answer without a failure before `store.recovered` is logged. */
  storeGuard?: Pick<StoreGuardOptions, 'recoveryQuietMs'>;
  /** The app's routes are merged into a storefront's own app (see `AppShape`); default `false`. */
  mounted?: boolean;
  /**
   * The standalone demo's controls, required when `EMULATOR_ADMIN_ORIGIN` is set: pass `demoRoutes`
   * from `server/demo/routes.ts`. Injected so that the package's server ships without the demo.
   */
  demoRoutes?: (deps: AppDeps, emulatorAdminOrigin: string) => Hono<AppEnv>;
}

export interface Bff {
  deps: AppDeps;
  /** The Hono app, every route under `config.basePath`. */
  app: Hono<AppEnv>;
  fetch: (request: Request) => Response | Promise<Response>;
  close(): Promise<void>;
  /**
   * Resolves once the session store takes commands, or after a bounded wait (see `openStore`), and
   * tracing, when on, has started.
   */
  storeReady: Promise<void>;
  /** Exports the spans buffered so far (tracing on); `close()` does it too. */
  flushTraces(): Promise<void>;
}

/** How long start-up waits for Redis; after that the BFF comes up not ready (`/readyz` 503) and keeps trying. */
const STORE_READY_WAIT_MS = 5_000;

function openStore(
  config: BffConfig,
  sealer: ReturnType<typeof createSealer>,
  now: () => number,
  logger: Logger,
  guardOptions: Pick<StoreGuardOptions, 'recoveryQuietMs' | 'metrics'> = {},
): {
  store: SessionStore;
  lock: RefreshLock;
  closeExtra: () => Promise<void>;
  /** Resolves once the store can take commands, or after `STORE_READY_WAIT_MS` (then `/readyz` says so). */
  ready: Promise<void>;
  /** Sign-in starts per client address: in this process with SQLite, shared by every instance on Redis. */
  loginLimiter: RateLimiter;
} {
  const absoluteTimeoutMs = config.sessionAbsoluteTimeoutSeconds * 1000;
  const target = config.sessionStoreRedis;
  if (target === null) {
    const store = createSqliteStore({
      path: config.sessionStore.slice('sqlite:'.length),
      sealer,
      absoluteTimeoutMs,
      nowMs: now,
      onFileRestored: (path) =>
        logEvent(
          logger,
          'warn',
          'store.file_restored',
          { path },
          'the session database file was deleted; written back',
        ),
    });
    // One process owns a SQLite file: the in-process lock is the whole story.
    const guard = guardStore(store, createLocalRefreshLock(now), { name: 'sqlite', logger, now, ...guardOptions });
    return {
      store: guard.store,
      lock: guard.lock,
      closeExtra: async () => {},
      ready: Promise.resolve(),
      loginLimiter: createMemoryRateLimiter(config.loginRateLimitPerMinute, 60_000, now),
    };
  }
  // Several BFF instances share Redis; the lease lock makes one of them refresh a session at a time.
  // A command Redis cannot take in a second fails (the guard answers 503 at once after a few). No
  // offline queue: a command refused while Redis is away must never run later (a lock taken after its
  // caller gave up would block every refresh of that session for a whole lease).
  const redis = createRedisClient(target, config.sessionStoreTlsCa, {
    maxRetriesPerRequest: 1,
    commandTimeout: 1_000,
    enableOfflineQueue: false,
    // Lookups made in the same tick share one write to the socket (one syscall instead of one each).
    enableAutoPipelining: true,
  });
  const ready = new Promise<void>((resolve) => {
    redis.once('ready', () => resolve());
    setTimeout(resolve, STORE_READY_WAIT_MS).unref();
  });
  // ioredis reconnects by itself and would print every failed attempt to stderr without a listener;
  // the guard logs one line per change of state instead, naming the connection's last error (a refused
  // certificate, WRONGPASS) that the failed command itself does not carry.
  let connectionError: string | null = null;
  redis.on('error', (error: Error) => {
    connectionError = error.message;
  });
  redis.on('ready', () => {
    connectionError = null;
  });
  const keyPrefix = config.sessionStorePrefix;
  const guard = guardStore(
    createRedisStore({ redis, keyPrefix, sealer, absoluteTimeoutMs, nowMs: now }),
    createRedisRefreshLock(redis, keyPrefix),
    { name: 'redis', logger, now, connectionError: () => connectionError, ...guardOptions },
  );
  return {
    store: guard.store,
    lock: guard.lock,
    closeExtra: async () => {
      await redis.quit().catch(() => redis.disconnect());
    },
    ready,
    loginLimiter: createRedisRateLimiter(redis, keyPrefix, 'login', config.loginRateLimitPerMinute, 60_000, now),
  };
}

/** The OAuth redirect URI to register at Shopify: the callback route, under the base path. */
export const redirectUriOf = (config: Pick<BffConfig, 'appOrigin' | 'basePath'>): string =>
  `${config.appOrigin}${config.basePath}/auth/callback`;

/** Builds the BFF from validated configuration: every dependency, wired once. */
export function createBff(config: BffConfig, options: BffOptions = {}): Bff {
  const now = options.now ?? Date.now;
  const logger = options.logger ?? createLogger({ level: config.logLevel, base: { service: 'bff' } });
  // Process metrics only where they are served: a mounted BFF without /metrics collects none.
  const metrics = createMetrics({ collectDefaultMetrics: config.metricsEnabled });
  const sealer = createSealer(config.sessionPasswords, { nowMs: now });
  const { store, lock, closeExtra, ready, loginLimiter } = openStore(config, sealer, now, logger, {
    ...options.storeGuard,
    metrics,
  });
  const shopify = createShopifyClient({
    storefrontOrigin: config.storefrontOrigin,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    appOrigin: config.appOrigin,
    redirectUri: redirectUriOf(config),
    now,
    ...(options.fetchImpl === undefined ? {} : { fetchImpl: options.fetchImpl }),
  });
  const spike = createFailureSpikeDetector({ ...options.spike, logger, gauge: metrics.refreshFailureSpike, now });
  const tokens = createTokenManager({
    store,
    lock,
    refreshGrant: shopify.refreshGrant,
    logger,
    metrics,
    spike,
    now,
    bufferSeconds: config.refreshBufferSeconds,
    ...options.tokenManager,
  });
  const sessions = createSessionService({
    store,
    idleTimeoutMs: config.sessionIdleTimeoutSeconds * 1000,
    absoluteTimeoutMs: config.sessionAbsoluteTimeoutSeconds * 1000,
    nowMs: now,
    onEndPending: (sid, error) =>
      logEvent(logger, 'warn', 'session.end_pending', {
        session: sessionIdHash(sid),
        err: { message: error instanceof Error ? error.message : String(error) },
      }),
    onEndCompleted: (sid, attempts) =>
      logEvent(logger, 'info', 'session.end_completed', { session: sessionIdHash(sid), attempts }),
    onTouchFailed: (sid, error) =>
      logEvent(logger, 'warn', 'session.touch_failed', {
        session: sessionIdHash(sid),
        err: { message: error instanceof Error ? error.message : String(error) },
      }),
  });
  const upstream = options.upstream ?? createGraphqlUpstream({ appOrigin: config.appOrigin });
  const storefront = config.storefrontApi === null ? null : createStorefrontApi(config.storefrontApi);
  const deps: AppDeps = {
    config,
    store,
    cookie: createSessionCookie({
      appOrigin: config.appOrigin,
      basePath: config.basePath,
      sealer,
      absoluteTimeoutSeconds: config.sessionAbsoluteTimeoutSeconds,
    }),
    loginLimiter,
    pendingLogins: createPendingLogins({
      sealer,
      secure: config.appOrigin.startsWith('https:'),
      basePath: config.basePath,
      nowMs: now,
    }),
    sessions,
    tokens,
    shopify,
    upstream,
    storefront,
    logger,
    metrics,
    now,
    newSessionId,
    staticRoot: options.staticRoot ?? null,
    lifecycle: { draining: false },
  };
  const { emulatorAdminOrigin } = config;
  if (emulatorAdminOrigin !== null && options.demoRoutes === undefined) {
    throw new AppError(
      'CONFIG',
      'EMULATOR_ADMIN_ORIGIN is set, but this server has no demo controls (npm start has them)',
    );
  }
  const app = createApp(deps, {
    mounted: options.mounted === true,
    demo: emulatorAdminOrigin !== null ? options.demoRoutes?.(deps, emulatorAdminOrigin) : undefined,
  });
  // Tracing is process-wide (OpenTelemetry's provider is global): the first BFF with it on starts it.
  const tracing = startTracing(config.tracing, logger);
  const flushTraces = async () => (await tracing).flush();
  let closed: Promise<void> | null = null;
  return {
    deps,
    app,
    storeReady: Promise.all([ready, tracing]).then(() => {}),
    fetch: app.fetch,
    flushTraces,
    close() {
      closed ??= (async () => {
        await upstream.close();
        await storefront?.close();
        await store.close();
        await closeExtra();
        await flushTraces();
      })();
      return closed;
    },
  };
}

/**
 * At most `cap` open connections per peer address: one client holding hundreds of slow connections
 * cannot take the server's file descriptors from everyone else. Past the cap a connection is closed at
 * once, before any byte is read.
 */
export function capConnectionsPerAddress(server: Server, cap: number): void {
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    const count = (open.get(address) ?? 0) + 1;
    if (count > cap) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left === 0) open.delete(address);
      else open.set(address, left);
    });
  });
}

/** What a graceful shutdown got done before its bound. */
export interface ShutdownReport {
  /** `true` when every request and refresh finished in time. */
  drained: boolean;
  /** Requests and refreshes still running when the bound cut them off (0 and 0 when drained). */
  requestsLeft: number;
  refreshesLeft: number;
  durationMs: number;
}

export interface StartedBff extends Bff {
  port: number;
  url: string;
  /**
   * Graceful shutdown: stops accepting connections, lets the requests in flight and every refresh in
   * flight (with its compare-and-set write) finish within `timeoutMs`, then closes the connections,
   * the upstream pool and the store. `/readyz` answers 503 from the first moment.
   */
  shutdown(timeoutMs: number): Promise<ShutdownReport>;
  /** Requests received and not yet answered. */
  requestsInFlight(): number;
  /** Connections open right now (as the server counts them, whatever clients believe). */
  connections(): Promise<number>;
}

/** Starts the BFF on `config.port` (0 = any free port) and `config.host`, and resolves once it listens. */
export async function startBff(config: BffConfig, options: BffOptions = {}): Promise<StartedBff> {
  const bff = createBff(config, options);
  // Listen once the store can be asked (or it has had its chance): the first customers get answers,
  // not 503s from a connection still being made. An unreachable store comes up not ready instead.
  await bff.storeReady;
  const { server, port } = await new Promise<{ server: Server; port: number }>((resolve, reject) => {
    // The hot route first, on Node's own request and response; Hono for everything else.
    const { http } = config;
    const server = createServer(
      {
        // Slow clients: headers within 10 s, the whole request within 30 s, idle keep-alive 5 s (defaults),
        // checked every second rather than Node's default 30.
        headersTimeout: http.headersTimeoutSeconds * 1000,
        requestTimeout: http.requestTimeoutSeconds * 1000,
        keepAliveTimeout: http.keepAliveTimeoutSeconds * 1000,
        connectionsCheckingInterval: 1_000,
      },
      withGraphqlFastPath(bff.deps, getRequestListener(bff.fetch)),
    );
    server.maxConnections = http.maxConnections;
    if (http.maxConnectionsPerIp !== null) capConnectionsPerAddress(server, http.maxConnectionsPerIp);
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve({ server, port: (server.address() as AddressInfo).port }));
  });

  // The responses in flight, so a shutdown knows when they are done and can ask their clients to close.
  const active = new Set<ServerResponse>();
  let whenIdle: (() => void) | null = null;
  server.on('request', (_request: IncomingMessage, response: ServerResponse) => {
    active.add(response);
    if (bff.deps.lifecycle.draining) response.setHeader('Connection', 'close');
    response.once('close', () => {
      active.delete(response);
      if (active.size === 0) whenIdle?.();
    });
  });

  const closeNow = async () => {
    if (server.listening) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive sockets would hold close() open; the BFF owns no long-lived streams.
        server.closeAllConnections();
      });
    }
    await bff.close();
  };

  return {
    ...bff,
    port,
    url: `http://localhost:${port}`,
    close: closeNow,
    requestsInFlight: () => active.size,
    connections: () =>
      new Promise((resolve, reject) =>
        server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
      ),
    async shutdown(timeoutMs) {
      const startedAt = performance.now();
      bff.deps.lifecycle.draining = true;
      for (const response of active) if (!response.headersSent) response.setHeader('Connection', 'close');
      // No new connections from here on; idle keep-alive connections are closed by Node at once.
      server.close();
      const requestsDone =
        active.size === 0
          ? Promise.resolve()
          : new Promise<void>((resolve) => {
              whenIdle = resolve;
            });
      const bound = new AbortController();
      const drained = await Promise.race([
        Promise.all([requestsDone, bff.deps.tokens.drain()]).then(() => true),
        sleep(timeoutMs, false, { signal: bound.signal }).catch(() => false),
      ]);
      bound.abort();
      const report: ShutdownReport = {
        drained,
        requestsLeft: active.size,
        refreshesLeft: bff.deps.tokens.refreshesInFlight(),
        durationMs: Math.round(performance.now() - startedAt),
      };
      server.closeAllConnections();
      await bff.close();
      return report;
    },
  };
}
