// The Customer Account API GraphQL endpoint over HTTP: auth, real GraphQL semantics, cost and throttling.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { nestingDepth } from './graphql.ts';
import { startEmulator, type StartedEmulator } from './server.ts';
import { admin, graphql, login, PUBLIC_CLIENT } from './testkit.ts';

let emu: StartedEmulator;
let issuer: string;
let graphqlUrl: string;
let alice: string;
let nowMs = Date.parse('2026-06-01T00:00:00Z');

const ORDERS = `query Orders($first: Int, $after: String, $sortKey: OrderSortKeys, $reverse: Boolean) {
  customer {
    orders(first: $first, after: $after, sortKey: $sortKey, reverse: $reverse) {
      nodes { id name processedAt financialStatus totalPrice { amount currencyCode } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;

beforeAll(async () => {
  emu = await startEmulator({ port: 0, clients: [PUBLIC_CLIENT], now: () => nowMs });
  issuer = `${emu.url}/authentication/${emu.shopId}`;
  graphqlUrl = `${emu.url}/${emu.shopId}/account/customer/api/2026-10/graphql`;
});
beforeEach(async () => {
  await admin(emu.url, '/reset', 'POST');
  alice = (await login(issuer, 'alice@example.com')).access_token;
});
afterAll(() => emu.close());

describe('authorization', () => {
  it.each([
    ['missing', null],
    ['unknown', 'shcat_unknown'],
    ['Bearer-prefixed', 'Bearer '],
  ])('%s token → 401 {"errors":"User does not have access"}', async (_name, token) => {
    const res = await graphql(graphqlUrl, token === 'Bearer ' ? `Bearer ${alice}` : token, '{ customer { id } }');
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ errors: 'User does not have access' });
  });

  it('an expired token → 401', async () => {
    nowMs += 3601 * 1000;
    expect((await graphql(graphqlUrl, alice, '{ customer { id } }')).status).toBe(401);
  });

  it('a revoked customer → 401', async () => {
    expect((await admin(emu.url, '/customers/alice@example.com/revoke', 'POST')).status).toBe(200);
    expect((await graphql(graphqlUrl, alice, '{ customer { id } }')).status).toBe(401);
  });

  it('accepts any YYYY-MM version and unstable; rejects others and other shops with 404', async () => {
    for (const version of ['2025-01', '2026-10', 'unstable']) {
      const url = `${emu.url}/${emu.shopId}/account/customer/api/${version}/graphql`;
      expect((await graphql(url, alice, '{ customer { id } }')).status).toBe(200);
    }
    for (const path of [
      `${emu.shopId}/account/customer/api/2026-13`,
      `${emu.shopId}/account/customer/api/latest`,
      '123/account/customer/api/2026-10',
    ]) {
      expect((await graphql(`${emu.url}/${path}/graphql`, alice, '{ customer { id } }')).status).toBe(404);
    }
  });
});

describe('queries', () => {
  it('a query nested deeper than 64 levels is refused with MAX_DEPTH_EXCEEDED, not a 500', async () => {
    const deep = `${'{ customer '.repeat(3_000)}{ id }${' }'.repeat(3_000)}`;
    const res = await graphql(graphqlUrl, alice, deep);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      errors: [{ message: 'Query depth exceeds 64 levels', extensions: { code: 'MAX_DEPTH_EXCEEDED' } }],
    });
    // Braces inside strings and comments are not nesting.
    const quoted = `{ customer { id } } # ${'{'.repeat(100)}`;
    expect((await graphql(graphqlUrl, alice, quoted)).status).toBe(200);
    expect(nestingDepth(`{ a(b: "x\\" {{{{") { c } }`)).toBe(2);
    expect(nestingDepth(`{ a(b: """{{{{""") }`)).toBe(2);
  });

  it('resolves the customer with cost extensions', async () => {
    const res = await graphql(
      graphqlUrl,
      alice,
      '{ customer { id firstName lastName displayName emailAddress { emailAddress } } }',
    );
    const body = await res.json();
    expect(body.data.customer).toEqual({
      id: 'gid://shopify/Customer/7000000001',
      firstName: 'Alice',
      lastName: 'Liddell',
      displayName: 'Alice Liddell',
      emailAddress: { emailAddress: 'alice@example.com' },
    });
    expect(body.extensions.cost).toEqual({
      requestedQueryCost: 2,
      actualQueryCost: 2,
      throttleStatus: { maximumAvailable: 7500, currentlyAvailable: 7498, restoreRate: 100 },
    });
  });

  it('orders by PROCESSED_AT reversed, paginated with cursors', async () => {
    const page1 = await (
      await graphql(graphqlUrl, alice, ORDERS, { first: 2, sortKey: 'PROCESSED_AT', reverse: true })
    ).json();
    const orders = page1.data.customer.orders;
    expect(orders.nodes.map((o: { name: string }) => o.name)).toEqual(['#1005', '#1002']);
    expect(orders.nodes[0]).toEqual({
      id: 'gid://shopify/Order/5000000005',
      name: '#1005',
      processedAt: '2026-05-11T08:05:00Z',
      financialStatus: 'PENDING',
      totalPrice: { amount: '7.25', currencyCode: 'USD' },
    });
    expect(orders.pageInfo.hasNextPage).toBe(true);
    // cost: customer 1 + connection 2 + 2 × (node 1 + totalPrice 1) + pageInfo 1
    expect(page1.extensions.cost.requestedQueryCost).toBe(8);

    const page2 = await (
      await graphql(graphqlUrl, alice, ORDERS, {
        first: 2,
        after: orders.pageInfo.endCursor,
        sortKey: 'PROCESSED_AT',
        reverse: true,
      })
    ).json();
    expect(page2.data.customer.orders.nodes.map((o: { name: string }) => o.name)).toEqual(['#1004', '#1001']);
    expect(page2.data.customer.orders.pageInfo.hasNextPage).toBe(false);
  });

  it('sorts by ID by default; bob has his own single order', async () => {
    const byId = await (await graphql(graphqlUrl, alice, ORDERS, { first: 10 })).json();
    expect(byId.data.customer.orders.nodes.map((o: { name: string }) => o.name)).toEqual([
      '#1001',
      '#1002',
      '#1004',
      '#1005',
    ]);
    const bob = (await login(issuer, 'bob@example.com')).access_token;
    const bobs = await (await graphql(graphqlUrl, bob, ORDERS, { first: 10 })).json();
    expect(bobs.data.customer.orders.nodes.map((o: { name: string }) => o.name)).toEqual(['#1003']);
  });

  it('validation errors are GraphQL errors (HTTP 200, no data)', async () => {
    const res = await graphql(graphqlUrl, alice, '{ customer { password } }');
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.data).toBeUndefined();
    expect(body.errors[0].message).toMatch(/Cannot query field "password"/);
    const badEnum = await (
      await graphql(graphqlUrl, alice, '{ customer { orders(first: 1, sortKey: PRICE) { nodes { id } } } }')
    ).json();
    expect(badEnum.errors[0].message).toMatch(/PRICE/);
  });

  it('syntax errors are GraphQL errors', async () => {
    const body = await (await graphql(graphqlUrl, alice, '{ customer { id ')).json();
    expect(body.errors[0].message).toMatch(/Syntax Error/);
  });

  it('a connection without first or last is a resolver error', async () => {
    const body = await (await graphql(graphqlUrl, alice, '{ customer { orders { nodes { id } } } }')).json();
    expect(body.errors[0].message).toBe('you must provide one of first or last');
  });

  it.each([
    ['malformed JSON', 'application/json', '{"query":'],
    ['no query', 'application/json', '{"variables":{}}'],
    ['variables not an object', 'application/json', '{"query":"{ customer { id } }","variables":[1]}'],
    ['not JSON content type', 'text/plain', '{"query":"{ customer { id } }"}'],
  ])('%s → 400 with errors', async (_name, contentType, body) => {
    const res = await fetch(graphqlUrl, {
      method: 'POST',
      headers: { authorization: alice, 'content-type': contentType },
      body,
    });
    expect(res.status).toBe(400);
    expect((await res.json()).errors[0].message).toEqual(expect.any(String));
  });
});

describe('account edits (mutations)', () => {
  const run = async (query: string, variables?: Record<string, unknown>, token = alice) => {
    const res = await graphql(graphqlUrl, token, query, variables);
    expect(res.status).toBe(200);
    return res.json();
  };
  const UPDATE = `mutation Update($input: CustomerUpdateInput!) {
    customerUpdate(input: $input) { customer { firstName lastName displayName } userErrors { field code message } }
  }`;
  const CREATE = `mutation Create($address: CustomerAddressInput!, $default: Boolean) {
    customerAddressCreate(address: $address, defaultAddress: $default) {
      customerAddress { id address1 city zoneCode territoryCode country name formatted }
      userErrors { field code message }
    }
  }`;
  const UPDATE_ADDRESS = `mutation Edit($id: ID!, $address: CustomerAddressInput, $default: Boolean) {
    customerAddressUpdate(addressId: $id, address: $address, defaultAddress: $default) {
      customerAddress { id address1 city } userErrors { field code }
    }
  }`;
  const DELETE = `mutation Delete($id: ID!) { customerAddressDelete(addressId: $id) { deletedAddressId userErrors { field code } } }`;
  const BOOK = '{ customer { defaultAddress { id } addresses(first: 10) { nodes { id address1 } } } }';
  const HOME = { address1: '1 Main St', city: 'Toronto', zoneCode: 'ON', countryCode: 'CA', firstName: 'Alice' };
  const WORK = { address1: '2 Rue de Rivoli', city: 'Paris', countryCode: 'FR', zip: '75001' };

  it('customerUpdate changes the name the queries answer, at a flat cost of 10', async () => {
    const body = await run(UPDATE, { input: { firstName: ' Alicia ', lastName: 'Smith' } });
    expect(body.data.customerUpdate).toEqual({
      customer: { firstName: 'Alicia', lastName: 'Smith', displayName: 'Alicia Smith' },
      userErrors: [],
    });
    expect(body.extensions.cost.requestedQueryCost).toBe(10);
    expect((await run('{ customer { displayName } }')).data.customer.displayName).toBe('Alicia Smith');
  });

  it('customerUpdate refuses HTML and over-long names with userErrors, and changes nothing', async () => {
    const body = await run(UPDATE, { input: { firstName: '<b>A</b>', lastName: 'x'.repeat(256) } });
    expect(body.data.customerUpdate.customer).toBeNull();
    expect(
      body.data.customerUpdate.userErrors.map((e: { field: string[]; code: string }) => [e.field, e.code]),
    ).toEqual([
      [['input', 'firstName'], 'CONTAINS_HTML_TAGS'],
      [['input', 'lastName'], 'TOO_LONG'],
    ]);
    expect((await run('{ customer { displayName } }')).data.customer.displayName).toBe('Alice Liddell');
  });

  it('an address book: the first address is the default, a second can take over, pages by cursor', async () => {
    const home = (await run(CREATE, { address: HOME })).data.customerAddressCreate;
    expect(home.userErrors).toEqual([]);
    expect(home.customerAddress).toMatchObject({
      id: expect.stringMatching(/^gid:\/\/shopify\/CustomerAddress\/\d+$/),
      territoryCode: 'CA',
      country: 'Canada',
      name: 'Alice',
      formatted: ['1 Main St', 'Toronto ON', 'Canada'],
    });
    const work = (await run(CREATE, { address: WORK, default: true })).data.customerAddressCreate.customerAddress;
    const book = (await run(BOOK)).data.customer;
    expect(book.defaultAddress.id).toBe(work.id);
    expect(book.addresses.nodes.map((a: { address1: string }) => a.address1)).toEqual(['1 Main St', '2 Rue de Rivoli']);

    const page = await run('{ customer { addresses(first: 1) { nodes { id } pageInfo { hasNextPage endCursor } } } }');
    const next = await run(
      'query($after: String) { customer { addresses(first: 1, after: $after) { nodes { id } } } }',
      {
        after: page.data.customer.addresses.pageInfo.endCursor,
      },
    );
    expect(next.data.customer.addresses.nodes).toEqual([{ id: work.id }]);
    // Bob's book is his own.
    const bob = (await login(issuer, 'bob@example.com')).access_token;
    expect((await run(BOOK, undefined, bob)).data.customer).toEqual({ defaultAddress: null, addresses: { nodes: [] } });
  });

  it.each([
    ['no address1', { countryCode: 'FR' }, [[['address', 'address1'], 'ADDRESS1_MISSING']]],
    ['no country', { address1: '1 Main St' }, [[['address', 'countryCode'], 'COUNTRY_CODE_MISSING']]],
    [
      'a zone missing where required',
      { address1: '1 Main St', countryCode: 'US' },
      [[['address', 'zoneCode'], 'ZONE_CODE_MISSING']],
    ],
    [
      'a zone of another country',
      { address1: '1 Main St', countryCode: 'US', zoneCode: 'ON' },
      [[['address', 'zoneCode'], 'INVALID_FOR_COUNTRY']],
    ],
    ['HTML in a field', { ...WORK, city: '<script>x</script>' }, [[['address', 'city'], 'CONTAINS_HTML_TAGS']]],
  ])('customerAddressCreate with %s → userErrors, nothing created', async (_name, address, expected) => {
    const body = (await run(CREATE, { address })).data.customerAddressCreate;
    expect(body.customerAddress).toBeNull();
    expect(body.userErrors.map((e: { field: string[]; code: string }) => [e.field, e.code])).toEqual(expected);
    expect((await run(BOOK)).data.customer.addresses.nodes).toEqual([]);
  });

  it('an unknown country is a GraphQL validation error (the CountryCode enum), as at Shopify', async () => {
    const body = await run(CREATE, { address: { address1: '1 Main St', countryCode: 'XX' } });
    expect(body.data).toBeUndefined();
    expect(body.errors[0].message).toMatch(/CountryCode/);
  });

  it("a duplicate address is refused; update, demotion and deletion follow Shopify's rules", async () => {
    const home = (await run(CREATE, { address: HOME })).data.customerAddressCreate.customerAddress;
    expect((await run(CREATE, { address: HOME })).data.customerAddressCreate.userErrors[0].code).toBe(
      'CUSTOMER_ADDRESS_ALREADY_EXISTS',
    );
    const work = (await run(CREATE, { address: WORK })).data.customerAddressCreate.customerAddress;

    const edited = (await run(UPDATE_ADDRESS, { id: work.id, address: { city: 'Lyon' } })).data.customerAddressUpdate;
    expect(edited).toEqual({
      customerAddress: { id: work.id, address1: '2 Rue de Rivoli', city: 'Lyon' },
      userErrors: [],
    });
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ id: 'gid://shopify/CustomerAddress/1' }, 'ADDRESS_ID_DOES_NOT_EXIST'],
      [{ id: work.id }, 'ADDRESS_ARGUMENT_EMPTY'],
      [{ id: home.id, default: false }, 'DEMOTING_CUSTOMER_DEFAULT_ADDRESS_NOT_ALLOWED'],
      [{ id: work.id, address: { address1: ' ' } }, 'ADDRESS1_MISSING'],
    ];
    for (const [variables, code] of cases) {
      expect((await run(UPDATE_ADDRESS, variables)).data.customerAddressUpdate.userErrors[0].code).toBe(code);
    }

    expect((await run(DELETE, { id: home.id })).data.customerAddressDelete.userErrors[0].code).toBe(
      'DELETING_CUSTOMER_DEFAULT_ADDRESS_NOT_ALLOWED',
    );
    await run(UPDATE_ADDRESS, { id: work.id, default: true });
    expect((await run(DELETE, { id: home.id })).data.customerAddressDelete).toEqual({
      deletedAddressId: home.id,
      userErrors: [],
    });
    // The last address, the default, can go: the book is then empty, with no default.
    expect((await run(DELETE, { id: work.id })).data.customerAddressDelete.userErrors).toEqual([]);
    expect((await run(BOOK)).data.customer).toEqual({ defaultAddress: null, addresses: { nodes: [] } });
  });

  it('/__emulator/reset forgets every edit', async () => {
    await run(UPDATE, { input: { firstName: 'Alicia' } });
    await run(CREATE, { address: HOME });
    await admin(emu.url, '/reset', 'POST');
    alice = (await login(issuer, 'alice@example.com')).access_token;
    expect((await run('{ customer { firstName addresses(first: 5) { nodes { id } } } }')).data.customer).toEqual({
      firstName: 'Alice',
      addresses: { nodes: [] },
    });
  });
});

describe('throttling', () => {
  it('empties the per-customer bucket → 200 THROTTLED; it restores over time', async () => {
    await admin(emu.url, '/config', 'POST', { graphqlBucketSize: 20, graphqlRestoreRatePerSecond: 10 });
    const query = ORDERS; // cost 8 with first: 2
    const vars = { first: 2 };
    expect((await graphql(graphqlUrl, alice, query, vars)).status).toBe(200);
    expect((await graphql(graphqlUrl, alice, query, vars)).status).toBe(200);
    const throttled = await graphql(graphqlUrl, alice, query, vars);
    expect(throttled.status).toBe(200);
    const body = await throttled.json();
    expect(body.errors).toEqual([{ message: 'Throttled', extensions: { code: 'THROTTLED' } }]);
    expect(body.extensions.cost.throttleStatus).toEqual({
      maximumAvailable: 20,
      currentlyAvailable: 4,
      restoreRate: 10,
    });

    const bob = (await login(issuer, 'bob@example.com')).access_token;
    expect((await (await graphql(graphqlUrl, bob, query, vars)).json()).data).toBeDefined();

    nowMs += 1000;
    expect((await (await graphql(graphqlUrl, alice, query, vars)).json()).data).toBeDefined();
    expect((await (await admin(emu.url, '/stats')).json()).graphql).toMatchObject({ ok: 4, throttled: 1 });
  });

  it('a single query above the bucket size → MAX_COST_EXCEEDED', async () => {
    await admin(emu.url, '/config', 'POST', { graphqlBucketSize: 20 });
    const body = await (await graphql(graphqlUrl, alice, ORDERS, { first: 100 })).json();
    expect(body.errors[0].extensions.code).toBe('MAX_COST_EXCEEDED');
  });
});

it('a body over 1 MiB → 413, not a crash', async () => {
  const res = await graphql(graphqlUrl, alice, `{ customer { id } } #${'x'.repeat(1024 * 1024)}`);
  expect(res.status).toBe(413);
});
