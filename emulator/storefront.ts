/**
 * A small Storefront API for carts: `POST /api/{version}/graphql.json` on the storefront's origin, with
 * the store's Storefront API token in `Shopify-Storefront-Private-Token` (a server's) or
 * `X-Shopify-Storefront-Access-Token` (a public one). `cartCreate`, `cart(id)`, `cartLinesAdd` and
 * `cartBuyerIdentityUpdate`, with Shopify's payloads (`cart`, `userErrors { code field message }`).
 *
 * `buyerIdentity.customerAccessToken` must be a live Customer Account API access token (as Hydrogen
 * passes it); `buyerIdentity.customer` then resolves to that customer, for as long as the cart lives.
 * `customerAccessToken: null` detaches the customer. Which error code Shopify gives a dead token, and
 * how it detaches a customer, are not documented: here an INVALID userError on
 * `buyerIdentity.customerAccessToken`, and an explicit null (SHOPIFY.md lists both as unknown).
 */
import { randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import { buildSchema, execute, getOperationAST, parse, validate, type DocumentNode } from 'graphql';
import { displayName, TERRITORIES } from './accounts.ts';
import { customerGid, findCustomerById } from './customers.ts';
import { MAX_QUERY_DEPTH, nestingDepth, parseRequest, VERSION, type GraphqlRequest } from './graphql.ts';
import type { EmulatorEnv } from './http.ts';
import type { Runtime } from './runtime.ts';

const MAX_QUANTITY = 999;

/** The catalogue: the demo storefront's four products, one variant each. */
const VARIANTS: ReadonlyMap<string, { title: string; product: string; amount: string }> = new Map([
  ['gid://shopify/ProductVariant/42000000001', { title: '22 L', product: 'Field Tote', amount: '128.0' }],
  ['gid://shopify/ProductVariant/42000000002', { title: 'M', product: 'Ridge Anorak', amount: '245.0' }],
  ['gid://shopify/ProductVariant/42000000003', { title: 'M', product: 'Merino Crew', amount: '89.0' }],
  ['gid://shopify/ProductVariant/42000000004', { title: '350 ml', product: 'Camp Mug', amount: '24.0' }],
]);

export interface CartState {
  id: string;
  token: string;
  lines: Array<{ id: string; merchandiseId: string; quantity: number }>;
  customerId: number | null;
  email: string | null;
  countryCode: string | null;
  createdAtMs: number;
  updatedAtMs: number;
}

interface UserError {
  code: string;
  field: string[];
  message: string;
}

const schema = buildSchema(/* GraphQL */ `
  scalar DateTime
  scalar Decimal
  scalar URL

  type Query {
    cart(id: ID!): Cart
  }

  type Mutation {
    cartCreate(input: CartInput): CartCreatePayload
    cartLinesAdd(cartId: ID!, lines: [CartLineInput!]!): CartLinesAddPayload
    cartBuyerIdentityUpdate(cartId: ID!, buyerIdentity: CartBuyerIdentityInput!): CartBuyerIdentityUpdatePayload
  }

  input CartInput {
    lines: [CartLineInput!]
    buyerIdentity: CartBuyerIdentityInput
  }

  input CartLineInput {
    merchandiseId: ID!
    quantity: Int = 1
  }

  input CartBuyerIdentityInput {
    email: String
    countryCode: CountryCode
    customerAccessToken: String
  }

  enum CountryCode {
    ${Object.keys(TERRITORIES).join('\n    ')}
  }

  enum CurrencyCode {
    EUR
  }

  type MoneyV2 {
    amount: Decimal!
    currencyCode: CurrencyCode!
  }

  type Product {
    title: String!
  }

  type ProductVariant {
    id: ID!
    title: String!
    price: MoneyV2!
    product: Product!
  }

  union Merchandise = ProductVariant

  type CartLine {
    id: ID!
    quantity: Int!
    merchandise: Merchandise!
  }

  type BaseCartLineConnection {
    nodes: [CartLine!]!
  }

  type Customer {
    id: ID!
    email: String
    firstName: String
    lastName: String
    displayName: String!
  }

  type CartBuyerIdentity {
    email: String
    countryCode: CountryCode
    customer: Customer
  }

  type Cart {
    id: ID!
    checkoutUrl: URL!
    createdAt: DateTime!
    updatedAt: DateTime!
    totalQuantity: Int!
    lines(first: Int): BaseCartLineConnection!
    buyerIdentity: CartBuyerIdentity!
  }

  enum CartErrorCode {
    INVALID
    INVALID_MERCHANDISE_LINE
    LESS_THAN
    MAXIMUM_EXCEEDED
  }

  type CartUserError {
    code: CartErrorCode
    field: [String!]
    message: String!
  }

  type CartCreatePayload {
    cart: Cart
    userErrors: [CartUserError!]!
  }

  type CartLinesAddPayload {
    cart: Cart
    userErrors: [CartUserError!]!
  }

  type CartBuyerIdentityUpdatePayload {
    cart: Cart
    userErrors: [CartUserError!]!
  }
`);

const cartGid = (token: string): string => `gid://shopify/Cart/${token}`;

export function storefrontRoutes(rt: Runtime): Hono<EmulatorEnv> {
  const app = new Hono<EmulatorEnv>();
  const { carts } = rt.store;

  const cartNode = (cart: CartState) => {
    const customer = cart.customerId === null ? null : findCustomerById(cart.customerId);
    const account = customer === null ? null : rt.store.accounts.of(customer);
    return {
      id: cart.id,
      checkoutUrl: `${rt.origin}/cart/c/${cart.token}?key=${cart.token.slice(0, 8)}`,
      createdAt: new Date(cart.createdAtMs).toISOString(),
      updatedAt: new Date(cart.updatedAtMs).toISOString(),
      totalQuantity: cart.lines.reduce((sum, line) => sum + line.quantity, 0),
      lines: () => ({
        nodes: cart.lines.map((line) => {
          const variant = VARIANTS.get(line.merchandiseId)!;
          return {
            id: line.id,
            quantity: line.quantity,
            merchandise: {
              __typename: 'ProductVariant',
              id: line.merchandiseId,
              title: variant.title,
              price: { amount: variant.amount, currencyCode: 'EUR' },
              product: { title: variant.product },
            },
          };
        }),
      }),
      buyerIdentity: {
        email: cart.email,
        countryCode: cart.countryCode,
        customer:
          customer === null || account === null
            ? null
            : {
                id: customerGid(customer.id),
                email: customer.email,
                firstName: account.firstName,
                lastName: account.lastName,
                displayName: displayName(account),
              },
      },
    };
  };

  const lineErrors = (lines: Array<{ merchandiseId: string; quantity: number }>): UserError[] =>
    lines.flatMap((line, i): UserError[] => {
      if (!VARIANTS.has(line.merchandiseId)) {
        return [
          {
            code: 'INVALID',
            field: ['lines', String(i), 'merchandiseId'],
            message: 'The merchandise with id ' + line.merchandiseId + ' does not exist.',
          },
        ];
      }
      if (line.quantity < 1) {
        return [
          { code: 'LESS_THAN', field: ['lines', String(i), 'quantity'], message: 'The quantity must be at least 1.' },
        ];
      }
      if (line.quantity > MAX_QUANTITY) {
        return [
          {
            code: 'MAXIMUM_EXCEEDED',
            field: ['lines', String(i), 'quantity'],
            message: `The quantity must be at most ${MAX_QUANTITY}.`,
          },
        ];
      }
      return [];
    });

  const addLines = (cart: CartState, lines: Array<{ merchandiseId: string; quantity: number }>) => {
    for (const line of lines) {
      const existing = cart.lines.find((l) => l.merchandiseId === line.merchandiseId);
      if (existing !== undefined) existing.quantity += line.quantity;
      else cart.lines.push({ id: `gid://shopify/CartLine/${randomBytes(8).toString('hex')}`, ...line });
    }
  };

  type IdentityInput = { email?: string | null; countryCode?: string | null; customerAccessToken?: string | null };
  /** Applies a buyer identity; a token that is not a live customer access token is a userError. */
  const applyIdentity = (cart: CartState, input: IdentityInput, path: string[]): UserError[] => {
    if (input.customerAccessToken !== undefined) {
      if (input.customerAccessToken === null) {
        cart.customerId = null;
        cart.email = null;
      } else {
        const grant = rt.store.grantForAccessToken(input.customerAccessToken);
        if (grant === null) {
          rt.store.stats.storefront.invalidCustomerToken++;
          return [
            { code: 'INVALID', field: [...path, 'customerAccessToken'], message: 'Customer access token is invalid.' },
          ];
        }
        cart.customerId = grant.customerId;
        cart.email = findCustomerById(grant.customerId)?.email ?? null;
      }
    }
    if (input.email !== undefined) cart.email = input.email;
    if (input.countryCode !== undefined) cart.countryCode = input.countryCode;
    return [];
  };

  const find = (id: string): CartState | undefined => carts.get(id);
  const missing = (field: string): UserError => ({
    code: 'INVALID',
    field: [field],
    message: 'The specified cart does not exist.',
  });

  const rootValue = {
    cart: ({ id }: { id: string }) => {
      const cart = find(id);
      return cart === undefined ? null : cartNode(cart);
    },
    cartCreate: ({
      input,
    }: {
      input?: { lines?: Array<{ merchandiseId: string; quantity: number }>; buyerIdentity?: IdentityInput };
    }) => {
      const lines = input?.lines ?? [];
      const errors = lineErrors(lines);
      if (errors.length > 0) return { cart: null, userErrors: errors };
      const token = randomBytes(12).toString('hex');
      const at = rt.now();
      const cart: CartState = {
        id: cartGid(token),
        token,
        lines: [],
        customerId: null,
        email: null,
        countryCode: null,
        createdAtMs: at,
        updatedAtMs: at,
      };
      addLines(cart, lines);
      const identityErrors =
        input?.buyerIdentity === undefined ? [] : applyIdentity(cart, input.buyerIdentity, ['input', 'buyerIdentity']);
      if (identityErrors.length > 0) return { cart: null, userErrors: identityErrors };
      carts.set(cart.id, cart);
      return { cart: cartNode(cart), userErrors: [] };
    },
    cartLinesAdd: ({
      cartId,
      lines,
    }: {
      cartId: string;
      lines: Array<{ merchandiseId: string; quantity: number }>;
    }) => {
      const cart = find(cartId);
      if (cart === undefined) return { cart: null, userErrors: [missing('cartId')] };
      const errors = lineErrors(lines);
      if (errors.length > 0) return { cart: null, userErrors: errors };
      addLines(cart, lines);
      cart.updatedAtMs = rt.now();
      return { cart: cartNode(cart), userErrors: [] };
    },
    cartBuyerIdentityUpdate: ({ cartId, buyerIdentity }: { cartId: string; buyerIdentity: IdentityInput }) => {
      const cart = find(cartId);
      if (cart === undefined) return { cart: null, userErrors: [missing('cartId')] };
      const errors = applyIdentity(cart, buyerIdentity, ['buyerIdentity']);
      if (errors.length > 0) return { cart: null, userErrors: errors };
      cart.updatedAtMs = rt.now();
      return { cart: cartNode(cart), userErrors: [] };
    },
  };

  app.post('/api/:version/graphql.json', async (c) => {
    if (!VERSION.test(c.req.param('version'))) return c.notFound();
    rt.store.stats.storefront.received++;
    const token = c.req.header('shopify-storefront-private-token') ?? c.req.header('x-shopify-storefront-access-token');
    if (token !== rt.storefrontApiToken) {
      rt.store.stats.storefront.unauthorized++;
      return c.json({ errors: [{ message: '', extensions: { code: 'UNAUTHORIZED' } }] }, 401);
    }
    // The Customer Account API endpoint's checks (graphql.ts): the body's shape, and the depth bound that
    // keeps graphql-js from overflowing the stack on a query thousands of levels deep.
    let request: GraphqlRequest | string;
    try {
      request = parseRequest(await c.req.json());
    } catch {
      request = 'body is not valid JSON';
    }
    if (typeof request === 'string') {
      return c.json({ errors: [{ message: request, extensions: { code: 'BAD_REQUEST' } }] }, 400);
    }
    if (nestingDepth(request.query) > MAX_QUERY_DEPTH) {
      return c.json({
        errors: [
          { message: `Query depth exceeds ${MAX_QUERY_DEPTH} levels`, extensions: { code: 'MAX_DEPTH_EXCEEDED' } },
        ],
      });
    }
    let document: DocumentNode;
    try {
      document = parse(request.query);
    } catch (error) {
      return c.json({ errors: [{ message: (error as Error).message }] });
    }
    const validationErrors = validate(schema, document);
    if (validationErrors.length > 0) return c.json({ errors: validationErrors.map((e) => e.toJSON()) });
    const { operationName, variables } = request;
    if (getOperationAST(document, operationName)?.operation === 'mutation') rt.store.stats.storefront.mutations++;
    const result = await execute({ schema, document, rootValue, variableValues: variables, operationName });
    return c.json(result);
  });
  return app;
}
