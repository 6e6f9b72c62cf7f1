/**
 * The BFF as a library (`<package>/server`): mount it in the server a storefront already has.
 *
 * ```ts
 * import { createCustomerSessionBff } from '<package>/server';
 *
 * const bff = createCustomerSessionBff({
 *   shopify: { storefrontOrigin: 'https://shop.example.com', clientId, clientSecret },
 *   appOrigin: 'https://shop.example.com',
 *   basePath: '/account-session',
 *   session: { password: process.env.SESSION_PASSWORD!, store: 'redis://redis:6379' },
 * });
 *
 * // A Hono server: the BFF's routes join the app's own (they already carry the base path).
 * app.route('/', bff.app);
 *
 * // A plain Node server: the BFF answers its paths (the GraphQL proxy on its fast path), `handler` the rest.
 * http.createServer(bff.nodeListener(handler));
 *
 * // Express (before any body parser, and without a mount path: the BFF routes on the full URL).
 * expressApp.use(bff.nodeListener());
 *
 * // On shutdown: waits (bounded) for refreshes in flight, then closes the store and the upstream pool.
 * await bff.close();
 * ```
 *
 * A Hono host's middleware registered before `route()` runs on the BFF's routes too (it must leave
 * their bodies unread). A Hono host that wants the GraphQL fast path as well serves its app through the
 * listener: `http.createServer(bff.nodeListener(getRequestListener(app.fetch)))`.
 *
 * Register `bff.redirectUri` (`<appOrigin><basePath>/auth/callback`) as the callback URI at Shopify,
 * `appOrigin` as the JavaScript origin and `<appOrigin>/` as the logout URI.
 *
 * It serves `<basePath>/auth/*`, `<basePath>/api/customer/graphql`, `<basePath>/healthz`,
 * `<basePath>/readyz`, and `<basePath>/metrics` when enabled; never pages, static files or the demo's
 * controls (those are the standalone demo's, `npm start`).
 *
 * The standalone server (`npm start`, `npm run serve`) is this same BFF, configured by
 * `loadConfigFromEnv()` and started by `startBff()`.
 */
import { getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { withGraphqlFastPath } from './api/fast-path.ts';
import { ownsPath } from './app.ts';
import { configFromOptions, isPinoCompatibleLogger, type CustomerSessionBffOptions, type LogLevel } from './config.ts';
import type { AppEnv } from './http/env.ts';
import { createLogger, REDACT_PATHS, type Logger } from './observability/logger.ts';
import { createBff, redirectUriOf } from './server.ts';

export { loadConfigFromEnv, type BffConfig, type CustomerSessionBffOptions, type LogLevel } from './config.ts';
export { startBff, type StartedBff, type ShutdownReport } from './server.ts';

/**
 * A Node request listener that is also an Express/Connect middleware: the BFF's own requests are
 * answered; any other goes to `next` when the host passes one (Express), else to the listener's
 * fallback, else gets `404 {"error":"not_found"}`.
 */
export type CustomerSessionBffListener = (
  request: IncomingMessage,
  response: ServerResponse,
  next?: (error?: unknown) => void,
) => void;

/** The mounted BFF: what a host server needs to serve and stop it. */
export interface CustomerSessionBff {
  /**
   * The BFF's routes as a Hono app, every path already under `basePath`, with its own error handling:
   * `hostApp.route('/', bff.app)`. Its security headers and proxy handling cover its own routes only.
   */
  readonly app: Hono<AppEnv>;
  /** The validated base path (`''` for the root). */
  readonly basePath: string;
  /** The OAuth callback URI to register at Shopify: `<appOrigin><basePath>/auth/callback`. */
  readonly redirectUri: string;
  /**
   * Resolves once the session store takes commands: at once for SQLite; for Redis when connected, or
   * after 5 s (then `/readyz` answers 503 until it is). Start taking traffic after it.
   */
  readonly storeReady: Promise<void>;
  /**
   * A listener for a plain `node:http` server (or Express middleware): requests under `basePath` go to
   * the BFF, `POST <basePath>/api/customer/graphql` through the fast path that skips Hono's layers
   * (server/api/fast-path.ts); everything else to `next` (Express), `fallback`, or a 404.
   */
  nodeListener(fallback?: RequestListener): CustomerSessionBffListener;
  /** Whether a request path is the BFF's: under `basePath`, or one of its routes when mounted at the root. */
  owns(path: string): boolean;
  /**
   * Stops the BFF: `/readyz` answers 503 at once, refreshes in flight may finish (they write rotated
   * tokens) within `shutdownTimeoutSeconds`, then the upstream pool and the store (and its Redis
   * connection and timers) are closed. Close the host's server first. Calling it again returns the
   * same promise.
   */
  close(): Promise<void>;
}

/** The host's logger as the BFF uses it: tagged, and with the BFF's secret keys redacted as in its own. */
function loggerFor(option: CustomerSessionBffOptions['logger'], level: LogLevel): Logger {
  if (isPinoCompatibleLogger(option)) {
    return option.child({ service: 'bff' }, { redact: { paths: [...REDACT_PATHS], censor: '[redacted]' } });
  }
  return createLogger({ ...option, level, base: option?.base ?? { service: 'bff' } });
}

const pathOf = (url: string | undefined): string => {
  const raw = url ?? '/';
  const query = raw.indexOf('?');
  return query === -1 ? raw : raw.slice(0, query);
};

/**
 * Builds the BFF from typed options, validated once, here.
 * @throws AppError CONFIG listing every bad or missing option, one a line (e.g. `basePath must start
 *   with "/", got "account"`), before anything is opened.
 */
export function createCustomerSessionBff(options: CustomerSessionBffOptions): CustomerSessionBff {
  const config = configFromOptions(options);
  const bff = createBff(config, {
    logger: loggerFor(options.logger, config.logLevel),
    mounted: true,
  });
  const { deps } = bff;
  let listener: RequestListener | null = null;
  let closing: Promise<void> | null = null;
  const owns = (path: string) => ownsPath(config, path);

  return {
    app: bff.app,
    basePath: config.basePath,
    redirectUri: redirectUriOf(config),
    storeReady: bff.storeReady,
    owns,
    nodeListener(fallback) {
      listener ??= withGraphqlFastPath(deps, getRequestListener(bff.fetch));
      const bffListener = listener;
      return function customerSessionBff(request, response, next) {
        if (owns(pathOf(request.url))) bffListener(request, response);
        else if (next !== undefined) next();
        else if (fallback !== undefined) fallback(request, response);
        else {
          response.writeHead(404, { 'content-type': 'application/json' });
          response.end('{"error":"not_found"}');
        }
      };
    },
    close() {
      closing ??= (async () => {
        deps.lifecycle.draining = true;
        const bound = new AbortController();
        await Promise.race([
          deps.tokens.drain(),
          sleep(config.shutdownTimeoutSeconds * 1000, undefined, { signal: bound.signal }).catch(() => {}),
        ]);
        bound.abort();
        await bff.close();
      })();
      return closing;
    },
  };
}
