import { describe, expect, it } from 'vitest';
import { createCoordinator, type CoordinatorDeps } from './coordinator.ts';
import { LockTimeoutError, type WithLock } from './lock.ts';
import { bffPaths, type BusPayload } from './policy.ts';

const NOW = 1_700_000_000_000;
const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

/** A fake BFF: one session whose expiry moves on refresh; counts calls per path. */
function fakeBff(options: {
  expiresAtMs: number;
  refresh?: () => Response;
  graphql?: () => Response;
  /** Where the BFF is mounted: any other path is a 404. */
  basePath?: string;
}) {
  const basePath = options.basePath ?? '';
  const state = { expiresAtMs: options.expiresAtMs, authenticated: true };
  const calls: string[] = [];
  const bodies: { path: string; headers: Headers; body: string; referrer: string | undefined }[] = [];
  const fetch: CoordinatorDeps['fetch'] = async (url, init) => {
    calls.push(url);
    const headers = new Headers(init.headers);
    bodies.push({ path: url, headers, body: typeof init.body === 'string' ? init.body : '', referrer: init.referrer });
    const expiry = { 'X-Session-Expires-At': String(state.expiresAtMs) };
    switch (url.startsWith(`${basePath}/`) ? url.slice(basePath.length) : null) {
      case '/auth/session':
        return json(200, {
          authenticated: state.authenticated,
          customer: state.authenticated ? { id: 'c1', email: null } : null,
          expiresAt: state.authenticated ? state.expiresAtMs : null,
          graphqlApiUrl: 'https://shopify.com/1/account/customer/api/2026-04/graphql',
          refreshBufferSeconds: 60,
          demo: false,
        });
      case '/auth/refresh': {
        if (options.refresh) return options.refresh();
        state.expiresAtMs = NOW + 3_600_000;
        return json(200, { expiresAt: state.expiresAtMs }, { 'X-Session-Expires-At': String(state.expiresAtMs) });
      }
      case '/api/customer/graphql':
        return options.graphql ? options.graphql() : json(200, { data: { customer: { id: 'c1' } } }, expiry);
      default:
        return json(404, {});
    }
  };
  return { state, calls, bodies, fetch };
}

/** An in-process mutex standing in for Web Locks. */
function mutex(): WithLock {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>) => {
    const run = tail.then(task);
    tail = run.catch(() => undefined);
    return run;
  };
}

function setup(bff: ReturnType<typeof fakeBff>, overrides: Partial<CoordinatorDeps> = {}) {
  const published: BusPayload[] = [];
  const coordinator = createCoordinator({
    fetch: bff.fetch,
    withLock: mutex(),
    publish: (payload) => published.push(payload),
    nowMs: () => NOW,
    bufferSeconds: () => 60,
    requestTimeoutMs: 1000,
    ...overrides,
  });
  return { coordinator, published };
}

const count = (calls: string[], path: string) => calls.filter((c) => c === path).length;

describe('coordinator.ensureFresh', () => {
  it('learns an unknown session once, then does nothing while fresh', async () => {
    const bff = fakeBff({ expiresAtMs: NOW + 3_600_000 });
    const { coordinator } = setup(bff);
    expect(await Promise.all([coordinator.ensureFresh(), coordinator.ensureFresh()])).toEqual(['fresh', 'fresh']);
    expect(await coordinator.ensureFresh()).toBe('fresh');
    expect(bff.calls).toEqual(['/auth/session']);
  });

  it('refreshes once for many concurrent callers inside the buffer and publishes it', async () => {
    const bff = fakeBff({ expiresAtMs: NOW + 30_000 });
    const { coordinator, published } = setup(bff);
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => coordinator.ensureFresh()));
    expect(new Set(outcomes)).toEqual(new Set(['refreshed']));
    expect(count(bff.calls, '/auth/refresh')).toBe(1);
    expect(published).toEqual([{ type: 'refreshing' }, { type: 'refreshed', expiresAtMs: NOW + 3_600_000 }]);
    expect(bff.bodies.find((b) => b.path === '/auth/refresh')?.headers.get('X-CSRF')).toBe('1');
  });

  it('a BFF under a base path: the session read, the refresh and the call all go there', async () => {
    const bff = fakeBff({ expiresAtMs: NOW + 30_000, basePath: '/account-session' });
    const { coordinator } = setup(bff, { paths: bffPaths('/account-session') });
    expect((await coordinator.forward('{}', null)).status).toBe(200);
    expect(new Set(bff.calls)).toEqual(
      new Set([
        '/account-session/auth/session',
        '/account-session/auth/refresh',
        '/account-session/api/customer/graphql',
      ]),
    );
  });

  it('two contexts sharing one lock: the waiter re-checks the session and reuses the refresh', async () => {
    const bff = fakeBff({ expiresAtMs: NOW + 30_000 });
    const lock = mutex();
    const a = setup(bff, { withLock: lock });
    const b = setup(bff, { withLock: lock });
    // Both already believe the session is inside the buffer.
    a.coordinator.onBusMessage({
      v: 1,
      type: 'expiry',
      expiresAtMs: NOW + 30_000,
      from: { kind: 'page', id: 'x', label: 'x' },
      atMs: NOW,
    });
    b.coordinator.onBusMessage({
      v: 1,
      type: 'expiry',
      expiresAtMs: NOW + 30_000,
      from: { kind: 'page', id: 'x', label: 'x' },
      atMs: NOW,
    });
    const outcomes = await Promise.all([a.coordinator.ensureFresh(), b.coordinator.ensureFresh()]);
    expect(outcomes).toEqual(['refreshed', 'fresh']);
    expect(count(bff.calls, '/auth/refresh')).toBe(1);
  });

  it("a waiter that got the holder's refreshed message skips even the session read", async () => {
    const bff = fakeBff({ expiresAtMs: NOW + 30_000 });
    const { coordinator } = setup(bff, {
      withLock: async (task) => {
        coordinator.onBusMessage({
          v: 1,
          type: 'refreshed',
          expiresAtMs: NOW + 3_600_000,
          from: { kind: 'sw', id: 's', label: 's' },
          atMs: NOW,
        });
        return task();
      },
    });
    coordinator.onBusMessage({
      v: 1,
      type: 'expiry',
      expiresAtMs: NOW + 30_000,
      from: { kind: 'page', id: 'x', label: 'x' },
      atMs: NOW,
    });
    expect(await coordinator.ensureFresh()).toBe('fresh');
    expect(bff.calls).toEqual([]);
  });

  it('a dead refresh token: reauth, one logout broadcast', async () => {
    const bff = fakeBff({
      expiresAtMs: NOW + 30_000,
      refresh: () => json(401, { error: 'reauth_required', loginUrl: '/auth/login?returnTo=%2F' }),
    });
    const { coordinator, published } = setup(bff);
    expect(await coordinator.ensureFresh()).toBe('reauth');
    expect(published).toEqual([{ type: 'refreshing' }, { type: 'logout', reason: 'reauth_required' }]);
    expect(coordinator.knowledge).toEqual({ state: 'signed-out' });
  });

  it('a Shopify hiccup (503) is not a logout', async () => {
    const bff = fakeBff({ expiresAtMs: NOW + 30_000, refresh: () => json(503, { error: 'upstream_unavailable' }) });
    const { coordinator, published } = setup(bff);
    expect(await coordinator.ensureFresh()).toBe('unavailable');
    expect(published).toEqual([{ type: 'refreshing' }, { type: 'refresh-failed', error: 'upstream_unavailable' }]);
    expect(coordinator.knowledge.state).toBe('signed-in');
  });

  it('a 200 that kept the old expiry is a hiccup: no refreshed message, then a pause', async () => {
    const bff = fakeBff({
      expiresAtMs: NOW + 30_000,
      refresh: () => json(200, { expiresAt: NOW + 30_000 }),
    });
    let now = NOW;
    const { coordinator, published } = setup(bff, { nowMs: () => now });
    expect(await coordinator.ensureFresh()).toBe('unavailable');
    expect(published).toEqual([{ type: 'refreshing' }, { type: 'refresh-failed', error: 'upstream_unavailable' }]);
    // Paused: calls go straight on without asking again…
    expect(await coordinator.ensureFresh()).toBe('unavailable');
    expect(count(bff.calls, '/auth/refresh')).toBe(1);
    // …until the pause is over.
    now += 5001;
    await coordinator.ensureFresh();
    expect(count(bff.calls, '/auth/refresh')).toBe(2);
  });

  it('a network failure is offline, not a logout', async () => {
    const { coordinator, published } = setup(fakeBff({ expiresAtMs: 0 }), {
      fetch: () => Promise.reject(new TypeError('Failed to fetch')),
    });
    expect(await coordinator.ensureFresh()).toBe('offline');
    expect(published).toEqual([]);
  });

  it('a lock that is never granted times out without a refresh', async () => {
    const bff = fakeBff({ expiresAtMs: NOW + 30_000 });
    const { coordinator, published } = setup(bff, {
      withLock: () => Promise.reject(new LockTimeoutError('not granted')),
    });
    expect(await coordinator.ensureFresh()).toBe('lock-timeout');
    expect(count(bff.calls, '/auth/refresh')).toBe(0);
    expect(published).toEqual([{ type: 'refresh-failed', error: 'lock_timeout' }]);
  });

  it('a lock that cannot be taken at all (a SW without Web Locks: import() is disallowed) is no refresh, no logout', async () => {
    const bff = fakeBff({ expiresAtMs: NOW + 30_000 });
    const { coordinator, published } = setup(bff, {
      withLock: () => Promise.reject(new TypeError('import() is disallowed on ServiceWorkerGlobalScope')),
    });
    expect(await coordinator.ensureFresh()).toBe('unavailable');
    expect((await coordinator.forward('{}', null)).status).toBe(200);
    expect(count(bff.calls, '/auth/refresh')).toBe(0);
    expect(published).toEqual([]);
  });

  it('reads bufferSeconds at every decision (a page learns it late; the SW has it fixed)', async () => {
    const bff = fakeBff({ expiresAtMs: NOW + 30_000 });
    let bufferSeconds = 10;
    const { coordinator } = setup(bff, { bufferSeconds: () => bufferSeconds });
    expect(await coordinator.ensureFresh()).toBe('fresh');
    bufferSeconds = 60;
    expect(await coordinator.ensureFresh()).toBe('refreshed');
    expect(count(bff.calls, '/auth/refresh')).toBe(1);
  });

  it('a signed-out session is never refreshed', async () => {
    const bff = fakeBff({ expiresAtMs: NOW + 30_000 });
    bff.state.authenticated = false;
    const { coordinator } = setup(bff);
    expect(await coordinator.ensureFresh()).toBe('signed-out');
    expect(await coordinator.ensureFresh()).toBe('signed-out');
    expect(bff.calls).toEqual(['/auth/session']);
  });
});

describe('coordinator.forward', () => {
  it('adds X-CSRF, keeps the body and learns the expiry header', async () => {
    const bff = fakeBff({ expiresAtMs: NOW + 3_600_000 });
    const { coordinator } = setup(bff);
    const response = await coordinator.forward('{"query":"{ customer { id } }"}', 'application/json');
    expect(response.status).toBe(200);
    const call = bff.bodies.find((b) => b.path === '/api/customer/graphql');
    expect(call?.headers.get('X-CSRF')).toBe('1');
    expect(call?.body).toBe('{"query":"{ customer { id } }"}');
    expect(coordinator.knowledge).toEqual({ state: 'signed-in', expiresAtMs: NOW + 3_600_000 });
  });

  it("sends the calling page's URL as the referrer, so a sign-in asked for comes back to the page", async () => {
    const bff = fakeBff({ expiresAtMs: NOW + 3_600_000 });
    const { coordinator } = setup(bff);
    await coordinator.forward('{}', null, 'https://shop.example.com/account?tab=orders');
    await coordinator.forward('{}', null);
    const referrers = bff.bodies.filter((b) => b.path === '/api/customer/graphql').map((b) => b.referrer);
    // Without a page URL the fetch's own default stands (a page calling directly is its own referrer).
    expect(referrers).toEqual(['https://shop.example.com/account?tab=orders', undefined]);
  });

  it('announces an expiry the BFF moved on its own', async () => {
    const bff = fakeBff({ expiresAtMs: NOW + 3_600_000 });
    const { coordinator, published } = setup(bff);
    await coordinator.ensureFresh();
    bff.state.expiresAtMs = NOW + 7_200_000;
    await coordinator.forward('{}', null);
    expect(published).toEqual([{ type: 'expiry', expiresAtMs: NOW + 7_200_000 }]);
  });

  it('turns reauth_required into one logout broadcast for many calls', async () => {
    const bff = fakeBff({
      expiresAtMs: NOW + 3_600_000,
      graphql: () => json(401, { error: 'reauth_required', loginUrl: '/auth/login?returnTo=%2F' }),
    });
    const { coordinator, published } = setup(bff);
    const responses = await Promise.all([coordinator.forward('{}', null), coordinator.forward('{}', null)]);
    expect(responses.map((r) => r.status)).toEqual([401, 401]);
    expect(await responses[0]?.json()).toEqual({ error: 'reauth_required', loginUrl: '/auth/login?returnTo=%2F' });
    expect(published).toEqual([{ type: 'logout', reason: 'reauth_required' }]);
  });

  it('passes a 503 through without a logout', async () => {
    const bff = fakeBff({ expiresAtMs: NOW + 3_600_000, graphql: () => json(503, { error: 'upstream_unavailable' }) });
    const { coordinator, published } = setup(bff);
    expect((await coordinator.forward('{}', null)).status).toBe(503);
    expect(published).toEqual([]);
  });

  it('answers 503 offline when the network is down', async () => {
    const { coordinator, published } = setup(fakeBff({ expiresAtMs: 0 }), {
      fetch: () => Promise.reject(new TypeError('Failed to fetch')),
    });
    const response = await coordinator.forward('{}', null);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: 'offline' });
    expect(published).toEqual([]);
  });
});

describe('coordinator.onBusMessage', () => {
  const from = { kind: 'page', id: 'p', label: 'p' } as const;
  it('forgets the session on logout and re-learns after login', async () => {
    const bff = fakeBff({ expiresAtMs: NOW + 3_600_000 });
    const { coordinator } = setup(bff);
    coordinator.onBusMessage({ v: 1, type: 'logout', reason: 'signed_out', from, atMs: NOW });
    expect(coordinator.knowledge).toEqual({ state: 'signed-out' });
    coordinator.onBusMessage({ v: 1, type: 'login', customerId: 'c1', from, atMs: NOW });
    expect(coordinator.knowledge).toEqual({ state: 'unknown' });
    expect(await coordinator.ensureFresh()).toBe('fresh');
  });
});

describe('coordinator.observe and learnSession', () => {
  const view = {
    authenticated: true,
    customer: { id: 'c1', email: null },
    expiresAt: NOW + 30_000,
    graphqlApiUrl: '',
    refreshBufferSeconds: 60,
    demo: true,
  };
  it('does not re-announce what a SW already announced', async () => {
    const { coordinator, published } = setup(fakeBff({ expiresAtMs: 0 }));
    const answer = json(401, { error: 'reauth_required', loginUrl: '/auth/login' }, { 'X-Session-Expires-At': '5' });
    expect(await coordinator.observe(answer, false)).toBe(true);
    expect(published).toEqual([]);
    expect(coordinator.knowledge).toEqual({ state: 'signed-out' });
  });
  it('announces an expiry moved by a demo control', () => {
    const { coordinator, published } = setup(fakeBff({ expiresAtMs: 0 }));
    coordinator.learnSession(view, true);
    expect(published).toEqual([{ type: 'expiry', expiresAtMs: NOW + 30_000 }]);
    coordinator.learnSession(view, true);
    expect(published).toHaveLength(1);
  });
  it('learns a signed-out view silently', () => {
    const { coordinator, published } = setup(fakeBff({ expiresAtMs: 0 }));
    coordinator.learnSession({ ...view, authenticated: false, customer: null, expiresAt: null }, true);
    expect(coordinator.knowledge).toEqual({ state: 'signed-out' });
    expect(published).toEqual([]);
  });
});

describe('coordinator.fresh (whether the SW may let a call go straight)', () => {
  it('is false until the session is known, true while outside the buffer, false inside it or signed out', async () => {
    const bff = fakeBff({ expiresAtMs: NOW + 3_600_000 });
    const { coordinator } = setup(bff);
    expect(coordinator.fresh).toBe(false);
    await coordinator.ensureFresh();
    expect(coordinator.fresh).toBe(true);
    coordinator.onBusMessage({
      v: 1,
      from: { kind: 'page', id: 'x', label: 'x' },
      atMs: NOW,
      type: 'expiry',
      expiresAtMs: NOW + 30_000,
    });
    expect(coordinator.fresh).toBe(false);
    coordinator.onBusMessage({
      v: 1,
      from: { kind: 'page', id: 'x', label: 'x' },
      atMs: NOW,
      type: 'logout',
      reason: 'reauth_required',
    });
    expect(coordinator.fresh).toBe(false);
  });

  it('a reauth answer a page observed and announces reaches the others as one logout', async () => {
    const { coordinator, published } = setup(fakeBff({ expiresAtMs: NOW + 3_600_000 }));
    await coordinator.ensureFresh();
    const answer = json(401, { error: 'reauth_required', loginUrl: '/auth/login' });
    expect(await coordinator.observe(answer, true)).toBe(true);
    expect(published).toEqual([{ type: 'logout', reason: 'reauth_required' }]);
    expect(coordinator.fresh).toBe(false);
  });
});
