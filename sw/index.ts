/**
 * `installCustomerSession`: the customer session inside any service worker — the ready-made `sw.js`
 * (sw/main.ts) or a storefront's own, Workbox or not (also built as a classic script that sets
 * `self.customerSession`, for `importScripts`; see vite.config.ts).
 *
 * ```js
 * importScripts('/customer-session-sw.js');
 * self.customerSession.installCustomerSession(self, { basePath: '/account-session' });
 * // …then the storefront's own routes (workbox-routing, precaching, …)
 * ```
 *
 * It adds ONE `fetch` listener that answers only the customer API calls (`route.ts`: a POST to the
 * BFF's GraphQL path, or to Shopify's real Customer Account API URL when given) and calls no
 * `respondWith` for anything else, so the storefront's own routes still answer every other request.
 * It joins the refresh lock and the session bus, so this SW, the pages and any other SW share one
 * refresh and one sign-out. Nothing here holds a token, and nothing in its memory is needed for
 * correctness (a restarted SW re-learns the session from the BFF).
 */
import type { BusSender } from '../client/messages.ts';
import { createCoordinator } from '../client/core/coordinator.ts';
import { isBusMessage } from '../client/core/guard.ts';
import { createLock } from '../client/core/lock.ts';
import {
  bffPaths,
  BUS_CHANNEL,
  OBSERVED_BY_SW_HEADER,
  REFRESH_LOCK,
  REFRESH_LOCK_WAIT_MS,
  stampBusMessage,
  type BusPayload,
} from '../client/core/policy.ts';
import { resolveSwConfig, type CustomerSessionOptions } from './config.ts';
import { goesStraight, isCustomerApiCall } from './route.ts';

export type { CustomerSessionOptions } from './config.ts';

/** What `installCustomerSession` returns: only a way out, for tests (a SW never needs to call it). */
export interface CustomerSessionHandle {
  /** Removes the fetch listener and leaves the bus. */
  uninstall(): void;
}

/**
 * Installs the customer session in the service worker `scope` (`self`). Call it once, while the
 * script first runs (a fetch listener added later is ignored by browsers), and before the
 * storefront's own routes, so a customer API call is answered here even by a catch-all POST route.
 * @throws TypeError when an option is not valid (see `resolveSwConfig`).
 */
export function installCustomerSession(
  scope: ServiceWorkerGlobalScope,
  options: CustomerSessionOptions = {},
): CustomerSessionHandle {
  const config = resolveSwConfig(options);
  const paths = bffPaths(config.basePath);
  const origin = scope.location.origin;
  const sender: BusSender = { kind: 'sw', id: Math.random().toString(36).slice(2, 8), label: 'service worker' };
  const bus = new BroadcastChannel(BUS_CHANNEL);

  function publish(payload: BusPayload): void {
    bus.postMessage(stampBusMessage(payload, sender, Date.now()));
  }

  const coordinator = createCoordinator({
    fetch: (url, init) => scope.fetch(url, init),
    withLock: createLock(REFRESH_LOCK, REFRESH_LOCK_WAIT_MS, scope.navigator.locks ?? null),
    publish,
    nowMs: Date.now,
    bufferSeconds: () => config.bufferSeconds,
    requestTimeoutMs: 10_000,
    paths,
  });

  const onBus = (event: MessageEvent<unknown>): void => {
    if (isBusMessage(event.data) && event.data.from.id !== sender.id) coordinator.onBusMessage(event.data);
  };

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

  function onFetch(event: FetchEvent): void {
    const request = event.request;
    const url = new URL(request.url);
    const context = { origin, graphqlPath: paths.graphql, graphqlApiUrl: config.graphqlApiUrl };
    if (!isCustomerApiCall({ method: request.method, url, mode: request.mode }, context)) return;
    const straight = goesStraight({ url, csrfHeader: request.headers.get('x-csrf') }, context, coordinator.fresh);
    if (!straight) event.respondWith(forwardCustomerCall(request));
  }

  bus.addEventListener('message', onBus);
  scope.addEventListener('fetch', onFetch);
  publish({ type: 'hello' });

  return {
    uninstall() {
      scope.removeEventListener('fetch', onFetch);
      bus.removeEventListener('message', onBus);
      bus.close();
    },
  };
}
