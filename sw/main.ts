/**
 * Service worker entry: wires events to the pure router and the coordinator, nothing else.
 * Built as `dist/client/sw.js` (an ES module SW); its config is in its own URL (see config.ts).
 */
import type { BusSender } from '../client/messages.ts';
import { createCoordinator } from '../client/core/coordinator.ts';
import { isBusMessage } from '../client/core/guard.ts';
import { createLock } from '../client/core/lock.ts';
import {
  BUS_CHANNEL,
  OBSERVED_BY_SW_HEADER,
  REFRESH_LOCK,
  REFRESH_LOCK_WAIT_MS,
  stampBusMessage,
  type BusPayload,
} from '../client/core/policy.ts';
import { parseSwConfig } from './config.ts';
import { cacheName, parsePrecacheManifest, shellKey, shellPaths, staleCaches } from './precache.ts';
import { goesStraight, matchRoute } from './route.ts';

declare const self: ServiceWorkerGlobalScope;

/** Replaced at build time by the precache manifest (vite.config.ts, `swPrecacheManifest`). */
const MANIFEST = parsePrecacheManifest('__SW_PRECACHE_MANIFEST__');
const SHELL_CACHE = cacheName(MANIFEST);
const SHELL_PATHS = shellPaths(MANIFEST);

const config = parseSwConfig(new URL(self.location.href).searchParams);
const sender: BusSender = {
  kind: 'sw',
  id: Math.random().toString(36).slice(2, 8),
  label: 'service worker',
};
const bus = new BroadcastChannel(BUS_CHANNEL);

function publish(payload: BusPayload): void {
  bus.postMessage(stampBusMessage(payload, sender, Date.now()));
}

const coordinator = createCoordinator({
  fetch: (url, init) => fetch(url, init),
  withLock: createLock(REFRESH_LOCK, REFRESH_LOCK_WAIT_MS, self.navigator.locks ?? null),
  publish,
  nowMs: Date.now,
  bufferSeconds: () => config.bufferSeconds,
  requestTimeoutMs: 10_000,
});

bus.onmessage = (event: MessageEvent<unknown>) => {
  if (isBusMessage(event.data) && event.data.from.id !== sender.id) coordinator.onBusMessage(event.data);
};
publish({ type: 'hello' });

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

async function forwardCustomerCall(request: Request): Promise<Response> {
  // `request.referrer` is the page that made the call: the BFF's "sign in again" leads back there.
  const response = await coordinator.forward(
    await request.text(),
    request.headers.get('content-type'),
    request.referrer || undefined,
  );
  // Tell the page this answer was observed (and announced) here.
  const headers = new Headers(response.headers);
  headers.set(OBSERVED_BY_SW_HEADER, '1');
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

async function fromShell(request: Request): Promise<Response> {
  const cache = await caches.open(SHELL_CACHE);
  const cached = await cache.match(shellKey(new URL(request.url).pathname));
  return cached ?? fetch(request);
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const route = matchRoute(
    { method: request.method, url: new URL(request.url), mode: request.mode },
    {
      origin: self.location.origin,
      graphqlApiUrl: config.graphqlApiUrl,
      shellPaths: SHELL_PATHS,
      online: self.navigator.onLine,
    },
  );
  if (route === 'customer-api') {
    const straight = goesStraight(
      { url: new URL(request.url), csrfHeader: request.headers.get('x-csrf') },
      { origin: self.location.origin },
      coordinator.fresh,
    );
    if (!straight) event.respondWith(forwardCustomerCall(request));
  } else if (route === 'shell') event.respondWith(fromShell(request));
});
