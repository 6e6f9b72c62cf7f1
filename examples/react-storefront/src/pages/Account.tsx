import { useCustomerQuery, useCustomerSession } from 'shopify-customer-session/react';

/** The Customer Account API query behind the account page, sent through the BFF (never a token here). */
const ACCOUNT = /* GraphQL */ `
  query Account($first: Int!) {
    customer {
      displayName
      emailAddress {
        emailAddress
      }
      orders(first: $first, sortKey: PROCESSED_AT, reverse: true) {
        nodes {
          id
          name
          processedAt
          totalPrice {
            amount
            currencyCode
          }
        }
      }
    }
  }
`;

interface AccountData {
  readonly customer: {
    readonly displayName: string;
    readonly emailAddress: { readonly emailAddress: string | null } | null;
    readonly orders: {
      readonly nodes: readonly {
        readonly id: string;
        readonly name: string;
        readonly processedAt: string;
        readonly totalPrice: { readonly amount: string; readonly currencyCode: string };
      }[];
    };
  };
}

const money = ({ amount, currencyCode }: { amount: string; currencyCode: string }): string =>
  new Intl.NumberFormat('en', { style: 'currency', currency: currencyCode }).format(Number(amount));

/** A `CustomerClientError`'s code (`OFFLINE`, `UPSTREAM_UNAVAILABLE`, …), or the error's message. */
const describe = (error: Error): string =>
  'code' in error && error.code === 'OFFLINE'
    ? 'You are offline. You are still signed in: try again when you are back online.'
    : 'code' in error && error.code === 'UPSTREAM_UNAVAILABLE'
      ? 'The store is briefly unavailable. Try again in a moment.'
      : error.message;

export function Account() {
  const { status, offline, signIn } = useCustomerSession();
  const { data, error, loading, refetch } = useCustomerQuery<AccountData>(ACCOUNT, { first: 10 });

  if (status === 'signed-out') {
    return (
      <>
        <h1>Your account</h1>
        <p>Sign in to see your orders.</p>
        <button onClick={() => signIn({ returnTo: '/account' })}>Sign in</button>
      </>
    );
  }
  const customer = data?.customer ?? null;
  return (
    <>
      <h1>Your account</h1>
      {error !== null && <p role="alert">{describe(error)}</p>}
      {status === 'unknown' && offline && (
        <p role="alert">You are offline. Your orders will show when you are back online.</p>
      )}
      {loading && <p>Loading…</p>}
      {customer !== null && (
        <section data-testid="profile">
          <h2>{customer.displayName}</h2>
          <p>{customer.emailAddress?.emailAddress}</p>
        </section>
      )}
      {customer !== null && (
        <table data-testid="orders">
          <caption>Orders</caption>
          <thead>
            <tr>
              <th>Order</th>
              <th>Date</th>
              <th>Total</th>
            </tr>
          </thead>
          <tbody>
            {customer.orders.nodes.map((order) => (
              <tr key={order.id}>
                <td>{order.name}</td>
                <td>{order.processedAt.slice(0, 10)}</td>
                <td>{money(order.totalPrice)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <button onClick={() => void refetch()} disabled={status !== 'signed-in'}>
        Reload orders
      </button>
    </>
  );
}
