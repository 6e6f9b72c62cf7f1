/**
 * A storefront with a service worker of its own (tests/e2e/pages/external-sw.js): it loads the
 * classic build `/customer-session-sw.js` with `importScripts` and calls `installCustomerSession`;
 * its own route still answers, customer calls go through the BFF, and all tabs still share one refresh.
 */
import {
  countRequests,
  emulator,
  expect,
  expireSoon,
  openTabs,
  signInThenOpen,
  storm,
  test,
  waitControlled,
  ALICE,
  APP,
} from './fixtures.ts';
import { serveTestPages } from './test-pages.ts';

const PAGES = { base: '/__e2e/external-sw/', entry: 'external-sw-page.ts', files: { 'sw.js': 'external-sw.js' } };

test('the storefront SW: its own route, customer calls through the BFF, 5 tabs × 10 calls on one refresh', async ({
  shop,
}) => {
  const context = await shop.newContext();
  const path = await serveTestPages(context, PAGES);
  const page = await context.newPage();
  await signInThenOpen(page, ALICE, path);
  await waitControlled(page);
  // The one SW is the storefront's: the client (in `external` mode) registered none.
  const registered = await page.evaluate(async () =>
    (await navigator.serviceWorker.getRegistrations()).map((r) => r.active?.scriptURL ?? null),
  );
  expect(registered).toEqual([`${APP}${path}sw.js`]);

  // Its own route answers…
  expect(await page.evaluate(() => fetch('/__e2e/external-sw/own-route').then((r) => r.text()))).toBe(
    'answered by the storefront SW',
  );
  // …and a customer call without X-CSRF (which the BFF refuses from a page) is sent on by the SW.
  const answer = await page.evaluate(async () => {
    const response = await fetch('/api/customer/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ customer { emailAddress { emailAddress } } }' }),
    });
    return {
      status: response.status,
      observed: response.headers.get('x-session-observed-by-sw'),
      body: (await response.json()) as unknown,
    };
  });
  expect(answer).toMatchObject({
    status: 200,
    observed: '1',
    body: { data: { customer: { emailAddress: { emailAddress: ALICE } } } },
  });

  const tabs = [page, ...(await openTabs(context, 4, path))];
  const refreshCalls = countRequests(context, '/auth/refresh');
  await expireSoon(tabs);
  const before = await emulator.stats();

  const results = await storm(tabs, 10);

  expect(results.filter((r) => r === ALICE)).toHaveLength(50);
  expect((await emulator.stats()).token.refresh_token - before.token.refresh_token).toBe(1);
  expect(refreshCalls.count).toBe(1);
});

test('the classic build and the test pages are not the storefront: nothing test-only was shipped', async ({ shop }) => {
  const context = await shop.newContext();
  const page = await context.newPage();
  // Without the test's route, the BFF has no such page…
  expect((await page.request.get(`${APP}/__e2e/external-sw/sw.js`)).status()).toBe(404);
  // …and the classic build is there, as a script that sets one global.
  const classic = await page.request.get(`${APP}/customer-session-sw.js`);
  expect(classic.status()).toBe(200);
  expect(await classic.text()).toMatch(/^var customerSession=/);
});
