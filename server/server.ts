import { serve, type ServerType } from '@hono/node-server';
import { Redis } from 'ioredis';
import { createApp } from './app.ts';
import type { BffConfig } from './config.ts';
import type { AppDeps } from './deps.ts';
import { createLogger, type Logger } from './observability/logger.ts';
import { createMetrics } from './observability/metrics.ts';
import { createFailureSpikeDetector } from './observability/spike.ts';
import { createSessionCookie, newSessionId } from './sessions/cookie.ts';
import { createRedisRefreshLock, createRedisStore } from './sessions/redis-store.ts';
import { createSealer } from './sessions/seal.ts';
import { createSessionService } from './sessions/session-service.ts';
import { createLocalRefreshLock, createSqliteStore } from './sessions/sqlite-store.ts';
import type { RefreshLock, SessionStore } from './sessions/types.ts';
import { createShopifyClient } from './shopify/client.ts';
import { createGraphqlUpstream } from './shopify/graphql.ts';
import { createTokenManager, type TokenManagerDeps } from './tokens/manager.ts';

export interface BffOptions {
  logger?: Logger;
  now?: () => number;
  staticRoot?: string | null;
  /** Test hook: tighter retry timing so fault tests finish fast. */
  tokenManager?: Pick<TokenManagerDeps, 'retry' | 'cooldownMs' | 'sleep' | 'random'>;
  spike?: { windowMs?: number; minRefreshes?: number; thresholdRatio?: number };
}

export interface Bff {
  deps: AppDeps;
  fetch: (request: Request) => Response | Promise<Response>;
  close(): Promise<void>;
}

function openStore(
  config: BffConfig,
  sealer: ReturnType<typeof createSealer>,
  now: () => number,
): {
  store: SessionStore;
  lock: RefreshLock;
  closeExtra: () => Promise<void>;
} {
  const absoluteTimeoutMs = config.sessionAbsoluteTimeoutSeconds * 1000;
  if (config.sessionStore.startsWith('sqlite:')) {
    const store = createSqliteStore({
      path: config.sessionStore.slice('sqlite:'.length),
      sealer,
      absoluteTimeoutMs,
      nowMs: now,
    });
    // One process owns a SQLite file: the in-process lock is the whole story.
    return { store, lock: createLocalRefreshLock(now), closeExtra: async () => {} };
  }
  // Several BFF instances share Redis; the lease lock makes one of them refresh a session at a time.
  const redis = new Redis(config.sessionStore, { lazyConnect: false, maxRetriesPerRequest: 2 });
  const keyPrefix = config.sessionStorePrefix;
  return {
    store: createRedisStore({ redis, keyPrefix, sealer, absoluteTimeoutMs, nowMs: now }),
    lock: createRedisRefreshLock(redis, keyPrefix),
    closeExtra: async () => {
      await redis.quit();
    },
  };
}

/** Builds the BFF from validated configuration: every dependency, wired once. */
export function createBff(config: BffConfig, options: BffOptions = {}): Bff {
  const now = options.now ?? Date.now;
  const logger = options.logger ?? createLogger({ level: config.logLevel as 'info', base: { service: 'bff' } });
  const metrics = createMetrics({ collectDefaultMetrics: true });
  const sealer = createSealer(config.sessionPasswords, { nowMs: now });
  const { store, lock, closeExtra } = openStore(config, sealer, now);
  const shopify = createShopifyClient({
    storefrontOrigin: config.storefrontOrigin,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    appOrigin: config.appOrigin,
    redirectUri: `${config.appOrigin}/auth/callback`,
    now,
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
  });
  const upstream = createGraphqlUpstream({ appOrigin: config.appOrigin });
  const deps: AppDeps = {
    config,
    store,
    cookie: createSessionCookie({
      appOrigin: config.appOrigin,
      sealer,
      absoluteTimeoutSeconds: config.sessionAbsoluteTimeoutSeconds,
    }),
    sessions,
    tokens,
    shopify,
    upstream,
    logger,
    metrics,
    now,
    newSessionId,
    staticRoot: options.staticRoot ?? null,
  };
  const app = createApp(deps);
  return {
    deps,
    fetch: app.fetch,
    async close() {
      await upstream.close();
      await store.close();
      await closeExtra();
    },
  };
}

/** Starts the BFF on `config.port` (0 = any free port) and resolves once it listens. */
export async function startBff(
  config: BffConfig,
  options: BffOptions & { hostname?: string } = {},
): Promise<Bff & { port: number; url: string }> {
  const bff = createBff(config, options);
  const { server, port } = await new Promise<{ server: ServerType; port: number }>((resolve) => {
    const server = serve({ fetch: bff.fetch, port: config.port, hostname: options.hostname ?? '127.0.0.1' }, (info) =>
      resolve({ server, port: info.port }),
    );
  });
  return {
    ...bff,
    port,
    url: `http://localhost:${port}`,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive sockets would hold close() open; the BFF owns no long-lived streams.
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      await bff.close();
    },
  };
}
