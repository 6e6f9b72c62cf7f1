/**
 * The package's ready-made service worker (`shopify-customer-session/sw.js`, the classic build of
 * sw/ready-made.ts) for a storefront without one: the client registers it, it routes the customer
 * calls, and all tabs still share one refresh.
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
} from './fixtures.ts';
import { serveTestPages } from './test-pages.ts';

const PAGES = { base: '/__e2e/ready-made-sw/', entry: 'ready-made-sw-page.ts' };

test('the ready-made SW from the package: registered by the client, 5 tabs × 10 calls on one refresh', async ({
  shop,
}) => {
  const context = await shop.newContext();
  const path = await serveTestPages(context, PAGES);
  const page = await context.newPage();
  await signInThenOpen(page, ALICE, path);
  await waitControlled(page);

  const registered = await page.evaluate(async () =>
    (await navigator.serviceWorker.getRegistrations()).map((r) => new URL(r.active?.scriptURL ?? '').pathname),
  );
  expect(registered).toEqual(['/customer-session-ready-sw.js']);

  const tabs = [page, ...(await openTabs(context, 4, path))];
  const refreshCalls = countRequests(context, '/auth/refresh');
  await expireSoon(tabs);
  const before = await emulator.stats();

  const results = await storm(tabs, 10);

  expect(results.filter((r) => r === ALICE)).toHaveLength(50);
  expect((await emulator.stats()).token.refresh_token - before.token.refresh_token).toBe(1);
  expect(refreshCalls.count).toBe(1);
});
