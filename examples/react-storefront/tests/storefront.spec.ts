/**
 * The example storefront as a customer uses it, in Chromium, against its own built server (the BFF
 * mounted under /account-session) and the repository's Shopify emulator: the React hooks, the
 * storefront's own Workbox service worker with the customer session installed in it, many tabs.
 */
import { expect } from '@playwright/test';
import {
  countRequests,
  emulator,
  loginNavigation,
  openTabs,
  sessionOf,
  signIn,
  storm,
  test,
  waitControlled,
  waitSignedIn,
  ALICE,
  BOB,
  GRAPHQL_PATH,
} from './helpers.ts';
import { APP_ORIGIN, BASE_PATH } from './stack.ts';

/** Alice's orders in the emulator, newest first (the account page's sort). */
const ALICE_ORDERS = ['#1005', '#1002', '#1004', '#1001'];

test('the sign-in button signs in; the account page shows the profile and orders through useCustomerQuery', async ({
  page,
}) => {
  const customerCalls: string[] = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === GRAPHQL_PATH) customerCalls.push(request.method());
  });
  await page.goto('/account');
  await expect(sessionOf(page)).toHaveAttribute('data-status', 'signed-out');
  await page.getByRole('main').getByRole('button', { name: 'Sign in' }).click();

  // Shopify's (the emulator's) sign-in page: choose Alice.
  await page.getByRole('button', { name: new RegExp(ALICE) }).click();

  await expect(page).toHaveURL(`${APP_ORIGIN}/account`);
  await waitSignedIn(page, ALICE);
  await expect(page.getByTestId('profile')).toContainText('Alice Liddell');
  await expect(page.getByTestId('profile')).toContainText(ALICE);
  await expect(page.getByTestId('orders').locator('tbody tr td:first-child')).toHaveText(ALICE_ORDERS);
  expect(customerCalls).toContain('POST');
  // The storefront registered its own service worker, and only that one.
  await waitControlled(page);
  const scripts = await page.evaluate(async () =>
    (await navigator.serviceWorker.getRegistrations()).map((r) => r.active?.scriptURL ?? null),
  );
  expect(scripts).toEqual([`${APP_ORIGIN}/sw.js`]);
});

test('5 tabs × 10 customer calls inside the refresh buffer: exactly 1 refresh at Shopify', async ({
  context,
  page,
}) => {
  // Tokens that live 30 s are inside the 60 s refresh buffer from the sign-in on; the refreshed ones live long.
  await emulator.configure({ accessTokenTtlSeconds: 30 });
  try {
    // The home page makes no customer call, so nothing refreshes before the storm.
    await signIn(page, ALICE, '/');
  } finally {
    await emulator.configure({ accessTokenTtlSeconds: 3600 });
  }
  const tabs = [page, ...(await openTabs(context, 4, '/', ALICE))];
  const refreshCalls = countRequests(context, `${BASE_PATH}/auth/refresh`);
  const before = await emulator.refreshes();

  const results = await storm(tabs, 10);

  expect(results).toEqual(Array(50).fill(ALICE));
  expect((await emulator.refreshes()) - before).toBe(1);
  // One refresh asked of the BFF as well: the tabs and the service worker shared it.
  expect(refreshCalls.count).toBe(1);
});

test('a revoked grant: every tab shows signed out, and one of them signs in again for all', async ({
  context,
  page,
}) => {
  await signIn(page, BOB, '/account');
  const tabs = [page, ...(await openTabs(context, 4, '/account', BOB))];
  for (const tab of tabs) await expect(tab.getByTestId('orders').locator('tbody tr')).toHaveCount(1);
  // Each tab notes whether it showed signed out (it may be signed in again soon after: Bob is still
  // signed in at Shopify, so the tab that goes to sign in comes straight back, and brings them all back).
  for (const tab of tabs) {
    await tab.evaluate(() => {
      new MutationObserver(() => {
        const status = document.querySelector('[data-testid=session]')?.getAttribute('data-status');
        if (status === 'signed-out') (window as unknown as { sawSignedOut?: boolean }).sawSignedOut = true;
      }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-status'] });
    });
  }
  const leaving = tabs.map(loginNavigation);
  await emulator.revoke(BOB);

  await tabs[2]!.getByRole('button', { name: 'Reload orders' }).click();

  // Exactly one tab leaves for Shopify's sign-in (one sign-in for the browser, not one per tab)…
  const times = await Promise.all(
    leaving.map((left) =>
      Promise.race([left, new Promise<number>((resolve) => setTimeout(resolve, 5_000, Number.NaN))]),
    ),
  );
  const leavers = times.flatMap((time, n) => (Number.isNaN(time) ? [] : [n]));
  expect(leavers).toHaveLength(1);
  // …the others showed signed out where they were, and all five end signed in, with their orders.
  for (const [n, tab] of tabs.entries()) {
    if (n !== leavers[0]) {
      expect(await tab.evaluate(() => (window as unknown as { sawSignedOut?: boolean }).sawSignedOut === true)).toBe(
        true,
      );
    }
    await expect(tab.getByTestId('session')).toHaveAttribute('data-status', 'signed-in');
    await expect(tab.getByTestId('orders').locator('tbody tr')).toHaveCount(1);
  }
});

test('a sign-out in one tab shows every other tab signed out, where it is', async ({ context, page }) => {
  await signIn(page, ALICE, '/account');
  const tabs = [page, ...(await openTabs(context, 2, '/account', ALICE))];

  await tabs[1]!.getByRole('button', { name: 'Sign out' }).click();

  // Through Shopify's end-session page, back to the home page, signed out.
  await expect(tabs[1]!).toHaveURL(`${APP_ORIGIN}/`);
  for (const tab of tabs) await expect(sessionOf(tab)).toHaveAttribute('data-status', 'signed-out');
  for (const tab of [tabs[0]!, tabs[2]!]) {
    await expect(tab).toHaveURL(`${APP_ORIGIN}/account`);
    await expect(tab.getByTestId('orders')).toHaveCount(0);
    await expect(tab.getByRole('main').getByRole('button', { name: 'Sign in' })).toBeVisible();
  }
});

test('offline: the precached shell loads, and nobody is signed out', async ({ context, page }) => {
  await signIn(page, ALICE, '/account');
  await expect(page.getByTestId('orders').locator('tbody tr')).toHaveCount(ALICE_ORDERS.length);
  const [other] = await openTabs(context, 1, '/account', ALICE);
  const tabs = [page, other!];
  const leaving = tabs.map(loginNavigation);
  const leftFor: string[] = [];
  void Promise.race(leaving).then(() => leftFor.push('sign-in'));

  await context.setOffline(true);
  // A reload offline: the storefront's shell comes from its precache (the server is unreachable).
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Your account' })).toBeVisible();
  await expect(page.getByRole('alert')).toContainText('You are offline');
  // Not known offline, so shown neither signed in nor signed out: no "Sign in" in the header.
  await expect(sessionOf(page)).toHaveAttribute('data-status', 'unknown');
  await expect(page.getByRole('button', { name: 'Sign in' })).toHaveCount(0);
  // The tab that stayed open stays signed in, and its call fails as offline, not as a sign-out.
  await other!.getByRole('button', { name: 'Reload orders' }).click();
  await expect(other!.getByRole('alert')).toContainText('You are offline');
  await waitSignedIn(other!, ALICE);

  await context.setOffline(false);
  for (const tab of tabs) {
    // Back online, the client reads the session again (on the `online` event, or its 5 s probe).
    await waitSignedIn(tab, ALICE, 15_000);
    await tab.getByRole('button', { name: 'Reload orders' }).click();
    await expect(tab.getByTestId('orders').locator('tbody tr td:first-child')).toHaveText(ALICE_ORDERS);
    await expect(tab.getByRole('alert')).toHaveCount(0);
  }
  expect(leftFor).toEqual([]);
  expect(tabs.map((tab) => new URL(tab.url()).pathname)).toEqual(['/account', '/account']);
  const session = await page.evaluate(async (path) => (await fetch(path)).json(), `${BASE_PATH}/auth/session`);
  expect(session).toMatchObject({ authenticated: true, customer: { email: ALICE } });
});

test("the storefront's own Workbox routes still answer next to the customer session's", async ({ context, page }) => {
  await signIn(page, ALICE, '/');
  // The first load's catalog came from the network (no service worker controlled the page yet)…
  await expect(page.getByTestId('products').locator('li')).toHaveCount(3);
  // …once controlled, the storefront's Workbox route serves it (network first).
  const catalog = page.waitForResponse((response) => new URL(response.url()).pathname === '/api/catalog/products');
  await page.reload();
  expect((await catalog).fromServiceWorker()).toBe(true);
  await expect(page.getByTestId('products').locator('li')).toHaveCount(3);
  // Workbox writes its runtime cache after answering.
  await expect
    .poll(() =>
      page.evaluate(async () =>
        (await (await caches.open('catalog')).keys()).map((request) => new URL(request.url).pathname),
      ),
    )
    .toEqual(['/api/catalog/products']);

  // The customer session's handler, in the same service worker, answers a customer call: the BFF itself
  // refuses one without X-CSRF (403), which the service worker adds when it forwards.
  const customerCall = () =>
    page.evaluate(async (path) => {
      const response = await fetch(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ customer { emailAddress { emailAddress } } }' }),
      });
      return {
        status: response.status,
        observedBySw: response.headers.get('x-session-observed-by-sw'),
        body: (await response.json()) as unknown,
      };
    }, GRAPHQL_PATH);
  expect(await customerCall()).toMatchObject({
    status: 200,
    observedBySw: '1',
    body: { data: { customer: { emailAddress: { emailAddress: ALICE } } } },
  });

  // The BFF's own pages are never answered with the shell: its navigations reach the server.
  const health = await page.goto(`${BASE_PATH}/healthz`);
  expect(await health!.json()).toEqual({ ok: true });

  // Offline, both still answer: Workbox with the precached shell and the last catalog, the customer
  // session with its offline answer (which signs nobody out).
  await page.goto('/');
  await waitControlled(page);
  await context.setOffline(true);
  await page.reload();
  await expect(page.getByTestId('products').locator('li')).toHaveText([
    /Linen apron/,
    /Oak cutting board/,
    /Stoneware mug/,
  ]);
  expect(await customerCall()).toMatchObject({ status: 503, observedBySw: '1', body: { error: 'offline' } });
  await context.setOffline(false);
});
