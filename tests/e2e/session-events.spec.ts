/** Signed-in state travels between tabs without polling: a dead session, a sign-out, a sign-in. */
import type { Page } from '@playwright/test';
import { noteSignOuts, signedOutAt } from '../engines/scenario.ts';
import { emulator, expect, openTabs, signIn, test, waitSignedIn, ALICE } from './fixtures.ts';

/** Resolves with the time each page started navigating to `/auth/login`. */
const loginNavigation = (page: Page): Promise<number> =>
  new Promise((resolve) => {
    page.on('request', (request) => {
      if (request.isNavigationRequest() && new URL(request.url()).pathname === '/auth/login') resolve(Date.now());
    });
  });

test('a revoked refresh token: every tab signs out within 2 s, one tab signs in again for all 5', async ({ shop }) => {
  const { context, page } = await shop.signedInContext(ALICE);
  const tabs = [page, ...(await openTabs(context, 4))];
  const left = tabs.map(loginNavigation);
  await noteSignOuts(tabs);
  await emulator.revoke(ALICE);
  const before = await emulator.stats();

  const startedMs = Date.now();
  const outcome = await tabs[2]!.evaluate(() =>
    window.storefront!.client.query('{ customer { id } }').then(
      () => 'ok',
      (error: { code?: string }) => error.code ?? 'error',
    ),
  );
  expect(outcome).toBe('REAUTH_REQUIRED');

  // Exactly one tab leaves for Shopify's sign-in, within 2 s…
  const times = await Promise.all(
    left.map((leaving) => Promise.race([leaving, new Promise<number>((r) => setTimeout(() => r(Infinity), 3000))])),
  );
  const leavers = times.flatMap((time, n) => (Number.isFinite(time) ? [n] : []));
  expect(leavers).toHaveLength(1);
  expect(times[leavers[0]!]! - startedMs).toBeLessThan(2000);
  // …and, still signed in at Shopify, comes straight back signed in. The other four showed signed out
  // where they were, within 2 s, and come back signed in with their data, with no reload.
  await waitSignedIn(tabs[leavers[0]!]!);
  for (const [n, tab] of tabs.entries()) {
    if (n === leavers[0]) continue;
    const at = await signedOutAt(tab);
    expect(at, `tab ${n} showed signed out`).not.toBeNull();
    expect(at! - startedMs).toBeLessThan(2000);
    await expect(tab.locator('html')).toHaveAttribute('data-session', 'signed-in');
    await expect(tab.getByTestId('profile-name')).toHaveText('Alice Liddell');
  }
  const after = await emulator.stats();
  expect(after.token.authorization_code - before.token.authorization_code).toBe(1);
  // One new session in the store for the 5 tabs (5 sign-ins would have made 5, 4 of them orphaned).
  const sessions = (await shop.sessionsOf('7000000001')) as Array<{ createdAt: number }>;
  expect(sessions.filter((session) => session.createdAt >= startedMs)).toHaveLength(1);
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
