/*
 * A storefront's OWN service worker (a classic script, as many Workbox setups are): it loads the
 * customer session's classic build from the BFF and installs it, then goes on with routes of its own.
 * Served to the browser tests only (tests/e2e/test-pages.ts), never built or shipped.
 */
importScripts('/customer-session-sw.js');
self.customerSession.installCustomerSession(self, { refreshBufferSeconds: 60 });

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

// The storefront's own route: answered here, never by the customer session.
self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (url.origin === self.location.origin && url.pathname === '/__e2e/external-sw/own-route') {
    event.respondWith(new Response('answered by the storefront SW', { headers: { 'content-type': 'text/plain' } }));
  }
});
