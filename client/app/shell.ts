/**
 * What every storefront page shares: the customer client, the header's sign-in state, the offline
 * banner and the session panel. Pages call `startShell()` and render their own content.
 */
import { createCustomerClient, type CustomerClient } from '../lib/index.ts';
import type { SessionView, SignedOutReason } from '../messages.ts';
import { createDemoControls, type DemoControls } from './demo.ts';
import { h, must } from './dom.ts';
import { mountPanel } from './panel.ts';
import './styles.css';

declare global {
  interface Window {
    /** For devtools and the browser tests: the page's customer client and the demo's controls. */
    storefront?: { readonly client: CustomerClient; readonly demo: DemoControls };
  }
}

export interface ShellOptions {
  /** Called when the session ends by someone signing out (a dead session goes to the login page). */
  readonly onSignedOut?: () => void;
}

export function startShell(options: ShellOptions = {}): CustomerClient {
  const slot = must('.session-slot');
  const banner = must('.offline-banner');

  const setState = (state: 'signed-in' | 'signed-out' | 'unknown'): void => {
    document.documentElement.dataset['session'] = state;
  };

  const renderSignedIn = (view: SessionView): void => {
    setState('signed-in');
    const signOut = h(
      'button',
      { type: 'button', class: 'button secondary small', 'data-testid': 'sign-out' },
      'Sign out',
    );
    signOut.addEventListener('click', () => client.signOut());
    slot.replaceChildren(h('span', { class: 'who' }, view.customer?.email ?? 'Signed in'), signOut);
  };
  const renderSignedOut = (): void => {
    setState('signed-out');
    const signIn = h('button', { type: 'button', class: 'button small', 'data-testid': 'sign-in' }, 'Sign in');
    signIn.addEventListener('click', () => client.signIn());
    slot.replaceChildren(signIn);
  };

  const client = createCustomerClient({
    onSignedOut(reason: SignedOutReason) {
      renderSignedOut();
      // A dead session sends one tab of this browser to sign-in (the library's default: the tab the
      // customer is looking at); the others show signed out until that sign-in brings them back. A
      // deliberate sign-out elsewhere just shows this tab signed out.
      if (reason === 'reauth_required') void client.reauthenticate();
      options.onSignedOut?.();
    },
  });
  const demo = createDemoControls(client);
  window.storefront = { client, demo };

  client.on('signed-in', renderSignedIn);
  client.on('offline', () => {
    banner.hidden = false;
  });
  client.on('online', () => {
    banner.hidden = true;
    if (client.current !== null && !client.current.authenticated) renderSignedOut();
  });
  void client.ready.then((view) => {
    if (view === null) {
      slot.textContent = 'Offline';
      return;
    }
    if (!view.authenticated) renderSignedOut();
  });

  mountPanel(must('.panel'), client, demo);
  return client;
}
