/**
 * A storefront page without a service worker of its own, on the package's ready-made one
 * (`shopify-customer-session/sw.js`, here served by the BFF from dist/client): the client registers it
 * (`serviceWorker: 'register'`) with its configuration in the script URL.
 */
import { createDemoControls } from '../../../client/app/demo.ts';
import { createCustomerClient } from '../../../client/lib/index.ts';

const setState = (state: 'signed-in' | 'signed-out'): void => {
  document.documentElement.dataset['session'] = state;
};

const client = createCustomerClient({
  serviceWorker: 'register',
  serviceWorkerUrl: '/customer-session-ready-sw.js',
  label: `ready-made-sw tab ${location.pathname}`,
  onSignedOut: () => setState('signed-out'),
});
window.storefront = { client, demo: createDemoControls(client) };
client.on('signed-in', () => setState('signed-in'));
void client.ready.then((view) => {
  if (view !== null && !view.authenticated) setState('signed-out');
});
