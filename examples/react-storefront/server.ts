/**
 * The storefront's own server (Hono on Node): the built storefront (dist/client), its own catalog API,
 * and the customer session BFF mounted under /account-session. Built to dist/server/server.js
 * (`npm run build`), run with `npm start` (which reads `.env` too: see .env.example). Configured from the
 * environment:
 *
 * | variable | |
 * | --- | --- |
 * | `SHOPIFY_STOREFRONT_ORIGIN` | required: the shop's primary domain (or the emulator's origin) |
 * | `SHOPIFY_CLIENT_ID` | required: the Customer Account API client ID |
 * | `SHOPIFY_CLIENT_SECRET` | for a confidential client; unset for a public one |
 * | `SESSION_PASSWORD` | required: 32+ characters |
 * | `SESSION_STORE` | default `sqlite:.data/sessions.db`; `redis://…` for several instances |
 * | `PORT`, `HOST` | default 3000, 127.0.0.1 |
 * | `APP_ORIGIN` | where browsers reach this server; default `http://localhost:$PORT` |
 * | `TRUST_PROXY` | forwarding proxies to believe: a hop count, or addresses (`loopback` behind a local tunnel) |
 * | `LOG_LEVEL` | the BFF's log level, default `info` |
 */
import { serve } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { once } from 'node:events';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createCustomerSessionBff } from 'shopify-customer-session/server';

/** Where the storefront's pages and SW were built (`vite build`), next to this file's own dist folder. */
const CLIENT_DIR = fileURLToPath(new URL('../client', import.meta.url));
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function required(name: string): string {
  const value = process.env[name]?.trim() ?? '';
  if (value === '') {
    console.error(`${name} is required (see the table at the top of server.ts)`);
    process.exit(1);
  }
  return value;
}

const port = Number(process.env.PORT || 3000);
const logLevel = LOG_LEVELS.find((level) => level === (process.env.LOG_LEVEL || 'info')) ?? 'info';

let bff: ReturnType<typeof createCustomerSessionBff>;
try {
  bff = createCustomerSessionBff({
    shopify: {
      storefrontOrigin: required('SHOPIFY_STOREFRONT_ORIGIN'),
      clientId: required('SHOPIFY_CLIENT_ID'),
      clientSecret: process.env.SHOPIFY_CLIENT_SECRET || null,
    },
    appOrigin: process.env.APP_ORIGIN || `http://localhost:${port}`,
    basePath: '/account-session',
    session: {
      password: required('SESSION_PASSWORD'),
      store: process.env.SESSION_STORE || 'sqlite:.data/sessions.db',
    },
    trustProxy: process.env.TRUST_PROXY || null,
    logger: { level: logLevel },
  });
} catch (error) {
  // One CONFIG error names every bad option, one a line.
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
await bff.storeReady;

const app = new Hono();

// The BFF's routes, every one already under /account-session: sign-in, callback, sign-out, session,
// refresh, and the Customer Account API proxy the service worker sends the pages' calls to.
app.route('/', bff.app);

// The storefront's own API (a stand-in for the Storefront API or a CMS).
app.get('/api/catalog/products', (c) =>
  c.json({
    products: [
      { handle: 'linen-apron', title: 'Linen apron', price: '€34.00' },
      { handle: 'oak-board', title: 'Oak cutting board', price: '€58.00' },
      { handle: 'stoneware-mug', title: 'Stoneware mug', price: '€19.00' },
    ],
  }),
);

// The service worker is checked for updates on every navigation: never from an HTTP cache.
app.get('/sw.js', serveStatic({ root: CLIENT_DIR, onFound: (_path, c) => c.header('Cache-Control', 'no-cache') }));
// Vite's hashed assets never change under their name.
app.use(
  '/assets/*',
  serveStatic({
    root: CLIENT_DIR,
    onFound: (_path, c) => c.header('Cache-Control', 'public, max-age=31536000, immutable'),
  }),
);
app.use('*', serveStatic({ root: CLIENT_DIR }));
// The single-page app's pages (the first visit, before the service worker serves them from its cache).
for (const page of ['/', '/account']) {
  app.get(
    page,
    serveStatic({ root: CLIENT_DIR, path: 'index.html', onFound: (_p, c) => c.header('Cache-Control', 'no-cache') }),
  );
}

const server = serve({ fetch: app.fetch, port, hostname: process.env.HOST || '127.0.0.1' }) as Server;
await once(server, 'listening');
console.log(`storefront on http://localhost:${port} (BFF under ${bff.basePath}, OAuth callback ${bff.redirectUri})`);

async function shutdown(): Promise<void> {
  server.close();
  server.closeIdleConnections();
  // Waits (bounded) for refreshes in flight: they write the rotated tokens.
  await bff.close();
  process.exit(0);
}
process.once('SIGTERM', () => void shutdown());
process.once('SIGINT', () => void shutdown());
