/**
 * Issue 14, the logged-in cart: a cart made signed out through the BFF's Storefront API proxy is bound
 * to the customer after sign-in (`POST /api/cart/buyer-identity`) with their access token, which never
 * leaves the server; it survives a refresh, and sign-out detaches it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storefront } from '../emulator/testkit.ts';
import { createBrowser, type Browser } from './helpers/browser.ts';
import { COOKIE_NAME, expectNoSecrets, expireSoon, logout, sidOf } from './helpers/session-support.ts';
import { startStack, type Stack } from './helpers/stack.ts';

const ALICE = 'alice@example.com';
const SOAP = 'gid://shopify/ProductVariant/42000000001';
const CREATE = `mutation($lines: [CartLineInput!]) { cartCreate(input: { lines: $lines }) { cart { id checkoutUrl totalQuantity } userErrors { code } } }`;
const ADD = `mutation($id: ID!) { cartLinesAdd(cartId: $id, lines: [{ merchandiseId: "${SOAP}" }]) {
  cart { totalQuantity buyerIdentity { customer { email } } } userErrors { code } } }`;
const BUYER = `query($id: ID!) { cart(id: $id) { buyerIdentity { email customer { email } } } }`;

let stack: Stack;
let browser: Browser;
beforeAll(async () => {
  stack = await startStack();
  browser = createBrowser();
});
afterAll(() => stack?.close());

const post = (path: string, body: unknown, headers: Record<string, string> = { 'x-csrf': '1' }) =>
  browser.request(`${stack.appOrigin}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
const cartGraphql = async (query: string, variables: Record<string, unknown>) =>
  (await (await post('/api/storefront/graphql', { query, variables })).json()) as { data: Record<string, any> };
/** What Shopify (the emulator) itself holds for the cart, asked with the store's token. */
const buyerAtShopify = async (id: string) =>
  (
    (await (await storefront(stack.emulator.url, BUYER, { id })).json()) as {
      data: { cart: { buyerIdentity: unknown } };
    }
  ).data.cart.buyerIdentity;

describe('the logged-in cart', () => {
  let cartId: string;

  it('a cart made signed out through /api/storefront/graphql: no session needed, no buyer', async () => {
    const created = await cartGraphql(CREATE, { lines: [{ merchandiseId: SOAP, quantity: 2 }] });
    expect(created.data.cartCreate).toMatchObject({ cart: { totalQuantity: 2 }, userErrors: [] });
    cartId = created.data.cartCreate.cart.id;
    expect(await buyerAtShopify(cartId)).toEqual({ email: null, customer: null });
  });

  it('refuses what it must, exactly: no X-CSRF, anything but carts and the catalogue, no session, a bad cart id', async () => {
    expect((await post('/api/storefront/graphql', { query: '{ __typename }' }, {})).status).toBe(403);
    const customer = await post('/api/storefront/graphql', {
      query: '{ customer(customerAccessToken: "x") { email } }',
    });
    expect([customer.status, await customer.json()]).toEqual([
      400,
      {
        error: 'bad_request',
        message: '"customer" is not available through this proxy (carts and the catalogue only)',
      },
    ]);
    const anonymous = await post('/api/cart/buyer-identity', { cartId });
    expect(anonymous.status).toBe(401);
    await stack.signIn(browser, ALICE);
    const bad = await post('/api/cart/buyer-identity', { cartId: 'gid://shopify/Product/1' });
    expect([bad.status, await bad.json()]).toEqual([
      400,
      { error: 'bad_request', message: '"cartId" must be a Storefront API cart id (gid://shopify/Cart/…)' },
    ]);
  });

  it('after sign-in, attach binds the customer at Shopify and answers the checkout URL, never the token', async () => {
    const attached = await post('/api/cart/buyer-identity', { cartId });
    expect(attached.status).toBe(200);
    expect(await attached.json()).toEqual({
      cart: {
        id: cartId,
        checkoutUrl: expect.stringMatching(new RegExp(`^${stack.emulator.url}/cart/c/`)),
        buyerIdentity: {
          email: ALICE,
          customer: { id: 'gid://shopify/Customer/7000000001', displayName: 'Alice Liddell' },
        },
      },
      userErrors: [],
    });
    expect(await buyerAtShopify(cartId)).toEqual({ email: ALICE, customer: { email: ALICE } });
    // The session holds the cart id, for sign-out to detach it.
    expect(
      stack.logs
        .events()
        .filter((e) => e['event'] === 'cart.buyer_identity.attached')
        .at(-1),
    ).toMatchObject({
      attached: true,
      remembered: true,
    });
  });

  it('inside the refresh buffer: one refresh, then the attach; the cart keeps working after it', async () => {
    await expireSoon(browser, stack.appOrigin);
    const before = await stack.stats();
    expect((await post('/api/cart/buyer-identity', { cartId })).status).toBe(200);
    expect((await stack.stats()).token.refresh_token - before.token.refresh_token).toBe(1);
    const added = await cartGraphql(ADD, { id: cartId });
    expect(added.data.cartLinesAdd).toEqual({
      cart: { totalQuantity: 3, buyerIdentity: { customer: { email: ALICE } } },
      userErrors: [],
    });
  });

  it('sign-out ends the session, then detaches the cart: Shopify holds no buyer for it any more', async () => {
    const cookie = browser.cookies(stack.appOrigin).get(COOKIE_NAME)!;
    const sid = await sidOf(cookie);
    // What the store held for the session when the detach was sent: a slow Storefront API must find it gone.
    const { deps } = stack.bff;
    const storefrontApi = deps.storefront!;
    const update = storefrontApi.updateBuyerIdentity;
    const storedAtDetach: unknown[] = [];
    storefrontApi.updateBuyerIdentity = async (...args) => {
      if (args[1] === null) storedAtDetach.push(await deps.store.get(sid));
      return update(...args);
    };
    try {
      expect((await logout(browser, stack.appOrigin)).status).toBe(303);
    } finally {
      storefrontApi.updateBuyerIdentity = update;
    }
    expect(storedAtDetach).toEqual([null]);
    expect(await buyerAtShopify(cartId)).toEqual({ email: null, customer: null });
    expect(stack.logs.lines.some((line) => line.includes('"event":"cart.buyer_identity.detached"'))).toBe(true);
    expectNoSecrets({
      appOrigins: [stack.appOrigin],
      endSessionOrigin: stack.emulator.url,
      seen: browser.seen,
      logLines: stack.logs.lines,
      sids: [sid],
      cookies: [cookie],
    });
  });
});
