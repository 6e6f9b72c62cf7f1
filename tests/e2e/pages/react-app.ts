/**
 * A React storefront page on the bindings (client/react), in StrictMode (effects run twice: the
 * provider's client is created, closed and created again). Its client runs with `serviceWorker: 'none'`
 * and a sign-out that only shows the signed-out state, so the page stays put for the test to read.
 */
import { createElement as h, StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { createDemoControls } from '../../../client/app/demo.ts';
import {
  CustomerSessionProvider,
  useAttachedCart,
  useCustomerClient,
  useCustomerQuery,
  useCustomerSession,
} from '../../../client/react/index.ts';

declare global {
  interface Window {
    /** Every `refreshing` value the session hook rendered, in order. */
    refreshingSeen?: boolean[];
  }
}

const RETURN_TO = '/__e2e/react/';

interface Profile {
  readonly customer: {
    readonly emailAddress: { readonly emailAddress: string } | null;
    readonly orders: { readonly nodes: readonly { readonly id: string }[] };
  } | null;
}

const PROFILE = `query Profile($first: Int!) {
  customer { emailAddress { emailAddress } orders(first: $first) { nodes { id } } }
}`;

const text = (testId: string, value: string) => h('output', { 'data-testid': testId }, value);

function Session() {
  const session = useCustomerSession();
  const client = useCustomerClient();
  useEffect(() => {
    if (client !== null) window.storefront = { client, demo: createDemoControls(client) };
  }, [client]);
  useEffect(() => {
    document.documentElement.dataset['session'] = session.status;
  }, [session.status]);
  useEffect(() => {
    (window.refreshingSeen ??= []).push(session.refreshing);
  }, [session.refreshing]);
  return h(
    'section',
    null,
    text('status', session.status),
    text('customer', session.customer?.email ?? ''),
    text('offline', String(session.offline)),
    h('button', { 'data-testid': 'sign-in', onClick: () => session.signIn({ returnTo: RETURN_TO }) }, 'Sign in'),
    h('button', { 'data-testid': 'sign-out', onClick: () => session.signOut() }, 'Sign out'),
  );
}

function ProfileQuery() {
  const [first, setFirst] = useState(1);
  const { data, error, loading, refetch } = useCustomerQuery<Profile>(PROFILE, { first });
  const code = error !== null && 'code' in error ? String(error.code) : '';
  return h(
    'section',
    null,
    text('query-email', data?.customer?.emailAddress?.emailAddress ?? ''),
    text('query-orders', data === null ? '' : String(data.customer?.orders.nodes.length ?? 0)),
    text('query-error', error === null ? '' : `${error.name}${code === '' ? '' : `:${code}`}`),
    text('query-loading', String(loading)),
    h('button', { 'data-testid': 'refetch', onClick: () => void refetch() }, 'Refetch'),
    h('button', { 'data-testid': 'more', onClick: () => setFirst(first + 1) }, 'More'),
  );
}

/** A query Shopify refuses (no such field): a GraphQL error, not an HTTP one. */
function BadQuery() {
  const { error } = useCustomerQuery('{ customer { password } }');
  return text('bad-error', error === null ? '' : `${error.name}: ${error.message}`);
}

/** The storefront's cart (its id in `?cart=`), bound to whoever signs in. */
function Cart() {
  const { cart, userErrors, error } = useAttachedCart(new URLSearchParams(location.search).get('cart'));
  return h(
    'section',
    null,
    text('cart-buyer', cart?.buyerIdentity.email ?? ''),
    text('cart-checkout', cart?.checkoutUrl ?? ''),
    text('cart-problem', error?.message ?? userErrors.map((e) => e.code).join(',')),
  );
}

createRoot(document.getElementById('root')!).render(
  h(
    StrictMode,
    null,
    h(
      CustomerSessionProvider,
      { options: { serviceWorker: 'none', label: 'react tab', onSignedOut: () => undefined } },
      h(Session),
      h(ProfileQuery),
      h(BadQuery),
      h(Cart),
    ),
  ),
);
