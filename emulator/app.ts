/**
 * Builds the emulator: a Hono app standing in for Shopify's customer authentication and Customer
 * Account API, plus the state handle tests and the launcher drive it with.
 */
import { setMaxListeners } from 'node:events';
import { Hono } from 'hono';
import { adminRoutes } from './admin.ts';
import { authorizeRoutes } from './authorize.ts';
import {
  ConfigError,
  DEFAULT_CONFIG,
  DEFAULT_SHOP_ID,
  parseClients,
  parseConfigPatch,
  type EmulatorConfig,
  type EmulatorOptions,
  DEFAULT_STOREFRONT_API_TOKEN,
} from './config.ts';
import { discoveryRoutes } from './discovery.ts';
import { FaultQueue } from './faults.ts';
import { graphqlRoutes } from './graphql.ts';
import type { EmulatorEnv } from './http.ts';
import { createSigningKeys } from './keys.ts';
import { logoutRoutes } from './logout.ts';
import { endpointsFor, type Endpoints, type Runtime } from './runtime.ts';
import { recordRequests, RequestLog } from './request-log.ts';
import { Store, type Stats } from './store.ts';
import { storefrontRoutes } from './storefront.ts';
import { tokenRoutes } from './token.ts';

export type { ClientRegistration, EmulatorConfig, EmulatorOptions, RefreshTokenReuse } from './config.ts';
export type { LoggedRequest } from './request-log.ts';
export type { Stats } from './store.ts';

export interface Emulator {
  /** The fetch handler. Admin routes need a loopback Node socket, so drive them over HTTP. */
  app: Hono<EmulatorEnv>;
  origin: string;
  shopId: string;
  endpoints: Endpoints;
  /** Current configuration (a copy). */
  config(): EmulatorConfig;
  /** Same validation as `POST /__emulator/config`; throws `ConfigError`. */
  updateConfig(patch: unknown): EmulatorConfig;
  /** Counters (a copy). */
  stats(): Stats;
  /** Same as `POST /__emulator/reset`. */
  reset(): void;
  /** Ends pending latency and timeout faults at once; call before closing the HTTP server. */
  close(): void;
}

const SHOP_ID = /^[0-9]+$/;
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Creates an emulator. Throws `ConfigError` for bad options (unknown config keys, invalid clients,
 * a non-numeric shop id, a publicOrigin that is not a bare http(s) origin).
 */
export async function createEmulator(options: EmulatorOptions): Promise<Emulator> {
  const shopId = options.shopId ?? DEFAULT_SHOP_ID;
  if (!SHOP_ID.test(shopId)) throw new ConfigError('shopId must be numeric');
  const origin = options.publicOrigin ?? 'http://localhost:3001';
  let parsedOrigin: URL;
  try {
    parsedOrigin = new URL(origin);
  } catch {
    throw new ConfigError('publicOrigin must be an absolute URL');
  }
  if (parsedOrigin.origin !== origin || !/^https?:$/.test(parsedOrigin.protocol)) {
    throw new ConfigError('publicOrigin must be a bare http(s) origin, e.g. http://localhost:3001');
  }
  const clients = parseClients(options.clients);
  const baselineConfig: EmulatorConfig = Object.freeze({
    ...DEFAULT_CONFIG,
    ...parseConfigPatch(options.config ?? {}),
  });
  const now = options.now ?? Date.now;
  const shutdown = new AbortController();
  // Every delayed request listens for shutdown at once; hundreds in a storm are expected, not a leak.
  setMaxListeners(0, shutdown.signal);

  const rt: Runtime = {
    origin,
    shopId,
    endpoints: endpointsFor(origin, shopId),
    clients: new Map(clients.map((c) => [c.clientId, c])),
    config: { ...baselineConfig },
    baselineConfig,
    store: new Store(now),
    storefrontApiToken: options.storefrontApiToken ?? DEFAULT_STOREFRONT_API_TOKEN,
    faults: new FaultQueue(),
    requests: new RequestLog(),
    keys: await createSigningKeys(),
    now,
    shutdown: shutdown.signal,
  };

  const reset = () => {
    rt.store.clear();
    rt.faults.clear();
    rt.requests.clear();
    rt.config = { ...baselineConfig };
  };

  const app = new Hono<EmulatorEnv>();
  app.use('*', recordRequests(rt.requests));
  // Every real request here is tiny; a cap keeps a runaway client from eating memory. (hono's bodyLimit
  // re-wraps the request, which breaks with @hono/node-server when global objects are not overridden.)
  app.use('*', async function bodyCap(c, next) {
    if (Number(c.req.header('content-length') ?? 0) > MAX_BODY_BYTES) {
      return c.json({ error: 'invalid_request', error_description: 'request body too large' }, 413);
    }
    await next();
  });
  app.route('/', discoveryRoutes(rt));
  app.route('/', authorizeRoutes(rt));
  app.route('/', tokenRoutes(rt));
  app.route('/', logoutRoutes(rt));
  app.route('/', graphqlRoutes(rt));
  app.route('/', storefrontRoutes(rt));
  app.route('/__emulator', adminRoutes(rt, { reset }));
  app.notFound((c) => c.json({ error: 'not_found' }, 404));
  // Never crash: bad input is answered, and anything unexpected is a 500, not a dead process.
  app.onError((err, c) => {
    if (err instanceof ConfigError) return c.json({ error: 'invalid_request', message: err.message }, 400);
    console.error('[emulator] unexpected error', err);
    return c.json({ error: 'server_error' }, 500);
  });

  return {
    app,
    origin,
    shopId,
    endpoints: rt.endpoints,
    config: () => ({ ...rt.config }),
    updateConfig(patch) {
      Object.assign(rt.config, parseConfigPatch(patch));
      return { ...rt.config };
    },
    stats: () => structuredClone(rt.store.stats),
    reset,
    close: () => shutdown.abort(),
  };
}
