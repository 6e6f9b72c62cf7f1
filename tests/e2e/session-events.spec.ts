/** Signed-in state travels between tabs without polling: a dead session, a sign-out, a sign-in. */
import type { Page } from '@playwright/test';
import { emulator, expect, openTabs, signIn, test, waitSignedIn, ALICE } from './fixtures.ts';

/** Resolves with the time each page started navigating to `/auth/login`. */
const loginNavigation = (page: Page): Promise<number> =>
  new Promise((resolve) => {
    page.on('request', (request) => {
      if (request.isNavigationRequest() && new URL(request.url()).pathname === '/auth/login') resolve(Date.now());
    });
  });

test('a revoked refresh token: one call in one tab sends all 5 tabs to sign in within 2 s', async ({ shop }) => {
  const { context, page } = await shop.signedInContext(ALICE);
  const tabs = [page, ...(await openTabs(context, 4))];
  const left = tabs.map(loginNavigation);
  await emulator.revoke(ALICE);

  const startedMs = Date.now();
  const outcome = await tabs[2]!.evaluate(() =>
    window.storefront!.client.query('{ customer { id } }').then(
      () => 'ok',
      (error: { code?: string }) => error.code ?? 'error',
    ),
  );

  expect(outcome).toBe('REAUTH_REQUIRED');
  const times = await Promise.all(
    left.map((leaving) => Promise.race([leaving, new Promise<number>((r) => setTimeout(() => r(Infinity), 4000))])),
  );
  for (const time of times) expect(time - startedMs).toBeLessThan(2000);
});

test('sign-out in one tab signs out all 5 tabs within 2 s', async ({ shop }) => {
  const { context, page } = await shop.signedInContext(ALICE);
  const tabs = [page, ...(await openTabs(context, 4))];

  const startedMs = Date.now();
  await tabs[1]!.getByTestId('sign-out').click();

  await Promise.all(
    tabs.map((tab) => expect(tab.locator('html')).toHaveAttribute('data-session', 'signed-out', { timeout: 2000 })),
  );
  expect(Date.now() - startedMs).toBeLessThan(2500);
  // The other tabs stayed where they were, showing the signed-out state.
  for (const tab of [tabs[0]!, ...tabs.slice(2)]) {
    await expect(tab).toHaveURL(/\/account$/);
    await expect(tab.getByTestId('sign-in')).toBeVisible();
  }
  const stillSignedIn = await tabs[0]!.evaluate(async () => (await fetch('/auth/session')).json());
  expect(stillSignedIn).toMatchObject({ authenticated: false });
});

test('sign-in in one tab: the other tabs show signed in', async ({ shop }) => {
  const context = await shop.newContext();
  const tabs: Page[] = [];
  for (let i = 0; i < 5; i += 1) {
    const tab = await context.newPage();
    await tab.goto('/');
    await expect(tab.locator('html')).toHaveAttribute('data-session', 'signed-out');
    tabs.push(tab);
  }

  await signIn(tabs[0]!, ALICE);

  for (const tab of tabs.slice(1)) {
    await waitSignedIn(tab);
    await expect(tab.getByTestId('session-state')).toContainText(ALICE);
    await expect(tab.getByTestId('greeting')).toContainText('Welcome back, Alice');
  }
});
