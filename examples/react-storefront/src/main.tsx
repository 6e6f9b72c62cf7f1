/**
 * The storefront's entry: it registers ITS OWN service worker (src/sw.ts, which installs the customer
 * session next to its Workbox routes), and gives the React tree one customer client in `external` mode,
 * which registers no service worker and only talks to whichever one controls the page.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createCustomerClient } from 'shopify-customer-session/client';
import { CustomerSessionProvider } from 'shopify-customer-session/react';
import { App } from './App';
import './styles.css';

if ('serviceWorker' in navigator) {
  // A classic script (vite.config.ts bundles it whole), scope `/`.
  navigator.serviceWorker.register('/sw.js').catch((error: unknown) => console.error('service worker', error));
}

const customer = createCustomerClient({
  // Where server.ts mounts the BFF.
  basePath: '/account-session',
  serviceWorker: 'external',
  label: `storefront ${location.pathname}`,
  onSignedOut(reason) {
    // The session died (a revoked or expired grant): one tab of this browser goes to sign in again (the
    // one the customer is looking at), the others wait, signed out, and come back with it. A sign-out
    // made in another tab only turns this one signed out (the hooks re-render).
    if (reason === 'reauth_required') void customer.reauthenticate(); // one tab signs in for all
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <CustomerSessionProvider client={customer}>
      <App />
    </CustomerSessionProvider>
  </StrictMode>,
);
