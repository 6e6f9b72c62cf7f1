/**
 * One refresh for everyone: many tabs, many parallel calls, the token inside the refresh buffer —
 * whether the tabs are controlled by the SW, bypass it after a hard reload, or the SW was killed.
 */
import { countRequests, emulator, expect, expireSoon, hardReload, openTabs, storm, test, ALICE } from './fixtures.ts';

test('5 tabs × 10 parallel calls inside the buffer: all succeed on exactly one refresh', async ({ shop }) => {
  const { context, page } = await shop.signedInContext(ALICE);
  const tabs = [page, ...(await openTabs(context, 4))];
  const refreshCalls = countRequests(context, '/auth/refresh');
  await expireSoon(tabs);
  const before = await emulator.stats();

  const results = await storm(tabs, 10);

  expect(results).toHaveLength(50);
  expect(results.filter((r) => r === ALICE)).toHaveLength(50);
  const after = await emulator.stats();
  expect(after.token.refresh_token - before.token.refresh_token).toBe(1);
  // At most once is the contract; exactly once shows the tabs' and the SW's own protocol did it
  // (with none, the BFF would have refreshed on its own inside the API calls).
  expect(refreshCalls.count).toBe(1);

  // The panel shows every tab's and the SW's events; the screenshots go to artifacts/ (not committed).
  await expect(page.getByTestId('event-stream').locator('.event-refreshed')).not.toHaveCount(0);
  await expect(page.getByTestId('profile-name')).toHaveText('Alice Liddell');
  await page.setViewportSize({ width: 1280, height: 1100 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: 'artifacts/account-page.png', fullPage: true });
  await page.getByTestId('session-panel').screenshot({ path: 'artifacts/session-panel-5-tabs.png' });
});

test('3 controlled + 2 uncontrolled (hard-reloaded) tabs: still exactly one refresh', async ({ shop }) => {
  const { context, page } = await shop.signedInContext(ALICE);
  const tabs = [page, ...(await openTabs(context, 4))];
  await hardReload(context, tabs[3]!);
  await hardReload(context, tabs[4]!);
  const controlled = await Promise.all(tabs.map((tab) => tab.evaluate(() => window.storefront!.client.controlled)));
  expect(controlled).toEqual([true, true, true, false, false]);

  const refreshCalls = countRequests(context, '/auth/refresh');
  await expireSoon(tabs);
  const before = await emulator.stats();

  const results = await storm(tabs, 10);

  expect(results.filter((r) => r === ALICE)).toHaveLength(50);
  const after = await emulator.stats();
  expect(after.token.refresh_token - before.token.refresh_token).toBe(1);
  // At most once is the contract; exactly once shows the tabs' and the SW's own protocol did it
  // (with none, the BFF would have refreshed on its own inside the API calls).
  expect(refreshCalls.count).toBe(1);
});

test('the SW terminated mid-session: the next calls still work, on one refresh', async ({ shop }) => {
  const { context, page } = await shop.signedInContext(ALICE);
  const tabs = [page, ...(await openTabs(context, 2))];
  await expireSoon(tabs);
  const refreshCalls = countRequests(context, '/auth/refresh');

  const cdp = await context.newCDPSession(page);
  await cdp.send('ServiceWorker.enable');
  await cdp.send('ServiceWorker.stopAllWorkers');
  await cdp.detach();
  const before = await emulator.stats();

  const results = await storm(tabs, 10);

  expect(results.filter((r) => r === ALICE)).toHaveLength(30);
  expect((await emulator.stats()).token.refresh_token - before.token.refresh_token).toBe(1);
  expect(refreshCalls.count).toBe(1);
  // The restarted SW announced itself on the channel.
  await expect(page.getByTestId('event-stream')).toContainText('service worker started');
});

test('storefront code calling the real Customer Account API URL goes through the BFF', async ({ shop }) => {
  const { page } = await shop.signedInContext(ALICE);
  const answer = await page.evaluate(async () => {
    const session = await window.storefront!.client.session();
    // Written against Shopify directly (no token: the SW routes it to the BFF, which holds them).
    const response = await fetch(session!.graphqlApiUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ customer { emailAddress { emailAddress } } }' }),
    });
    return { status: response.status, body: (await response.json()) as unknown };
  });
  expect(answer).toMatchObject({
    status: 200,
    body: { data: { customer: { emailAddress: { emailAddress: ALICE } } } },
  });
});

test('a Shopify outage during the refresh signs out nobody', async ({ shop }) => {
  const { context, page } = await shop.signedInContext(ALICE);
  const tabs = [page, ...(await openTabs(context, 2))];
  const logins = countRequests(context, '/auth/login');
  await expireSoon(tabs);
  await emulator.tokenOutage(50);
  try {
    const results = await storm(tabs, 5);
    // The access token itself is still valid: the BFF keeps using it while Shopify's token endpoint is down.
    expect(results.filter((r) => r === ALICE)).toHaveLength(15);
  } finally {
    await emulator.clearFaults();
  }
  expect(logins.count).toBe(0);
  for (const tab of tabs) await expect(tab.locator('html')).toHaveAttribute('data-session', 'signed-in');
  await expect(page.getByTestId('event-stream')).toContainText('still signed in');
});
