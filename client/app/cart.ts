/**
 * The demo's cart: a Storefront API cart (through the BFF's `/api/storefront/graphql`), its id kept in
 * this browser, bound to the customer whenever one is signed in (`attachCart`), so that the checkout
 * link opens signed in. The BFF detaches it at sign-out.
 */
import type { CustomerClient } from '../lib/index.ts';
import { h, must } from './dom.ts';

const CART_KEY = 'northwind.cart';
const CART_FIELDS = 'id checkoutUrl totalQuantity buyerIdentity { email }';

interface Cart {
  readonly id: string;
  readonly checkoutUrl: string;
  readonly totalQuantity: number;
  readonly buyerIdentity: { readonly email: string | null };
}

async function storefront<T>(query: string, variables: Record<string, unknown>): Promise<T> {
  const response = await fetch('/api/storefront/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'X-CSRF': '1' },
    body: JSON.stringify({ query, variables }),
  });
  if (!response.ok) throw new Error(`the store answered ${response.status}`);
  const { data } = (await response.json()) as { data: T };
  return data;
}

export function mountCart(client: CustomerClient): void {
  const summary = must('[data-testid=cart]');
  let cart: Cart | null = null;

  const render = (): void => {
    if (cart === null || cart.totalQuantity === 0) {
      summary.replaceChildren(h('span', { class: 'muted' }, 'Your cart is empty.'));
      return;
    }
    const who = cart.buyerIdentity.email;
    summary.replaceChildren(
      h('span', { 'data-testid': 'cart-count' }, `${cart.totalQuantity} in your cart`),
      h(
        'a',
        { class: 'button small', href: cart.checkoutUrl, 'data-testid': 'checkout' },
        who === null ? 'Checkout' : `Checkout as ${who}`,
      ),
    );
  };

  const attach = async (): Promise<void> => {
    if (cart === null || !client.current?.authenticated) return;
    const { cart: attached } = await client.attachCart(cart.id);
    if (attached !== null) cart = { ...cart, buyerIdentity: { email: attached.buyerIdentity.email } };
    render();
  };

  const add = async (variantId: string): Promise<void> => {
    const lines = [{ merchandiseId: variantId, quantity: 1 }];
    if (cart === null) {
      const data = await storefront<{ cartCreate: { cart: Cart } }>(
        `mutation($lines: [CartLineInput!]) { cartCreate(input: { lines: $lines }) { cart { ${CART_FIELDS} } } }`,
        { lines },
      );
      cart = data.cartCreate.cart;
      localStorage.setItem(CART_KEY, cart.id);
      // The cart exists either way: a failed attach (signed out, Shopify away) must not hide it.
      await attach().catch(() => undefined);
    } else {
      const data = await storefront<{ cartLinesAdd: { cart: Cart } }>(
        `mutation($id: ID!, $lines: [CartLineInput!]!) { cartLinesAdd(cartId: $id, lines: $lines) { cart { ${CART_FIELDS} } } }`,
        { id: cart.id, lines },
      );
      cart = data.cartLinesAdd.cart;
    }
    render();
  };

  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-variant]')) {
    button.addEventListener('click', () => {
      button.disabled = true;
      add(button.dataset['variant']!)
        .catch(() => summary.replaceChildren(h('span', { class: 'error' }, 'The cart is unavailable right now.')))
        .finally(() => {
          button.disabled = false;
        });
    });
  }

  const saved = localStorage.getItem(CART_KEY);
  if (saved !== null) {
    void storefront<{ cart: Cart | null }>(`query($id: ID!) { cart(id: $id) { ${CART_FIELDS} } }`, { id: saved }).then(
      (data) => {
        cart = data.cart;
        if (cart === null) localStorage.removeItem(CART_KEY);
        render();
        void attach().catch(() => undefined);
      },
      () => render(),
    );
  } else {
    render();
  }
  client.on('signed-in', () => void attach().catch(() => undefined));
  client.on('signed-out', () => {
    // Detached at the BFF: the cart is this browser's again, with no buyer.
    if (cart !== null) cart = { ...cart, buyerIdentity: { email: null } };
    render();
  });
}
