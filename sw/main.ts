/**
 * The demo's service worker (`dist/client/sw.js`, an ES module SW): the offline app shell plus
 * `installCustomerSession`. Its config is in its own URL (see config.ts); the entry only wires events.
 * The package's ready-made SW, for storefronts without a SW of their own, is `ready-made.ts`.
 */
import { parseSwConfig } from './config.ts';
import { installCustomerSession } from './index.ts';
import { cacheName, parsePrecacheManifest, shellKey, shellPaths, staleCaches } from './precache.ts';
import { isShellRequest } from './route.ts';

declare const self: ServiceWorkerGlobalScope;

/** Replaced at build time by the precache manifest (vite.config.ts, `swPrecacheManifest`). */
const MANIFEST = parsePrecacheManifest('__SW_PRECACHE_MANIFEST__');
const SHELL_CACHE = cacheName(MANIFEST);
const SHELL_PATHS = shellPaths(MANIFEST);

const config = parseSwConfig(new URL(self.location.href).searchParams);
installCustomerSession(self, {
  basePath: config.basePath,
  graphqlApiUrl: config.graphqlApiUrl,
  refreshBufferSeconds: config.bufferSeconds,
});

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL_CACHE);
      // `cache: 'reload'`: the shell must be this build's files, not an HTTP-cached older copy.
      await cache.addAll(MANIFEST.urls.map((url) => new Request(url, { cache: 'reload' })));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      await Promise.all(staleCaches(await caches.keys(), SHELL_CACHE).map((name) => caches.delete(name)));
      await self.clients.claim();
    })(),
  );
});

async function fromShell(request: Request): Promise<Response> {
  const cache = await caches.open(SHELL_CACHE);
  const cached = await cache.match(shellKey(new URL(request.url).pathname));
  return cached ?? fetch(request);
}

// The shell only (offline GETs of precached paths); customer API calls are installCustomerSession's.
self.addEventListener('fetch', (event) => {
  const request = event.request;
  const shell = isShellRequest(
    { method: request.method, url: new URL(request.url), mode: request.mode },
    { origin: self.location.origin, shellPaths: SHELL_PATHS, online: self.navigator.onLine },
  );
  if (shell) event.respondWith(fromShell(request));
});
