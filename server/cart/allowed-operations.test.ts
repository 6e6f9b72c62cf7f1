import { describe, expect, it } from 'vitest';
import { checkStorefrontOperations } from './allowed-operations.ts';

const refusal = (query: string): string | null => {
  try {
    checkStorefrontOperations(query);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
};

describe('checkStorefrontOperations', () => {
  it.each([
    '{ cart(id: "gid://shopify/Cart/1") { id } }',
    'mutation { cartCreate { cart { id } } cartLinesAdd(cartId: "x", lines: []) { cart { id } } }',
    'query Q { ...Root } fragment Root on QueryRoot { products(first: 3) { nodes { id } } }',
    '{ __typename shop { name } }',
  ])('lets a cart or catalogue operation through: %s', (query) => {
    expect(refusal(query)).toBeNull();
  });

  it.each([
    ['a customer read', '{ customer(customerAccessToken: "t") { email } }', 'customer'],
    [
      'the buyer identity',
      'mutation { cartBuyerIdentityUpdate(cartId: "x", buyerIdentity: {}) { cart { id } } }',
      'cartBuyerIdentityUpdate',
    ],
    [
      'a customer token',
      'mutation { customerAccessTokenCreate(input: {}) { customerAccessToken { accessToken } } }',
      'customerAccessTokenCreate',
    ],
    ['an alias over a refused field', '{ myCart: customer(customerAccessToken: "t") { email } }', 'customer'],
    [
      'a refused field inside a root fragment',
      '{ ...F } fragment F on QueryRoot { customer(customerAccessToken: "t") { id } }',
      'customer',
    ],
    [
      'a refused field inside an inline fragment',
      '{ ... on QueryRoot { customer(customerAccessToken: "t") { id } } }',
      'customer',
    ],
    [
      'the second of two operations',
      'query A { cart(id: "x") { id } } query B { customer(customerAccessToken: "t") { id } }',
      'customer',
    ],
  ])('refuses %s, naming the field', (_name, query, field) => {
    expect(refusal(query)).toBe(`"${field}" is not available through this proxy (carts and the catalogue only)`);
  });

  it('refuses what does not parse, and subscriptions', () => {
    expect(refusal('{ cart(')).toMatch(/^"query" is not valid GraphQL: Syntax Error/);
    expect(refusal('subscription { cart { id } }')).toBe('subscriptions are not available');
  });

  it('a fragment that spreads itself is read once, not forever', () => {
    expect(refusal('{ ...F } fragment F on QueryRoot { cart(id: "x") { id } ...F }')).toBeNull();
  });
});
