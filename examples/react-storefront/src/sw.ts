/// <reference lib="webworker" />
/**
 * The storefront's own service worker (built to /sw.js by vite.config.ts, registered by src/main.tsx).
 *
 * The customer session is installed FIRST: its one fetch listener answers the customer API calls
 * (POST /account-session/api/customer/graphql) and nothing else, so Workbox's routes below still answer
 * every other request. Its code is bundled in from `shopify-customer-session/sw` like Workbox's own
 * modules: one file, no importScripts of a second script whose version could drift from this one.
 */
import { installCustomerSession } from 'shopify-customer-session/sw';
import {
  cleanupOutdatedCaches,
  createHandlerBoundToURL,
  precacheAndRoute,
  type PrecacheEntry,
} from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { NetworkFirst } from 'workbox-strategies';

declare const self: ServiceWorkerGlobalScope & {
  /** Replaced at build time by the precache manifest (vite.config.ts). */
  readonly __WB_MANIFEST: PrecacheEntry[];
};

/** Where the storefront's server mounts the BFF (server.ts); must match the page's client. */
const BASE_PATH = '/account-session';

installCustomerSession(self, { basePath: BASE_PATH, refreshBufferSeconds: 60 });

// The app shell: every built file, served from the cache (offline too), updated when its hash changes.
precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

// Every page of this single-page app is the precached index.html, online or offline. Never the BFF's
// pages: its sign-in, callback and sign-out navigations must reach the server.
registerRoute(
  new NavigationRoute(createHandlerBoundToURL('/index.html'), { denylist: [new RegExp(`^${BASE_PATH}/`)] }),
);

// The storefront's own API: fresh from the network, from the last answer when offline or slow.
registerRoute(
  ({ url, sameOrigin }) => sameOrigin && url.pathname.startsWith('/api/catalog/'),
  new NetworkFirst({ cacheName: 'catalog', networkTimeoutSeconds: 3 }),
);

// A new version takes over at once (the shell is versioned by the manifest above).
self.addEventListener('install', () => void self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
