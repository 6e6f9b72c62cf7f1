import { Hono } from 'hono';
import { serveStatic } from '@hono/node-server/serve-static';
import { readdirSync } from 'node:fs';
import { ADMIN_ROUTE, adminRoutes } from './admin/routes.ts';
import { apiRoutes, BFF_GRAPHQL_ROUTE } from './api/routes.ts';
import { authRoutes } from './auth/routes.ts';
import { BUYER_IDENTITY_ROUTE, cartRoutes, STOREFRONT_GRAPHQL_ROUTE } from './cart/routes.ts';
import type { BffConfig } from './config.ts';
import type { AppDeps } from './deps.ts';
import { livenessHandler, readinessHandler } from './health.ts';
import type { AppEnv } from './http/env.ts';
import { toResponse } from './http/errors.ts';
import { forwarded } from './http/middleware/forwarded/index.ts';
import { bearerAuth } from './http/middleware/bearer-auth/index.ts';
import { noStore } from './http/middleware/no-store/index.ts';
import { replayCarriedError } from './http/middleware/replay/index.ts';
import { requestId } from './http/middleware/request-id/index.ts';
import { securityHeaders } from './http/middleware/security-headers/index.ts';

/** How the app is served: the whole server's app (standalone), or routes mounted in a storefront's own. */
export interface AppShape {
  /**
   * `true` when the app's routes are merged into a host app (`host.route('/', app)`): its edge middleware
   * (security headers, `X-Forwarded-*`, the fast path's carried errors) then covers only its own routes,
   * never the host's pages. Default `false`: the app is the whole server, static files and 404s included.
   */
  mounted?: boolean;
  /**
   * The standalone demo's controls (`server/demo/`), mounted at `<basePath>/demo`. Passed in, never
   * imported here, so that the package's server (which ships without the demo) does not reach them.
   */
  demo?: Hono<AppEnv>;
}

/** The roots of every route this BFF serves, below its base path (the optional ones when on). */
function routeRoots(config: BffConfig): string[] {
  return [
    '/auth',
    // Storefronts keep their own /api/* routes: only the proxy's exact path is the BFF's.
    BFF_GRAPHQL_ROUTE,
    '/healthz',
    '/readyz',
    ...(config.storefrontApi !== null ? [STOREFRONT_GRAPHQL_ROUTE, BUYER_IDENTITY_ROUTE] : []),
    ...(config.metricsEnabled ? ['/metrics'] : []),
    ...(config.emulatorAdminOrigin !== null ? ['/demo'] : []),
    ...(config.adminToken !== null ? [ADMIN_ROUTE] : []),
  ];
}

/**
 * Whether a request path is the BFF's to answer when it shares a server: anything under its base path,
 * or, mounted at the root, one of its own routes. Everything else is the host's.
 */
export function ownsPath(config: BffConfig, path: string): boolean {
  const under = (prefix: string) => path === prefix || path.startsWith(`${prefix}/`);
  return config.basePath !== '' ? under(config.basePath) : routeRoots(config).some(under);
}

/**
 * Where the edge middleware runs: everywhere for the standalone server; under the base path, or on the
 * BFF's own routes when mounted at the root, for a mounted one.
 */
function edgePaths(config: BffConfig, mounted: boolean): string[] {
  if (!mounted) return ['*'];
  if (config.basePath !== '') return [`${config.basePath}/*`];
  return routeRoots(config).flatMap((root) => [root, `${root}/*`]);
}

/**
 * The BFF: sign-in, sessions, the Customer Account API proxy, health, metrics (when enabled), and, for
 * the standalone demo only, the demo controls and the built storefront. Every route lives under
 * `config.basePath`. Only routing here; handlers live beside their feature, middleware in `http/middleware/`.
 */
export function createApp(deps: AppDeps, shape: AppShape = {}): Hono<AppEnv> {
  const { config, metrics } = deps;
  const base = config.basePath;
  const app = new Hono<AppEnv>();
  for (const path of edgePaths(config, shape.mounted === true)) {
    app.use(path, requestId(), securityHeaders(), forwarded(config.trustProxy, config.appOrigin), replayCarriedError());
  }

  app.get(`${base}/healthz`, livenessHandler());
  app.get(`${base}/readyz`, noStore(), readinessHandler(deps));
  if (config.metricsEnabled) {
    app.get(`${base}/metrics`, bearerAuth(config.metricsBearerToken), async (c) =>
      c.body(await metrics.registry.metrics(), 200, { 'Content-Type': metrics.registry.contentType }),
    );
  }

  const { api, refresh } = apiRoutes(deps);
  app.route(`${base}/auth/refresh`, refresh);
  app.route(`${base}/auth`, authRoutes(deps));
  app.route(`${base}/api`, api);
  if (deps.storefront !== null) app.route(base, cartRoutes(deps, deps.storefront));
  if (shape.demo !== undefined) app.route(`${base}/demo`, shape.demo);
  // Not mounted at all without a token: the routes do not exist (404) rather than answer 401.
  if (config.adminToken !== null) app.route(`${base}${ADMIN_ROUTE}`, adminRoutes(deps, config.adminToken));

  if (deps.staticRoot !== null) {
    const root = deps.staticRoot;
    // Pretty URLs: /account serves account.html. The page set is fixed at build time, so read it once.
    const pages = new Set(
      readdirSync(root)
        .filter((name) => name.endsWith('.html'))
        .map((name) => `/${name.slice(0, -5)}`),
    );
    app.use(
      '*',
      serveStatic({
        root,
        rewriteRequestPath: (path) => (pages.has(path) ? `${path}.html` : path),
        onFound: (path, c) => {
          // The service worker and pages must be revalidated so a deploy reaches every tab; hashed assets are immutable.
          c.header('Cache-Control', /\/assets\//.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
        },
      }),
    );
  }

  app.notFound((c) => c.json({ error: 'not_found' }, 404));
  app.onError((error, c) =>
    toResponse(error, c, { appOrigin: config.appOrigin, basePath: base, cookie: deps.cookie, logger: deps.logger }),
  );
  return app;
}
