// The Storefront API for carts over HTTP: the store's token, Shopify's payloads, and a buyer identity
// bound through a live Customer Account API access token.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type StartedEmulator } from './server.ts';
import { DEFAULT_STOREFRONT_API_TOKEN } from './config.ts';
import { admin, login, PUBLIC_CLIENT, storefront } from './testkit.ts';

let emu: StartedEmulator;
let issuer: string;
let nowMs = Date.parse('2026-06-01T00:00:00Z');

const TOTE = 'gid://shopify/ProductVariant/42000000001';
const CREW = 'gid://shopify/ProductVariant/42000000003';
const CART_FIELDS = `id checkoutUrl totalQuantity
  lines(first: 10) { nodes { quantity merchandise { ... on ProductVariant { id title product { title } } } } }
  buyerIdentity { email customer { id email displayName } }`;
const CREATE = `mutation($input: CartInput) { cartCreate(input: $input) { cart { ${CART_FIELDS} } userErrors { code field message } } }`;
const ADD = `mutation($id: ID!, $lines: [CartLineInput!]!) {
  cartLinesAdd(cartId: $id, lines: $lines) { cart { totalQuantity } userErrors { code field } } }`;
const IDENTITY = `mutation($id: ID!, $identity: CartBuyerIdentityInput!) {
  cartBuyerIdentityUpdate(cartId: $id, buyerIdentity: $identity) { cart { ${CART_FIELDS} } userErrors { code field } } }`;
const CART = `query($id: ID!) { cart(id: $id) { ${CART_FIELDS} } }`;

const call = async (query: string, variables?: Record<string, unknown>) => {
  const res = await storefront(emu.url, query, variables);
  expect(res.status).toBe(200);
  return (await res.json()) as { data: Record<string, any>; errors?: unknown[] };
};
const newCart = async () =>
  (await call(CREATE, { input: { lines: [{ merchandiseId: TOTE, quantity: 2 }] } })).data.cartCreate.cart;

beforeAll(async () => {
  emu = await startEmulator({ port: 0, clients: [PUBLIC_CLIENT], now: () => nowMs });
  issuer = `${emu.url}/authentication/${emu.shopId}`;
});
beforeEach(() => admin(emu.url, '/reset', 'POST'));
afterAll(() => emu.close());

describe('the Storefront API token', () => {
  it.each([
    ['missing', ''],
    ['wrong', 'not-the-token'],
  ])('%s → 401, nothing runs', async (_name, token) => {
    const res = await storefront(emu.url, CREATE, {}, token);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ errors: [{ message: '', extensions: { code: 'UNAUTHORIZED' } }] });
    expect((await (await admin(emu.url, '/stats')).json()).storefront).toMatchObject({ unauthorized: 1, mutations: 0 });
  });
});

describe('carts', () => {
  it('a cart made signed out: lines, a checkout URL, no buyer', async () => {
    const cart = await newCart();
    expect(cart).toMatchObject({
      id: expect.stringMatching(/^gid:\/\/shopify\/Cart\/[0-9a-f]{24}$/),
      checkoutUrl: expect.stringMatching(new RegExp(`^${emu.url}/cart/c/[0-9a-f]{24}\\?key=`)),
      totalQuantity: 2,
      lines: {
        nodes: [{ quantity: 2, merchandise: { id: TOTE, title: '22 L', product: { title: 'Field Tote' } } }],
      },
      buyerIdentity: { email: null, customer: null },
    });
    const added = await call(ADD, {
      id: cart.id,
      lines: [{ merchandiseId: CREW }, { merchandiseId: TOTE, quantity: 1 }],
    });
    expect(added.data.cartLinesAdd).toEqual({ cart: { totalQuantity: 4 }, userErrors: [] });
  });

  it.each([
    ['an unknown variant', { merchandiseId: 'gid://shopify/ProductVariant/1' }, 'INVALID', 'merchandiseId'],
    ['a quantity of 0', { merchandiseId: TOTE, quantity: 0 }, 'LESS_THAN', 'quantity'],
    ['a quantity above 999', { merchandiseId: TOTE, quantity: 1000 }, 'MAXIMUM_EXCEEDED', 'quantity'],
  ])('a line with %s → userErrors, no cart', async (_name, line, code, field) => {
    const body = await call(CREATE, { input: { lines: [line] } });
    expect(body.data.cartCreate.cart).toBeNull();
    expect(body.data.cartCreate.userErrors).toEqual([
      { code, field: ['lines', '0', field], message: expect.any(String) },
    ]);
  });

  it('an unknown cart: null to a query, an INVALID userError on cartId to a mutation', async () => {
    const id = 'gid://shopify/Cart/000000000000000000000000';
    expect((await call(CART, { id })).data.cart).toBeNull();
    expect((await call(ADD, { id, lines: [{ merchandiseId: TOTE }] })).data.cartLinesAdd.userErrors).toEqual([
      { code: 'INVALID', field: ['cartId'] },
    ]);
  });
});

describe('buyer identity', () => {
  it('a live customer access token binds the customer; the cart keeps them after the token is gone', async () => {
    const cart = await newCart();
    const alice = await login(issuer, 'alice@example.com');
    const bound = (await call(IDENTITY, { id: cart.id, identity: { customerAccessToken: alice.access_token } })).data
      .cartBuyerIdentityUpdate;
    expect(bound.userErrors).toEqual([]);
    expect(bound.cart.buyerIdentity).toEqual({
      email: 'alice@example.com',
      customer: { id: 'gid://shopify/Customer/7000000001', email: 'alice@example.com', displayName: 'Alice Liddell' },
    });
    nowMs += 3601 * 1000; // the access token expires; the cart's customer stays
    expect((await call(CART, { id: cart.id })).data.cart.buyerIdentity.customer.email).toBe('alice@example.com');
  });

  it('a dead or unknown token → an INVALID userError on customerAccessToken, the cart unchanged', async () => {
    const cart = await newCart();
    const body = (await call(IDENTITY, { id: cart.id, identity: { customerAccessToken: 'shcat_unknown' } })).data
      .cartBuyerIdentityUpdate;
    expect(body).toEqual({
      cart: null,
      userErrors: [{ code: 'INVALID', field: ['buyerIdentity', 'customerAccessToken'] }],
    });
    expect((await call(CART, { id: cart.id })).data.cart.buyerIdentity.customer).toBeNull();
    expect((await (await admin(emu.url, '/stats')).json()).storefront.invalidCustomerToken).toBe(1);
  });

  it('customerAccessToken: null detaches the customer and their email', async () => {
    const cart = await newCart();
    const alice = await login(issuer, 'alice@example.com');
    await call(IDENTITY, { id: cart.id, identity: { customerAccessToken: alice.access_token } });
    const detached = (await call(IDENTITY, { id: cart.id, identity: { customerAccessToken: null } })).data
      .cartBuyerIdentityUpdate;
    expect(detached.cart.buyerIdentity).toEqual({ email: null, customer: null });
  });
});

describe('request checks (shared with the Customer Account API endpoint)', () => {
  it('refuses a body that is not a GraphQL request, naming what is wrong', async () => {
    const post = (body: string) =>
      fetch(`${emu.url}/api/2026-10/graphql.json`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'shopify-storefront-private-token': DEFAULT_STOREFRONT_API_TOKEN,
        },
        body,
      });
    for (const [body, message] of [
      ['not json', 'body is not valid JSON'],
      ['{"query":"{ __typename }","variables":[1]}', 'variables must be an object'],
      ['{"query":"{ __typename }","operationName":7}', 'operationName must be a string'],
    ]) {
      const res = await post(body!);
      expect([res.status, await res.json()]).toEqual([
        400,
        { errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] },
      ]);
    }
  });

  it('answers a query nested past 64 levels with an error, not a 500', async () => {
    const deep = `{ ${'cart(id: "x") { lines(first: 1) { nodes { '.repeat(30)}id${' } } }'.repeat(30)} }`;
    const res = await storefront(emu.url, deep);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      errors: [{ message: 'Query depth exceeds 64 levels', extensions: { code: 'MAX_DEPTH_EXCEEDED' } }],
    });
  });
});
