/**
 * A server render (Node, no window): the provider creates its client only after mounting, so the
 * hooks render the unknown state and nothing touches `window`, `location` or `navigator`'s SW.
 */
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { CustomerSessionProvider, useCustomerClient, useCustomerQuery, useCustomerSession } from './index.ts';

function Probe() {
  const session = useCustomerSession();
  const query = useCustomerQuery('{ customer { id } }');
  const client = useCustomerClient();
  return createElement(
    'p',
    null,
    `${session.status}|${session.customer === null}|${query.loading}|${query.data === null}|${client === null}`,
  );
}

describe('server render', () => {
  it('renders the unknown session with no client yet', () => {
    expect(typeof (globalThis as { window?: unknown }).window).toBe('undefined');
    const html = renderToString(
      createElement(CustomerSessionProvider, { options: { basePath: '/account-session' } }, createElement(Probe)),
    );
    expect(html).toBe('<p>unknown|true|true|true|true</p>');
  });

  it('the hooks refuse to run outside a provider', () =>
    expect(() => renderToString(createElement(Probe))).toThrow(/CustomerSessionProvider/));
});
