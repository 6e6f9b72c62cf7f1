/**
 * Issue 14, account edits: Customer Account API mutations (name, address book) go through the BFF's
 * proxy like queries, Shopify's `userErrors` reach the page unchanged, and a mutation inside the refresh
 * buffer runs once, after the one refresh.
 *
 * The retry rule (README, "How a refresh goes"): a call is sent again only when Shopify answered 401,
 * which means it did not run; never after a timeout or a dropped connection, when it may have run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBrowser, type Browser } from './helpers/browser.ts';
import { COOKIE_NAME, expectNoSecrets, expireSoon, sidOf } from './helpers/session-support.ts';
import { startStack, type Stack } from './helpers/stack.ts';

const ALICE = 'alice@example.com';
const UPDATE = `mutation Update($input: CustomerUpdateInput!) {
  customerUpdate(input: $input) { customer { displayName } userErrors { field code } }
}`;
const CREATE = `mutation Create($address: CustomerAddressInput!) {
  customerAddressCreate(address: $address) { customerAddress { id city } userErrors { field code message } }
}`;
const BOOK = '{ customer { displayName defaultAddress { city } addresses(first: 10) { nodes { city } } } }';

let stack: Stack;
let browser: Browser;
beforeAll(async () => {
  stack = await startStack();
  browser = createBrowser();
  await stack.signIn(browser, ALICE);
});
afterAll(() => stack?.close());

async function call(query: string, variables?: Record<string, unknown>) {
  const response = await browser.request(`${stack.appOrigin}/api/customer/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-csrf': '1' },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

describe('account edits through the proxy', () => {
  it('a name edit round-trips: the mutation answers the new name, and so does the next query', async () => {
    const edit = await call(UPDATE, { input: { firstName: 'Alicia', lastName: 'Smith' } });
    expect(edit).toMatchObject({
      status: 200,
      body: { data: { customerUpdate: { customer: { displayName: 'Alicia Smith' }, userErrors: [] } } },
    });
    expect((await call(BOOK)).body.data.customer.displayName).toBe('Alicia Smith');
  });

  it("a bad address answers 200 with Shopify's userErrors, as they came, and creates nothing", async () => {
    const bad = await call(CREATE, { address: { address1: '1 Main St', countryCode: 'US' } });
    expect(bad.status).toBe(200);
    expect(bad.body.data.customerAddressCreate).toEqual({
      customerAddress: null,
      userErrors: [{ field: ['address', 'zoneCode'], code: 'ZONE_CODE_MISSING', message: 'Zone code is missing' }],
    });
    expect((await call(BOOK)).body.data.customer.addresses.nodes).toEqual([]);
  });

  it('a mutation inside the refresh buffer runs once, after exactly one refresh', async () => {
    await expireSoon(browser, stack.appOrigin);
    const before = await stack.stats();
    const created = await call(CREATE, {
      address: { address1: '1 Main St', city: 'Toronto', zoneCode: 'ON', countryCode: 'CA' },
    });
    expect(created).toMatchObject({
      status: 200,
      body: { data: { customerAddressCreate: { customerAddress: { city: 'Toronto' }, userErrors: [] } } },
    });
    const after = await stack.stats();
    expect(after.token.refresh_token - before.token.refresh_token).toBe(1);
    expect((await call(BOOK)).body.data.customer).toMatchObject({
      defaultAddress: { city: 'Toronto' },
      addresses: { nodes: [{ city: 'Toronto' }] },
    });
  });

  it('a 401 from Shopify means it did not run: one forced refresh, sent again, created once', async () => {
    const before = await stack.stats();
    await stack.fault({ endpoint: 'graphql', kind: 'status', status: 401, count: 1 });
    const created = await call(CREATE, {
      address: { address1: '9 Elm St', city: 'Ottawa', zoneCode: 'ON', countryCode: 'CA' },
    });
    expect(created).toMatchObject({ status: 200, body: { data: { customerAddressCreate: { userErrors: [] } } } });
    expect((await stack.stats()).token.refresh_token - before.token.refresh_token).toBe(1);
    const cities = (await call(BOOK)).body.data.customer.addresses.nodes.map((a: { city: string }) => a.city);
    expect(cities.filter((city: string) => city === 'Ottawa')).toHaveLength(1);
  });

  it('a mutation whose answer was lost (it ran, then the connection hung and dropped) is not sent again', async () => {
    await stack.fault({ endpoint: 'graphql', kind: 'timeout', phase: 'after', timeoutMs: 200, count: 1 });
    const before = await stack.stats();
    const lost = await call(CREATE, {
      address: { address1: '5 Oak Ave', city: 'Quebec', zoneCode: 'QC', countryCode: 'CA' },
    });
    expect(lost).toMatchObject({ status: 503, body: { error: 'upstream_unavailable' } });
    // Executed once at Shopify, and asked once: a second attempt would be a second executed call.
    expect((await stack.stats()).graphql.ok - before.graphql.ok).toBe(1);
    const cities = (await call(BOOK)).body.data.customer.addresses.nodes.map((a: { city: string }) => a.city);
    expect(cities.filter((city: string) => city === 'Quebec')).toHaveLength(1);
  });

  it('no token, code or session id in any answer or log line', async () => {
    const cookie = browser.cookies(stack.appOrigin).get(COOKIE_NAME)!;
    expectNoSecrets({
      appOrigins: [stack.appOrigin],
      seen: browser.seen,
      logLines: stack.logs.lines,
      sids: [await sidOf(cookie)],
      cookies: [cookie],
    });
  });
});
