/**
 * The session store on its own. The real client needs a window (BroadcastChannel, navigator, location):
 * here a client-shaped object over the client's own Emitter stands in; the bindings run against the
 * real client in Chromium in tests/e2e/react.spec.ts.
 */
import { describe, expect, it } from 'vitest';
import type { CustomerClientEvents, SessionView } from '../lib/index.ts';
import { Emitter } from '../lib/emitter.ts';
import { createSessionStore, sameSnapshot, snapshotOf, UNKNOWN_SESSION } from './store.ts';

const signedIn: SessionView = {
  authenticated: true,
  customer: { id: 'c1', email: 'alice@example.com' },
  expiresAt: 1,
  graphqlApiUrl: '',
  refreshBufferSeconds: 60,
  demo: false,
};
const signedOut: SessionView = { ...signedIn, authenticated: false, customer: null, expiresAt: null };

describe('snapshotOf', () => {
  it('unknown before the first session read', () =>
    expect(snapshotOf({ current: null, refreshing: false, offline: true })).toEqual({
      ...UNKNOWN_SESSION,
      offline: true,
    }));
  it('signed in, with the customer', () =>
    expect(snapshotOf({ current: signedIn, refreshing: true, offline: false })).toEqual({
      status: 'signed-in',
      customer: { id: 'c1', email: 'alice@example.com' },
      refreshing: true,
      offline: false,
    }));
  it('signed out: no customer, even if the view still names one', () =>
    expect(snapshotOf({ current: { ...signedIn, authenticated: false }, refreshing: false, offline: false })).toEqual({
      status: 'signed-out',
      customer: null,
      refreshing: false,
      offline: false,
    }));
});

describe('sameSnapshot', () => {
  const a = snapshotOf({ current: signedIn, refreshing: false, offline: false });
  it('equal by value', () => expect(sameSnapshot(a, { ...a, customer: { ...signedIn.customer! } })).toBe(true));
  it.each([
    ['status', { status: 'signed-out' as const }],
    ['refreshing', { refreshing: true }],
    ['offline', { offline: true }],
    ['customer', { customer: { id: 'c2', email: null } }],
  ])('differs by %s', (_name, change) => expect(sameSnapshot(a, { ...a, ...change })).toBe(false));
});

describe('createSessionStore', () => {
  function clientLike() {
    const events = new Emitter<CustomerClientEvents>();
    let settle: (view: SessionView | null) => void = () => undefined;
    const client = {
      current: null as SessionView | null,
      refreshing: false,
      offline: false,
      ready: new Promise<SessionView | null>((resolve) => {
        settle = resolve;
      }),
      on: events.on.bind(events),
    };
    return { client, events, settle: (view: SessionView | null) => settle(view) };
  }

  it('keeps one snapshot object while nothing changed, a new one when something did', () => {
    const { client } = clientLike();
    const store = createSessionStore(client);
    const first = store.getSnapshot();
    expect(store.getSnapshot()).toBe(first);
    client.current = signedIn;
    const second = store.getSnapshot();
    expect(second).not.toBe(first);
    expect(second.status).toBe('signed-in');
    expect(store.getSnapshot()).toBe(second);
  });

  it('tells subscribers of every event that may change it, and of the first session read', async () => {
    const { client, events, settle } = clientLike();
    const store = createSessionStore(client);
    let heard = 0;
    const off = store.subscribe(() => (heard += 1));
    events.emit('refreshing', { active: true });
    events.emit('signed-out', { reason: 'signed_out' });
    events.emit('offline', undefined);
    expect(heard).toBe(3);
    client.current = signedOut;
    settle(signedOut);
    await client.ready;
    await Promise.resolve();
    expect(heard).toBe(4);
    off();
    events.emit('signed-in', signedIn);
    expect(heard).toBe(4);
  });
});
