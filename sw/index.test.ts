/**
 * `installCustomerSession` in a scope that stands in for a ServiceWorkerGlobalScope: a real
 * EventTarget with the SW's `location`, `navigator.locks` (Node's Web Locks) and a `fetch` that plays
 * the BFF; Node's own BroadcastChannel is the bus. The real thing runs in Chromium in
 * tests/e2e/external-sw.spec.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { BusMessage } from '../client/messages.ts';
import { BUS_CHANNEL, stampBusMessage } from '../client/core/policy.ts';
import { installCustomerSession, type CustomerSessionHandle } from './index.ts';

const ORIGIN = 'http://shop.test';
const SHOPIFY_API = 'https://shopify.com/1/account/customer/api/2026-04/graphql';
const FAR_MS = () => Date.now() + 3_600_000;

/**
 * The BFF's answers the SW needs, under `basePath`; records every call. `mute`: the BFF tells nothing
 * about the session (503 on the session read, no expiry header), so the SW can only learn from the bus.
 */
function scopeStandIn(basePath = '', mute = false) {
  const calls: { url: string; headers: Headers; body: string }[] = [];
  const json = (body: unknown, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json', ...headers } });
  const target = new EventTarget();
  const scope = Object.assign(target, {
    location: new URL(`${ORIGIN}/sw.js`),
    navigator: { locks: navigator.locks, onLine: true },
    fetch: async (url: string, init: RequestInit = {}) => {
      calls.push({ url, headers: new Headers(init.headers), body: typeof init.body === 'string' ? init.body : '' });
      const expiresAt = FAR_MS();
      if (mute) return url.endsWith('/graphql') ? json({ data: null }) : new Response('', { status: 503 });
      if (url === `${basePath}/auth/session`) {
        return json({
          authenticated: true,
          customer: { id: 'c1', email: null },
          expiresAt,
          graphqlApiUrl: SHOPIFY_API,
        });
      }
      if (url === `${basePath}/api/customer/graphql`) {
        return json({ data: { customer: { id: 'c1' } } }, { 'X-Session-Expires-At': String(expiresAt) });
      }
      return new Response('{"error":"not_found"}', { status: 404 });
    },
  });
  return { scope: scope as unknown as ServiceWorkerGlobalScope, calls };
}

/** Dispatches a fetch event like the browser does; resolves with the answer, or `null` without `respondWith`. */
async function dispatchFetch(scope: ServiceWorkerGlobalScope, request: Request): Promise<Response | null> {
  let answer: Promise<Response> | null = null;
  const event = Object.assign(new Event('fetch'), {
    request,
    respondWith(response: Promise<Response> | Response) {
      if (answer !== null) throw new DOMException('respondWith called twice', 'InvalidStateError');
      answer = Promise.resolve(response);
    },
  });
  scope.dispatchEvent(event);
  return answer;
}

const post = (path: string, headers: Record<string, string> = {}) =>
  new Request(new URL(path, ORIGIN), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: '{"query":"{ customer { id } }"}',
  });

let installed: CustomerSessionHandle[] = [];
const channels: BroadcastChannel[] = [];
const install = (...args: Parameters<typeof installCustomerSession>) => {
  const handle = installCustomerSession(...args);
  installed.push(handle);
  return handle;
};
/** Another context on the session bus (a tab). */
function tab(): { channel: BroadcastChannel; received: BusMessage[] } {
  const channel = new BroadcastChannel(BUS_CHANNEL);
  const received: BusMessage[] = [];
  channel.onmessage = (event: MessageEvent<BusMessage>) => received.push(event.data);
  channels.push(channel);
  return { channel, received };
}

afterEach(() => {
  for (const handle of installed) handle.uninstall();
  for (const channel of channels.splice(0)) channel.close();
  installed = [];
});

describe('installCustomerSession', () => {
  it.each([
    ['a navigation', new Request(`${ORIGIN}/account`)],
    ['an asset', new Request(`${ORIGIN}/assets/app.js`)],
    ["the storefront's own POST", post('/cart/add')],
    ['a GET of the GraphQL path', new Request(`${ORIGIN}/api/customer/graphql`)],
    ["another BFF route (the refresh: the coordinator's own call)", post('/auth/refresh', { 'x-csrf': '1' })],
    ['the same path on another origin', new Request('http://evil.test/api/customer/graphql', { method: 'POST' })],
  ])('leaves %s alone: no respondWith, so the storefront routes answer it', async (_name, request) => {
    const { scope, calls } = scopeStandIn();
    install(scope);
    expect(await dispatchFetch(scope, request)).toBeNull();
    expect(calls).toEqual([]);
  });

  it('adds exactly one fetch listener, beside any the storefront has', async () => {
    const { scope } = scopeStandIn();
    let ownRoute = 0;
    scope.addEventListener('fetch', (event) => {
      if (new URL(event.request.url).pathname === '/own-route') {
        ownRoute += 1;
        event.respondWith(new Response('own'));
      }
    });
    install(scope);
    const answer = await dispatchFetch(scope, new Request(`${ORIGIN}/own-route`));
    expect(await answer?.text()).toBe('own');
    expect(ownRoute).toBe(1);
  });

  it('answers a customer call through the BFF (X-CSRF added, the body kept) and marks it observed', async () => {
    const { scope, calls } = scopeStandIn();
    install(scope);
    const answer = await dispatchFetch(scope, post('/api/customer/graphql'));
    expect(answer?.status).toBe(200);
    expect(answer?.headers.get('X-Session-Observed-By-Sw')).toBe('1');
    expect(await answer?.json()).toEqual({ data: { customer: { id: 'c1' } } });
    const call = calls.find((c) => c.url === '/api/customer/graphql');
    expect(call?.headers.get('X-CSRF')).toBe('1');
    expect(call?.body).toBe('{"query":"{ customer { id } }"}');
  });

  it("sends a call written against Shopify's real URL to the BFF, when that URL is given", async () => {
    const { scope, calls } = scopeStandIn();
    install(scope, { graphqlApiUrl: SHOPIFY_API });
    const answer = await dispatchFetch(scope, new Request(SHOPIFY_API, { method: 'POST', body: '{}' }));
    expect(answer?.status).toBe(200);
    expect(calls.map((c) => c.url)).toContain('/api/customer/graphql');
  });

  it('follows the base path: routes only the GraphQL path under it, and calls the BFF there', async () => {
    const { scope, calls } = scopeStandIn('/account-session');
    install(scope, { basePath: '/account-session' });
    expect(await dispatchFetch(scope, post('/api/customer/graphql'))).toBeNull();
    const answer = await dispatchFetch(scope, post('/account-session/api/customer/graphql'));
    expect(answer?.status).toBe(200);
    expect(calls.every((c) => c.url.startsWith('/account-session/'))).toBe(true);
  });

  it('joins the bus: says hello, and learns a refresh another context announced (no call of its own)', async () => {
    const other = tab();
    const { scope } = scopeStandIn('', true);
    install(scope);
    await expect.poll(() => other.received.map((m) => `${m.from.kind}:${m.type}`)).toContain('sw:hello');
    // The session unknown (and the BFF telling nothing): the SW answers the call itself.
    expect(await dispatchFetch(scope, post('/api/customer/graphql', { 'x-csrf': '1' }))).not.toBeNull();

    other.channel.postMessage(
      stampBusMessage(
        { type: 'refreshed', expiresAtMs: FAR_MS() },
        { kind: 'page', id: 'tab1', label: 'tab' },
        Date.now(),
      ),
    );
    // Known fresh from the bus alone: the page's own X-CSRF call goes to the network untouched.
    await expect.poll(() => dispatchFetch(scope, post('/api/customer/graphql', { 'x-csrf': '1' }))).toBeNull();
  });

  it('answers even an X-CSRF call while the session is unknown (it must learn the expiry first)', async () => {
    const { scope } = scopeStandIn();
    install(scope);
    expect((await dispatchFetch(scope, post('/api/customer/graphql', { 'x-csrf': '1' })))?.status).toBe(200);
  });

  it('uninstall removes its listener', async () => {
    const { scope } = scopeStandIn();
    install(scope).uninstall();
    expect(await dispatchFetch(scope, post('/api/customer/graphql'))).toBeNull();
  });

  it('throws a TypeError for a bad option, before adding anything', async () => {
    const { scope } = scopeStandIn();
    expect(() => installCustomerSession(scope, { basePath: 'account-session' })).toThrow(TypeError);
    expect(await dispatchFetch(scope, post('/api/customer/graphql'))).toBeNull();
  });
});
