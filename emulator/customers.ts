/**
 * Seeded customers and orders. Ids are fixed so tests, the demo and benchmarks can rely on them.
 */

export type FinancialStatus = 'PAID' | 'PENDING' | 'REFUNDED' | 'PARTIALLY_REFUNDED' | 'AUTHORIZED';

export interface SeedOrder {
  /** Numeric Shopify id; the GraphQL id is `gid://shopify/Order/<id>`. */
  id: number;
  name: string;
  processedAt: string;
  financialStatus: FinancialStatus;
  totalPrice: { amount: string; currencyCode: 'USD' | 'EUR' };
}

export interface SeedCustomer {
  /** Numeric Shopify id; the GraphQL id (and the id_token `sub`) is `gid://shopify/Customer/<id>`. */
  id: number;
  email: string;
  firstName: string;
  lastName: string;
  orders: readonly SeedOrder[];
}

export const customerGid = (id: number): string => `gid://shopify/Customer/${id}`;
export const orderGid = (id: number): string => `gid://shopify/Order/${id}`;

// Order ids deliberately do not follow processedAt order, so sorting by ID and by PROCESSED_AT differ.
export const CUSTOMERS: readonly SeedCustomer[] = Object.freeze([
  {
    id: 7000000001,
    email: 'alice@example.com',
    firstName: 'Alice',
    lastName: 'Liddell',
    orders: [
      {
        id: 5000000001,
        name: '#1001',
        processedAt: '2026-01-15T10:00:00Z',
        financialStatus: 'PAID',
        totalPrice: { amount: '42.5', currencyCode: 'USD' },
      },
      {
        id: 5000000002,
        name: '#1002',
        processedAt: '2026-03-02T09:30:00Z',
        financialStatus: 'REFUNDED',
        totalPrice: { amount: '19.99', currencyCode: 'USD' },
      },
      {
        id: 5000000004,
        name: '#1004',
        processedAt: '2026-02-20T16:45:00Z',
        financialStatus: 'PAID',
        totalPrice: { amount: '120.0', currencyCode: 'USD' },
      },
      {
        id: 5000000005,
        name: '#1005',
        processedAt: '2026-05-11T08:05:00Z',
        financialStatus: 'PENDING',
        totalPrice: { amount: '7.25', currencyCode: 'USD' },
      },
    ],
  },
  {
    id: 7000000002,
    email: 'bob@example.com',
    firstName: 'Bob',
    lastName: 'Builder',
    orders: [
      {
        id: 5000000003,
        name: '#1003',
        processedAt: '2026-02-01T12:00:00Z',
        financialStatus: 'PAID',
        totalPrice: { amount: '315.0', currencyCode: 'EUR' },
      },
    ],
  },
]);

export function findCustomerByEmail(email: string): SeedCustomer | null {
  const wanted = email.trim().toLowerCase();
  return CUSTOMERS.find((c) => c.email === wanted) ?? null;
}

export function findCustomerById(id: number): SeedCustomer | null {
  return CUSTOMERS.find((c) => c.id === id) ?? null;
}
