/** The account page: profile and orders (newest first, paged) from the Customer Account API. */
import { CustomerClientError } from '../lib/index.ts';
import { mountAccountEdits } from './account-edits.ts';
import { h, must } from './dom.ts';
import { startShell } from './shell.ts';

const PAGE_SIZE = 3;

const ACCOUNT_QUERY = `query Account($first: Int!, $after: String) {
  customer {
    id
    displayName
    emailAddress { emailAddress }
    orders(first: $first, after: $after, sortKey: PROCESSED_AT, reverse: true) {
      nodes { id name processedAt financialStatus totalPrice { amount currencyCode } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;

interface Order {
  readonly id: string;
  readonly name: string;
  readonly processedAt: string;
  readonly financialStatus: string | null;
  readonly totalPrice: { readonly amount: string; readonly currencyCode: string };
}

interface AccountData {
  readonly customer: {
    readonly id: string;
    readonly displayName: string;
    readonly emailAddress: { readonly emailAddress: string | null } | null;
    readonly orders: {
      readonly nodes: readonly Order[];
      readonly pageInfo: { readonly hasNextPage: boolean; readonly endCursor: string | null };
    };
  } | null;
}

const profile = must('[data-testid=profile]');
const tbody = must('[data-testid=orders] tbody');
const empty = must('.orders-empty');
const loadMore = must<HTMLButtonElement>('[data-testid=load-more]');
let cursor: string | null = null;
let loaded = false;

const client = startShell({ onSignedOut: showSignedOut });

function showSignedOut(): void {
  loaded = false;
  const signIn = h('button', { type: 'button', class: 'button' }, 'Sign in');
  signIn.addEventListener('click', () => client.signIn({ returnTo: '/account' }));
  profile.removeAttribute('aria-busy');
  profile.replaceChildren(h('p', {}, 'Sign in to see your profile and orders.'), signIn);
  tbody.replaceChildren();
  empty.hidden = true;
  loadMore.hidden = true;
}

function showError(error: unknown): void {
  profile.removeAttribute('aria-busy');
  if (error instanceof CustomerClientError && error.code === 'REAUTH_REQUIRED') return; // leaving
  const text =
    error instanceof CustomerClientError && error.code === 'OFFLINE'
      ? 'You are offline: your account will load when the network is back.'
      : error instanceof CustomerClientError && error.code === 'UPSTREAM_UNAVAILABLE'
        ? 'The store is briefly unavailable. You are still signed in; try again in a moment.'
        : 'Something went wrong loading your account.';
  if (!loaded) profile.replaceChildren(h('p', { class: 'error', 'data-testid': 'account-error' }, text));
}

const money = (price: Order['totalPrice']): string =>
  new Intl.NumberFormat(undefined, { style: 'currency', currency: price.currencyCode }).format(Number(price.amount));

function appendOrders(orders: readonly Order[]): void {
  for (const order of orders) {
    tbody.append(
      h(
        'tr',
        { 'data-testid': 'order-row' },
        h('td', {}, order.name),
        h('td', {}, new Date(order.processedAt).toLocaleDateString()),
        h(
          'td',
          {},
          h('span', { class: 'badge' }, (order.financialStatus ?? 'pending').toLowerCase().replace('_', ' ')),
        ),
        h('td', { class: 'num' }, money(order.totalPrice)),
      ),
    );
  }
}

async function load(more: boolean): Promise<void> {
  const { data, errors } = await client.query<AccountData>(ACCOUNT_QUERY, {
    first: PAGE_SIZE,
    after: more ? cursor : null,
  });
  const customer = data?.customer;
  if (!customer) throw new Error(errors?.[0]?.message ?? 'no customer');
  if (!more) {
    profile.removeAttribute('aria-busy');
    profile.replaceChildren(
      h('p', { class: 'name', 'data-testid': 'profile-name' }, customer.displayName),
      h('p', { class: 'muted', 'data-testid': 'profile-email' }, customer.emailAddress?.emailAddress ?? '—'),
    );
    tbody.replaceChildren();
  }
  appendOrders(customer.orders.nodes);
  cursor = customer.orders.pageInfo.endCursor;
  loadMore.hidden = !customer.orders.pageInfo.hasNextPage;
  empty.hidden = tbody.children.length > 0;
  loaded = true;
}

loadMore.addEventListener('click', () => {
  loadMore.disabled = true;
  load(true)
    .catch(showError)
    .finally(() => {
      loadMore.disabled = false;
    });
});

const edits = mountAccountEdits(client, () => void load(false).catch(showError));
/** The account page's two reads: the profile and orders, and the address book. */
const loadAll = (): void => {
  void load(false).catch(showError);
  void edits.load().catch(() => undefined);
};
client.on('signed-in', loadAll);
client.on('online', () => {
  if (!loaded && client.current?.authenticated) loadAll();
});
void client.ready.then((view) => {
  if (view !== null && !view.authenticated) showSignedOut();
});
