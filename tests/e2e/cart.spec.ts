/**
 * The logged-in cart from the page: a cart made signed out through the BFF's Storefront API proxy,
 * `client.attachCart(cartId)` after sign-in, and sign-out detaching it — checked at Shopify (the
 * emulator's Storefront API, asked directly with the store's token).
 */
import { storefront } from '../../emulator/testkit.ts';
import { expect, test, ALICE, EMULATOR } from './fixtures.ts';

const BUYER = 'query($id: ID!) { cart(id: $id) { buyerIdentity { email customer { email } } } }';
const buyerAtShopify = async (cartId: string): Promise<unknown> => {
  const response = await storefront(EMULATOR, BUYER, { id: cartId });
  return ((await response.json()) as { data: { cart: { buyerIdentity: unknown } } }).data.cart.buyerIdentity;
};

test('attachCart binds the cart to the signed-in customer; sign-out detaches it', async ({ shop }) => {
  const { page } = await shop.signedInContext(ALICE);
  const cartId = await page.evaluate(async () => {
    const response = await fetch('/api/storefront/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-CSRF': '1' },
      body: JSON.stringify({
        query:
          'mutation { cartCreate(input: { lines: [{ merchandiseId: "gid://shopify/ProductVariant/42000000003" }] }) { cart { id } } }',
      }),
    });
    return ((await response.json()) as { data: { cartCreate: { cart: { id: string } } } }).data.cartCreate.cart.id;
  });
  expect(await buyerAtShopify(cartId)).toEqual({ email: null, customer: null });

  const attached = await page.evaluate((id) => window.storefront!.client.attachCart(id), cartId);
  expect(attached).toMatchObject({
    cart: { id: cartId, buyerIdentity: { email: ALICE, customer: { displayName: 'Alice Liddell' } } },
    userErrors: [],
  });
  expect(attached.cart!.checkoutUrl).toMatch(new RegExp(`^${EMULATOR}/cart/c/`));
  expect(JSON.stringify(attached)).not.toMatch(/shcat_|shcrt_/);
  expect(await buyerAtShopify(cartId)).toEqual({ email: ALICE, customer: { email: ALICE } });

  await page.evaluate(() => window.storefront!.client.signOut());
  await expect.poll(() => buyerAtShopify(cartId)).toEqual({ email: null, customer: null });
});

test('the first item added makes a cart that shows, even when attaching it to the customer fails', async ({ shop }) => {
  const { context, page } = await shop.signedInContext(ALICE);
  await page.goto('/');
  await expect(page.locator('html')).toHaveAttribute('data-session', 'signed-in');
  // Shopify away for the attach only: the cart itself is made through the Storefront API proxy.
  await context.route('**/api/cart/buyer-identity', (route) =>
    route.fulfill({
      status: 503,
      contentType: 'application/json',
      headers: { 'retry-after': '1' },
      body: '{"error":"upstream_unavailable","message":"the Storefront API answered 503"}',
    }),
  );
  await page.locator('[data-variant="gid://shopify/ProductVariant/42000000001"]').click();
  await expect(page.getByTestId('cart-count')).toHaveText('1 in your cart');
});
