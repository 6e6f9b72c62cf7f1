/**
 * The logged-in cart from the page: a cart made signed out through the BFF's Storefront API proxy,
 * `client.attachCart(cartId)` after sign-in, and sign-out detaching it — checked at Shopify (the
 * emulator's Storefront API, asked directly with the store's token).
 */
import { DEFAULT_STOREFRONT_API_TOKEN } from '../../emulator/config.ts';
import { expect, test, ALICE, EMULATOR } from './fixtures.ts';

const buyerAtShopify = async (cartId: string): Promise<unknown> => {
  const response = await fetch(`${EMULATOR}/api/2026-10/graphql.json`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'shopify-storefront-private-token': DEFAULT_STOREFRONT_API_TOKEN },
    body: JSON.stringify({
      query: 'query($id: ID!) { cart(id: $id) { buyerIdentity { email customer { email } } } }',
      variables: { id: cartId },
    }),
  });
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
