/**
 * The session panel: is a SW controlling this page, the session's expiry counting down (no token,
 * ever), the stream of session events from every tab and the SW, and the demo controls.
 */
import type { CustomerClient } from '../lib/index.ts';
import type { DemoControls } from './demo.ts';
import { formatCountdown, formatTime, h } from './dom.ts';
import { describeMessage } from './events.ts';

const MAX_EVENTS = 60;

export function mountPanel(root: HTMLElement, client: CustomerClient, controls: DemoControls): void {
  const controller = h('dd', { 'data-testid': 'sw-status' });
  const who = h('dd', { 'data-testid': 'panel-customer' }, '…');
  const expiry = h('dd', { 'data-testid': 'expiry-countdown' }, '—');
  const network = h('dd', { 'data-testid': 'network-status' }, 'online');
  const list = h('ol', { class: 'events', 'data-testid': 'event-stream', reversed: '' });
  const demo = h('div', { class: 'demo', hidden: '' });
  const status = h('p', { class: 'demo-status muted', role: 'status' });

  root.append(
    h('h2', {}, 'Session'),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Service worker'),
      controller,
      h('dt', {}, 'Customer'),
      who,
      h('dt', {}, 'Token refresh due'),
      expiry,
      h('dt', {}, 'Network'),
      network,
    ),
    demo,
    h('h3', {}, 'Events from every tab'),
    list,
  );

  const renderController = (): void => {
    controller.textContent = client.controlled ? 'controlling this page' : 'not controlling (direct path)';
    controller.dataset['controlled'] = String(client.controlled);
  };
  const renderCustomer = (): void => {
    const view = client.current;
    who.textContent = view?.authenticated ? (view.customer?.email ?? 'signed in') : 'signed out';
  };
  const renderExpiry = (): void => {
    const expiresAtMs = client.expiresAtMs;
    const buffer = (client.current?.refreshBufferSeconds ?? 60) * 1000;
    if (expiresAtMs === null) {
      expiry.textContent = '—';
      return;
    }
    // The countdown is to the moment a call would refresh first, i.e. expiry minus the buffer.
    const dueMs = expiresAtMs - buffer;
    expiry.textContent = `${formatCountdown(dueMs, Date.now())} (expires ${formatTime(expiresAtMs)})`;
  };

  client.on('activity', ({ message, own }) => {
    const line = describeMessage(message, own);
    const item = h(
      'li',
      { class: `event event-${line.kind}`, 'data-from': message.from.id },
      h('time', {}, formatTime(message.atMs)),
      h('span', { class: 'source' }, line.source),
      h('span', { class: 'text' }, line.text),
    );
    list.prepend(item);
    while (list.children.length > MAX_EVENTS) list.lastElementChild?.remove();
    renderExpiry();
  });
  client.on('controller', renderController);
  let demoMode = false;
  // The demo controls act on the signed-in session: shown only while there is one.
  const renderDemo = (): void => {
    demo.hidden = !(demoMode && client.current?.authenticated === true);
  };
  client.on('signed-in', () => {
    renderCustomer();
    renderDemo();
  });
  client.on('signed-out', () => {
    renderCustomer();
    renderDemo();
  });
  client.on('offline', () => {
    network.textContent = 'offline';
  });
  client.on('online', () => {
    network.textContent = 'online';
  });

  renderController();
  setInterval(() => {
    renderExpiry();
    renderController();
  }, 1000);

  void client.ready.then((view) => {
    renderCustomer();
    renderExpiry();
    if (!view?.demo) return;
    const button = (label: string, testId: string, action: () => Promise<void>, done: string) => {
      const element = h('button', { type: 'button', class: 'button small', 'data-testid': testId }, label);
      element.addEventListener('click', () => {
        status.textContent = '…';
        action().then(
          () => {
            status.textContent = done;
            renderExpiry();
          },
          (error: unknown) => {
            status.textContent = error instanceof Error ? error.message : 'failed';
          },
        );
      });
      return element;
    };
    demo.append(
      h('h3', {}, 'Demo controls'),
      button('Make tokens expire soon', 'demo-expire-soon', controls.expireSoon, 'The next call refreshes.'),
      button('Revoke refresh token', 'demo-revoke', controls.revoke, 'Revoked: the next refresh signs everyone out.'),
      button('Inject Shopify outage', 'demo-outage', () => controls.outage(3), 'The next 3 token calls fail with 503.'),
      status,
    );
    demoMode = true;
    renderDemo();
  });
}
