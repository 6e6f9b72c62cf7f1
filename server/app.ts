import { Hono } from 'hono';
import { serveStatic } from '@hono/node-server/serve-static';
import { readdirSync } from 'node:fs';
import { adminRoutes } from './admin/routes.ts';
import { apiRoutes } from './api/routes.ts';
import { authRoutes } from './auth/routes.ts';
import type { AppDeps } from './deps.ts';
import { demoRoutes } from './demo/routes.ts';
import { livenessHandler, readinessHandler } from './health.ts';
import type { AppEnv } from './http/env.ts';
import { toResponse } from './http/errors.ts';
import { forwarded } from './http/middleware/forwarded/index.ts';
import { bearerAuth } from './http/middleware/bearer-auth/index.ts';
import { noStore } from './http/middleware/no-store/index.ts';
import { replayCarriedError } from './http/middleware/replay/index.ts';
import { securityHeaders } from './http/middleware/security-headers/index.ts';

/**
 * The BFF: sign-in, sessions, the Customer Account API proxy, health, metrics, and the built
 * storefront. Only routing here; handlers live beside their feature, middleware in `http/middleware/`.
 */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const { config, metrics } = deps;
  const app = new Hono<AppEnv>();

  app.use('*', securityHeaders(), forwarded(config.trustProxy, config.appOrigin), replayCarriedError());

  app.get('/healthz', livenessHandler());
  app.get('/readyz', noStore(), readinessHandler(deps));
  app.get('/metrics', bearerAuth(config.metricsBearerToken), async (c) =>
    c.body(await metrics.registry.metrics(), 200, { 'Content-Type': metrics.registry.contentType }),
  );

  const { api, refresh } = apiRoutes(deps);
  app.route('/auth/refresh', refresh);
  app.route('/auth', authRoutes(deps));
  app.route('/api', api);
  if (config.emulatorAdminOrigin !== null) app.route('/demo', demoRoutes(deps, config.emulatorAdminOrigin));
  // Not mounted at all without a token: the routes do not exist (404) rather than answer 401.
  if (config.adminToken !== null) app.route('/admin', adminRoutes(deps, config.adminToken));

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
    toResponse(error, c, { appOrigin: config.appOrigin, cookie: deps.cookie, logger: deps.logger }),
  );
  return app;
}
