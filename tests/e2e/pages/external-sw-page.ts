/**
 * A storefront page whose service worker is the storefront's own (external-sw.js): the client in
 * `external` mode only talks to whatever SW controls the page; the page registers its SW itself.
 */
import { createDemoControls } from '../../../client/app/demo.ts';
import { createCustomerClient } from '../../../client/lib/index.ts';

const setState = (state: 'signed-in' | 'signed-out'): void => {
  document.documentElement.dataset['session'] = state;
};

const client = createCustomerClient({
  serviceWorker: 'external',
  label: `own-sw tab ${location.pathname}`,
  onSignedOut: () => setState('signed-out'),
});
window.storefront = { client, demo: createDemoControls(client) };
client.on('signed-in', () => setState('signed-in'));
void client.ready.then((view) => {
  if (view !== null && !view.authenticated) setState('signed-out');
});

void navigator.serviceWorker.register('/__e2e/external-sw/sw.js');
