/**
 * The customer session as an external store for React's `useSyncExternalStore`: an immutable snapshot
 * derived from the client, replaced only when a field changed (React re-renders on a new object, and
 * `getSnapshot` must return the same one while nothing changed). No React import: tested on its own.
 */
import type { CustomerClient, CustomerClientEvents, SessionView } from '../lib/index.ts';

export type CustomerSessionStatus = 'unknown' | 'signed-in' | 'signed-out';

/** What a component sees of the session: never a token (the client has none). */
export interface CustomerSessionSnapshot {
  /** `unknown` until the first `GET /auth/session` answered (and while offline since the page loaded). */
  readonly status: CustomerSessionStatus;
  readonly customer: SessionView['customer'];
  /** Some context (this tab, another tab, the SW) is refreshing the tokens right now. */
  readonly refreshing: boolean;
  readonly offline: boolean;
}

/** Before the client exists (server render, first render): nothing known yet. */
export const UNKNOWN_SESSION: CustomerSessionSnapshot = Object.freeze({
  status: 'unknown',
  customer: null,
  refreshing: false,
  offline: false,
});

/** The snapshot for what the client knows now. */
export function snapshotOf(facts: Pick<CustomerClient, 'current' | 'refreshing' | 'offline'>): CustomerSessionSnapshot {
  const view = facts.current;
  return {
    status: view === null ? 'unknown' : view.authenticated ? 'signed-in' : 'signed-out',
    customer: view?.authenticated ? view.customer : null,
    refreshing: facts.refreshing,
    offline: facts.offline,
  };
}

/** Field-by-field equality (the customer by id and e-mail). */
export function sameSnapshot(a: CustomerSessionSnapshot, b: CustomerSessionSnapshot): boolean {
  return (
    a.status === b.status &&
    a.refreshing === b.refreshing &&
    a.offline === b.offline &&
    a.customer?.id === b.customer?.id &&
    a.customer?.email === b.customer?.email
  );
}

export interface SessionStore {
  subscribe(onChange: () => void): () => void;
  getSnapshot(): CustomerSessionSnapshot;
}

/** The client events after which the snapshot may differ. */
const CHANGES: ReadonlyArray<keyof CustomerClientEvents> = [
  'signed-in',
  'signed-out',
  'refreshing',
  'refreshed',
  'offline',
  'online',
];

/** A store over `client`: subscribers hear of every event that may change the snapshot. */
export function createSessionStore(
  client: Pick<CustomerClient, 'current' | 'refreshing' | 'offline' | 'on' | 'ready'>,
): SessionStore {
  let snapshot = snapshotOf(client);
  return {
    subscribe(onChange) {
      const offs = CHANGES.map((event) => client.on(event, onChange));
      // The first session read may end with no event (signed out, or offline): it changes `current`.
      let live = true;
      void client.ready.then(() => {
        if (live) onChange();
      });
      return () => {
        live = false;
        for (const off of offs) off();
      };
    },
    getSnapshot() {
      const next = snapshotOf(client);
      if (!sameSnapshot(next, snapshot)) snapshot = next;
      return snapshot;
    },
  };
}
