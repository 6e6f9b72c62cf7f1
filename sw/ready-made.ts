/**
 * The package's ready-made service worker (`shopify-customer-session/sw.js`, built as one classic
 * script, `dist/client/customer-session-ready-sw.js`) for a storefront without a SW of its own: serve
 * it at `/sw.js` and keep the client's default `serviceWorker: 'register'`. Customer API calls only:
 * no precache, no offline shell (the demo's `sw.js`, sw/main.ts, adds those for the demo's pages).
 * Its configuration is in its own URL, which the client writes when it registers it (config.ts).
 */
import { parseSwConfig } from './config.ts';
import { installCustomerSession } from './index.ts';

declare const self: ServiceWorkerGlobalScope;

const config = parseSwConfig(new URL(self.location.href).searchParams);
installCustomerSession(self, {
  basePath: config.basePath,
  graphqlApiUrl: config.graphqlApiUrl,
  refreshBufferSeconds: config.bufferSeconds,
});

// Take over at once: the previous version holds nothing this one needs.
self.addEventListener('install', (event) => event.waitUntil(self.skipWaiting()));
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
