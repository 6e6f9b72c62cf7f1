/** The storefront home: products, and a greeting from the Customer Account API when signed in. */
import { mountCart } from './cart.ts';
import { must } from './dom.ts';
import { startShell } from './shell.ts';

const client = startShell();
mountCart(client);
const greeting = must('[data-testid=greeting]');
const defaultGreeting = greeting.textContent ?? '';

interface Greeting {
  readonly customer: { readonly firstName: string | null; readonly displayName: string } | null;
}

client.on('signed-in', () => {
  client.query<Greeting>('query Greeting { customer { firstName displayName } }').then(
    ({ data }) => {
      const name = data?.customer?.firstName ?? data?.customer?.displayName;
      if (name) greeting.textContent = `Welcome back, ${name}. Free repairs, for life, on everything you own.`;
    },
    () => undefined, // the banner or the sign-out flow already says what happened
  );
});
client.on('signed-out', () => {
  greeting.textContent = defaultGreeting;
});
