/** Offline is not a logout: calls answer 503 offline, the page says so, and everything recovers. */
import { countRequests, expect, openTabs, test, ALICE } from './fixtures.ts';

test('offline: no logout, an offline notice, an offline app shell; back online, calls work', async ({ shop }) => {
  const { context, page } = await shop.signedInContext(ALICE);
  const [other] = await openTabs(context, 1);
  const logins = countRequests(context, '/auth/login');

  await context.setOffline(true);
  const outcome = await page.evaluate(() =>
    window.storefront!.client.query('{ customer { id } }').then(
      () => 'ok',
      (error: { code?: string; status?: number }) => `${error.code}/${error.status}`,
    ),
  );
  expect(outcome).toBe('OFFLINE/503');
  await expect(page.getByTestId('offline-banner')).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('data-session', 'signed-in');

  // A reload while offline gets the precached shell from the SW, which says it is offline.
  await other!.reload();
  await expect(other!).toHaveTitle(/Your account/);
  await expect(other!.getByTestId('offline-banner')).toBeVisible();

  await context.setOffline(false);
  const results = await page.evaluate(() =>
    window.storefront!.client.query<{ customer: { emailAddress: { emailAddress: string } } }>(
      '{ customer { emailAddress { emailAddress } } }',
    ),
  );
  expect(results.data?.customer.emailAddress.emailAddress).toBe(ALICE);
  await expect(page.getByTestId('offline-banner')).toBeHidden();
  // The tab that loaded offline recovers on its own and loads the account.
  await expect(other!.getByTestId('profile-name')).toHaveText('Alice Liddell', { timeout: 8000 });
  await expect(other!.getByTestId('offline-banner')).toBeHidden();
  expect(logins.count).toBe(0);
});
