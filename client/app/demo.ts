/**
 * The demo panel's controls (only when the BFF runs against the emulator: `SessionView.demo`): they
 * move the session behind every context's back, so each one ends with `client.resync()`, which tells
 * the SW and the other tabs. Demo-only: not part of the customer client library.
 */
import { CustomerClientError, type CustomerClient } from '../lib/index.ts';

export interface DemoControls {
  /** Puts the session's tokens inside the refresh buffer: the next call refreshes. */
  expireSoon(): Promise<void>;
  /** Revokes the grant at the emulator: the next refresh signs every tab out. */
  revoke(): Promise<void>;
  /** The next `count` token-endpoint calls fail with 503 (a Shopify outage). */
  outage(count?: number): Promise<void>;
}

/**
 * The controls for `client`'s session; `basePath` as given to the client (the demo runs at the root).
 * Each one throws CustomerClientError `HTTP_ERROR` when the BFF refuses it.
 */
export function createDemoControls(client: CustomerClient, basePath = ''): DemoControls {
  async function post(path: string, body: unknown = {}): Promise<void> {
    const url = `${basePath}/demo/${path}`;
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-CSRF': '1' },
      body: JSON.stringify(body),
      credentials: 'same-origin',
    });
    // Read to the end: an answer left unread keeps its connection (and the browser's record of it) busy.
    await response.text();
    if (!response.ok) throw new CustomerClientError('HTTP_ERROR', response.status, `${url}: ${response.status}`);
    await client.resync();
  }
  return {
    expireSoon: () => post('expire-soon'),
    revoke: () => post('revoke'),
    outage: (count = 3) => post('outage', { count }),
  };
}
