/** Two customers in two browser profiles storming at once: each sees only their own data. */
import { expect, expireSoon, openTabs, storm, test, ALICE, BOB } from './fixtures.ts';

test('Alice and Bob storming at once each see only their own data', async ({ shop }) => {
  const alice = await shop.signedInContext(ALICE);
  const bob = await shop.signedInContext(BOB);
  const aliceTabs = [alice.page, ...(await openTabs(alice.context, 2))];
  const bobTabs = [bob.page, ...(await openTabs(bob.context, 2))];
  await expireSoon(aliceTabs);
  await expireSoon(bobTabs);

  const [aliceResults, bobResults] = await Promise.all([storm(aliceTabs, 10), storm(bobTabs, 10)]);

  expect(aliceResults).toEqual(Array.from({ length: 30 }, () => ALICE));
  expect(bobResults).toEqual(Array.from({ length: 30 }, () => BOB));
  // Orders are paged three at a time, newest first.
  await expect(alice.page.getByTestId('order-row')).toHaveCount(3);
  await alice.page.getByTestId('load-more').click();
  await expect(alice.page.getByTestId('order-row')).toHaveCount(4);
  await expect(alice.page.getByTestId('load-more')).toBeHidden();
  await expect(bob.page.getByTestId('order-row')).toHaveCount(1);
  await expect(bob.page.getByTestId('order-row')).toContainText('#1003');
});
