/**
 * The React bindings (client/react) rendered by React into a real page, on the real client, BFF and
 * emulator: the session follows sign-ins and sign-outs made in other tabs, and the query hook re-runs
 * after a sign-in, clears on a sign-out, refetches, follows its variables and reports GraphQL errors.
 */
import type { Page } from '@playwright/test';
import { emulator, expect, expireSoon, signIn, test, ALICE } from './fixtures.ts';
import { serveTestPages } from './test-pages.ts';

const PAGES = { base: '/__e2e/react/', entry: 'react-app.ts' };

/** Counts this page's own customer API calls (the other tabs make theirs). */
function graphqlCalls(page: Page): { count: number } {
  const counter = { count: 0 };
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === '/api/customer/graphql') counter.count += 1;
  });
  return counter;
}

test('sign-in and sign-out in another tab: the session and the query follow', async ({ shop }) => {
  const context = await shop.newContext();
  const path = await serveTestPages(context, PAGES);
  const react = await context.newPage();
  const calls = graphqlCalls(react);
  await react.goto(path);
  await expect(react.getByTestId('status')).toHaveText('signed-out');
  await expect(react.getByTestId('query-loading')).toHaveText('false');
  await expect(react.getByTestId('query-email')).toHaveText('');
  // Signed out: the hooks do not even try.
  expect(calls.count).toBe(0);

  const other = await context.newPage();
  await signIn(other, ALICE);

  await expect(react.getByTestId('status')).toHaveText('signed-in');
  await expect(react.getByTestId('customer')).toHaveText(ALICE);
  await expect(react.getByTestId('query-email')).toHaveText(ALICE);
  await expect(react.getByTestId('query-orders')).toHaveText('1');

  await other.getByTestId('sign-out').click();

  await expect(react.getByTestId('status')).toHaveText('signed-out');
  await expect(react.getByTestId('customer')).toHaveText('');
  await expect(react.getByTestId('query-email')).toHaveText('');
  await expect(react.getByTestId('query-loading')).toHaveText('false');
});

test('refetch on one refresh, new variables re-run, a GraphQL error is an error', async ({ shop }) => {
  const { context } = await shop.signedInContext(ALICE);
  const path = await serveTestPages(context, PAGES);
  const react = await context.newPage();
  await react.goto(path);
  await expect(react.getByTestId('query-email')).toHaveText(ALICE);
  await expect(react.getByTestId('bad-error')).toContainText('CustomerQueryError: Cannot query field "password"');

  await react.getByTestId('more').click();
  await expect(react.getByTestId('query-orders')).toHaveText('2');

  await expireSoon([react]);
  const before = await emulator.stats();
  await react.getByTestId('refetch').click();
  await expect.poll(async () => (await emulator.stats()).token.refresh_token - before.token.refresh_token).toBe(1);
  await expect(react.getByTestId('query-loading')).toHaveText('false');
  await expect(react.getByTestId('query-email')).toHaveText(ALICE);
  await expect(react.getByTestId('query-error')).toHaveText('');
  // The refresh was shown while it ran, and is over.
  const seen = await react.evaluate(() => window.refreshingSeen ?? []);
  expect(seen.includes(true) && seen.at(-1) === false).toBe(true);
  expect((await emulator.stats()).token.refresh_token - before.token.refresh_token).toBe(1);
});

test('offline: the session stays signed in, the query says OFFLINE, and comes back', async ({ shop }) => {
  const { context } = await shop.signedInContext(ALICE);
  const path = await serveTestPages(context, PAGES);
  const react = await context.newPage();
  await react.goto(path);
  await expect(react.getByTestId('query-email')).toHaveText(ALICE);

  await context.setOffline(true);
  await react.getByTestId('refetch').click();
  await expect(react.getByTestId('query-error')).toHaveText('CustomerClientError:OFFLINE');
  await expect(react.getByTestId('offline')).toHaveText('true');
  await expect(react.getByTestId('status')).toHaveText('signed-in');

  await context.setOffline(false);
  await react.getByTestId('refetch').click();
  await expect(react.getByTestId('query-email')).toHaveText(ALICE);
  await expect(react.getByTestId('offline')).toHaveText('false');
  await expect(react.getByTestId('query-error')).toHaveText('');
});

test('useAttachedCart binds the cart when someone signs in, in any tab; sign-out detaches it', async ({ shop }) => {
  const context = await shop.newContext();
  const path = await serveTestPages(context, PAGES);
  const react = await context.newPage();
  const created = await react.request.post('/api/storefront/graphql', {
    headers: { 'x-csrf': '1' },
    data: {
      query:
        'mutation { cartCreate(input: { lines: [{ merchandiseId: "gid://shopify/ProductVariant/42000000001" }] }) { cart { id } } }',
    },
  });
  const cartId = ((await created.json()) as { data: { cartCreate: { cart: { id: string } } } }).data.cartCreate.cart.id;
  await react.goto(`${path}?cart=${encodeURIComponent(cartId)}`);
  await expect(react.getByTestId('status')).toHaveText('signed-out');
  await expect(react.getByTestId('cart-buyer')).toHaveText('');

  const other = await context.newPage();
  await signIn(other, ALICE);

  await expect(react.getByTestId('cart-buyer')).toHaveText(ALICE);
  await expect(react.getByTestId('cart-checkout')).toHaveText(/\/cart\/c\//);
  await expect(react.getByTestId('cart-problem')).toHaveText('');

  await other.getByTestId('sign-out').click();
  await expect(react.getByTestId('status')).toHaveText('signed-out');
  // Signed out, the hook holds no cart; the BFF detached it at Shopify (tests/cart.test.ts checks there).
  await expect(react.getByTestId('cart-buyer')).toHaveText('');
});
