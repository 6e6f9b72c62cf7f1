import { Hono, type Context } from 'hono';
import { serveStatic } from '@hono/node-server/serve-static';
import { timingSafeEqual } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { AppError } from './errors.ts';
import type { AppDeps } from './deps.ts';
import { authRoutes } from './auth/routes.ts';
import { apiRoutes } from './api/routes.ts';
import { demoRoutes } from './demo/routes.ts';
import { errorPage } from './pages.ts';
import type { AppEnv } from './http/env.ts';
import { createForwardedReader } from './http/forwarded.ts';
import { loginUrlFor, safeReturnTo } from './auth/return-to.ts';

/** Where a page that got "sign in again" should come back to: the page that made the call. */
function returnToFor(c: Context<AppEnv>, appOrigin: string): string {
  if (c.req.method === 'GET' && !c.req.path.startsWith('/api/') && !c.req.path.startsWith('/auth/')) {
    return safeReturnTo(c.req.path, appOrigin);
  }
  const referer = c.req.header('referer');
  if (!referer) return '/';
  try {
    const url = new URL(referer);
    return url.origin === appOrigin ? safeReturnTo(url.pathname + url.search, appOrigin) : '/';
  } catch {
    return '/';
  }
}

/** A readiness check that has not answered by then counts as failed: a probe must answer quickly. */
const READY_CHECK_MS = 2_000;

/** `promise`'s value, or `null` if it has not settled within `ms` (a rejection still rejects). */
async function withinMs<T>(ms: number, promise: Promise<T>): Promise<T | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Constant-time comparison of a presented bearer token with the configured one. */
function bearerMatches(header: string | undefined, expected: string): boolean {
  const presented = Buffer.from(header?.startsWith('Bearer ') ? header.slice(7) : '');
  const wanted = Buffer.from(expected);
  return presented.length === wanted.length && timingSafeEqual(presented, wanted);
}

const isNavigation = (c: Context<AppEnv>): boolean =>
  c.req.method === 'GET' &&
  (c.req.header('sec-fetch-mode') === 'navigate' || (c.req.header('accept') ?? '').includes('text/html'));

/** The BFF: sign-in, sessions, the Customer Account API proxy, metrics, and the built storefront. */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const { config, logger, metrics } = deps;
  const app = new Hono<AppEnv>();
  const readForwarded = createForwardedReader(config.trustProxy);
  const httpsOnly = new URL(config.appOrigin).protocol === 'https:';

  app.use('*', async function securityHeaders(c, next) {
    await next();
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'same-origin');
    c.header('X-Frame-Options', 'DENY');
    // Narrow on purpose: the pages are same-origin modules; nothing may frame them or rebase their URLs.
    c.header('Content-Security-Policy', "frame-ancestors 'none'; base-uri 'none'; object-src 'none'");
  });

  app.use('*', async function requestOrigin(c, next) {
    const { clientAddress, forwardedProto } = readForwarded(c.env?.incoming);
    c.set('clientAddress', clientAddress);
    // Behind a TLS-terminating proxy we trust, a plain-http request must never reach a session: the
    // browser would not send the Secure cookie anyway, and anything answered could be read on the wire.
    if (httpsOnly && forwardedProto === 'http') {
      if (c.req.method === 'GET' || c.req.method === 'HEAD') {
        const url = new URL(c.req.url);
        return c.redirect(`${config.appOrigin}${url.pathname}${url.search}`, 308);
      }
      throw new AppError('BAD_REQUEST', 'this site is served over https only');
    }
    await next();
  });

  // Liveness: the process answers. Nothing else is checked, so a Shopify or store outage never gets
  // the BFF restarted by its orchestrator (a restart would not help and would drop refreshes).
  app.get('/healthz', (c) => c.json({ ok: true }));
  // Readiness: whether this instance can serve customers now. Each part is named, never described
  // with a URL or an error message (an operator's probe may be public).
  app.get('/readyz', async (c) => {
    const [store, shopify] = await Promise.all([
      withinMs(
        READY_CHECK_MS,
        deps.store.ping().then(() => 'ok' as const),
      ).then(
        (status) => status ?? 'unavailable',
        () => 'unavailable' as const,
      ),
      withinMs(READY_CHECK_MS, deps.shopify.discoveryStatus()).then((status) => status ?? 'unreachable'),
    ]);
    const checks = { store, shopify, shutdown: deps.lifecycle.draining ? 'draining' : 'ok' };
    const ready = Object.values(checks).every((status) => status === 'ok');
    c.header('Cache-Control', 'no-store');
    return c.json({ ready, checks }, ready ? 200 : 503);
  });
  app.get('/metrics', async (c, next) => {
    // Counts only, no secrets — but an operator may still want them off the public internet.
    const expected = config.metricsBearerToken;
    if (expected !== null && !bearerMatches(c.req.header('authorization'), expected)) {
      c.header('WWW-Authenticate', 'Bearer');
      return c.json({ error: 'unauthorized' }, 401);
    }
    await next();
  });
  app.get('/metrics', async (c) =>
    c.body(await metrics.registry.metrics(), 200, { 'Content-Type': metrics.registry.contentType }),
  );

  const { api, refresh } = apiRoutes(deps);
  app.route('/auth/refresh', refresh);
  app.route('/auth', authRoutes(deps));
  app.route('/api', api);
  if (config.emulatorAdminOrigin !== null) app.route('/demo', demoRoutes(deps, config.emulatorAdminOrigin));

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

  app.onError((error, c) => {
    if (!(error instanceof AppError)) {
      logger.error(
        {
          event: 'http.unhandled_error',
          path: c.req.path,
          client: c.get('clientAddress'),
          err: { message: error.message, name: error.name },
        },
        'unhandled error',
      );
      return c.json({ error: 'internal' }, 500);
    }
    switch (error.code) {
      case 'REAUTH_REQUIRED': {
        deps.cookie.clear(c);
        const loginUrl = loginUrlFor(returnToFor(c, config.appOrigin));
        if (isNavigation(c)) return c.redirect(loginUrl, 302);
        return c.json({ error: 'reauth_required', loginUrl }, 401);
      }
      case 'UPSTREAM_UNAVAILABLE':
      case 'CONFIG': {
        // CONFIG at run time comes from discovery (a malformed document): like an outage, never a logout.
        if (error.details.stage === 'discovery') {
          logger.error({ event: 'shopify.discovery_failed', message: error.message }, 'Shopify discovery failed');
        }
        const retryAfter = Math.max(1, Math.ceil(Number(error.details.retryAfterSeconds ?? 5)));
        c.header('Retry-After', String(retryAfter));
        if (isNavigation(c)) {
          return c.html(
            errorPage('Shopify is not answering', 'Your session is safe. Please try again in a moment.', {
              href: c.req.path === '/auth/callback' ? '/auth/login' : c.req.path,
              label: 'Try again',
            }),
            503,
          );
        }
        return c.json({ error: 'upstream_unavailable' }, 503);
      }
      case 'CSRF':
        return c.json({ error: 'csrf' }, 403);
      case 'BAD_REQUEST':
        return c.json({ error: 'bad_request', message: error.message }, 400);
      case 'PAYLOAD_TOO_LARGE':
        return c.json({ error: 'payload_too_large', message: error.message }, 413);
      case 'LOGIN_FAILED':
        return c.html(errorPage('Sign-in failed', error.message, { href: '/auth/login', label: 'Sign in again' }), 400);
    }
  });

  return app;
}
