import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '../errors.ts';
import { sessionIdHash } from '../observability/ids.ts';
import { createCapturingDestination, createLogger } from '../observability/logger.ts';
import { createMetrics } from '../observability/metrics.ts';
import { createFailureSpikeDetector } from '../observability/spike.ts';
import { createLocalRefreshLock } from '../sessions/local-lock.ts';
import type { SqliteSessionStore } from '../sessions/sqlite-store.ts';
import type { RefreshLock, SessionRecord, SessionStore } from '../sessions/types.ts';
import { createTokenManager, UNAUTHORIZED } from './manager.ts';
import type { TokenManagerDeps } from './manager.ts';
import { createScriptedRefreshGrant, createTestStore, deferred, storeAsAnotherInstance } from './testing.ts';
import type { ScriptStep } from './testing.ts';
import type { RefreshResult } from './types.ts';

const T0 = 1_800_000_000_000;
const SID = 'sid-0123456789-abcdefghij';
const SID_B = 'sid-bbbbbbbbbb-bbbbbbbbbb';

/** Tokens are shaped like Shopify's so the log check below catches any of them. */
const record = (overrides: Partial<SessionRecord> = {}): SessionRecord => ({
  accessToken: 'shcat_old',
  refreshToken: 'shcrt_old',
  idToken: 'eyJ.id-token-secret.sig',
  expiresAtMs: T0 + 30_000, // inside the 60 s buffer, not yet expired
  customerId: 'gid://shopify/Customer/1',
  email: 'a@example.com',
  version: 1,
  createdAtMs: T0 - 3_600_000,
  lastSeenAtMs: T0 - 1_000,
  ...overrides,
});

const success = (tag: string, expiresInSeconds = 3600): RefreshResult => ({
  kind: 'success',
  accessToken: `shcat_${tag}`,
  refreshToken: `shcrt_${tag}`,
  expiresInSeconds,
});
const transient = (overrides: Partial<Extract<RefreshResult, { kind: 'transient' }>> = {}): RefreshResult => ({
  kind: 'transient',
  status: 503,
  errorCode: null,
  retryAfterSeconds: null,
  ...overrides,
});
const deadGrant: RefreshResult = { kind: 'dead_grant', status: 400, errorCode: 'invalid_grant' };
const misconfiguration: RefreshResult = { kind: 'misconfiguration', status: 401, errorCode: 'invalid_client' };

// Every sid in this file starts with `sid-`; the log carries only its hash.
const SECRET_MARKERS = ['shcat_', 'shcrt_', 'id-token-secret', 'sid-'];
const destinations: Array<ReturnType<typeof createCapturingDestination>> = [];
const stores: SqliteSessionStore[] = [];

afterEach(async () => {
  // Whatever a test did, no log line may carry a token, the id token or a session id.
  for (const destination of destinations.splice(0)) {
    for (const line of destination.lines) {
      for (const marker of SECRET_MARKERS) expect(line).not.toContain(marker);
    }
  }
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

/**
 * The real local lock, watched: counts the grants, and `onAcquired` acts as another instance between
 * our grant and our re-read of the record.
 */
function watchedLock(lock: RefreshLock) {
  const watched = {
    acquisitions: 0,
    onAcquired: null as (() => Promise<unknown>) | null,
    async acquire(sid: string, options: { leaseMs: number; waitMs: number }) {
      const release = await lock.acquire(sid, options);
      if (release !== null) {
        watched.acquisitions += 1;
        await watched.onAcquired?.();
      }
      return release;
    },
  };
  return watched;
}

async function setup(options: {
  steps: ScriptStep[];
  records?: Record<string, SessionRecord>;
  deps?: Partial<TokenManagerDeps>;
}) {
  const clock = { nowMs: T0 };
  const now = () => clock.nowMs;
  const destination = createCapturingDestination();
  destinations.push(destination);
  const logger = createLogger({ destination, level: 'debug' });
  const metrics = createMetrics();
  const spike = createFailureSpikeDetector({ logger, gauge: metrics.refreshFailureSpike, now });
  const store = createTestStore(now);
  stores.push(store);
  for (const [sid, value] of Object.entries(options.records ?? { [SID]: record() })) {
    await storeAsAnotherInstance(store, sid, value);
  }
  const lock = watchedLock(createLocalRefreshLock(now));
  const scripted = createScriptedRefreshGrant(options.steps);
  const sleeps: number[] = [];
  const deps: TokenManagerDeps = {
    store,
    lock,
    refreshGrant: scripted.grant,
    logger,
    metrics,
    spike,
    now,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    ...options.deps,
  };
  const manager = createTokenManager(deps);
  const events = (name: string) => destination.events().filter((line) => line.event === name);
  const counter = async (outcome: string) =>
    (await metrics.tokenRefreshTotal.get()).values.find((value) => value.labels.outcome === outcome)?.value;
  const has = async (sid: string) => (await store.get(sid)) !== null;
  return { manager, deps, store, has, lock, scripted, clock, metrics, spike, sleeps, destination, events, counter };
}

/** The rejection, with its details readable whatever the code (each test asserts the code first). */
async function rejection(
  promise: Promise<unknown>,
): Promise<Omit<AppError, 'details'> & { details: Readonly<Record<string, unknown>> }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError)
      return error as Omit<AppError, 'details'> & { details: Readonly<Record<string, unknown>> };
    throw error;
  }
  throw new Error('expected the promise to reject');
}

describe('a record the caller already read', () => {
  it('is used as is on the fast path: no second store read', async () => {
    const t = await setup({ steps: [success('unused')], records: { [SID]: record({ expiresAtMs: T0 + 3_000_000 }) } });
    const loaded = (await t.store.get(SID))!;
    const get = vi.spyOn(t.store, 'get');
    expect(await t.manager.getAccessToken(SID, { loaded })).toEqual(loaded);
    expect(await t.manager.withAccessToken(SID, async (r) => r.accessToken, { loaded })).toBe(loaded.accessToken);
    expect(get).not.toHaveBeenCalled();
    expect(t.scripted.calls).toHaveLength(0);
  });

  it('is re-read under the lock before a refresh, so a refresh made meanwhile is used', async () => {
    const t = await setup({ steps: [success('unused')] }); // the default record is inside the buffer
    const loaded = (await t.store.get(SID))!;
    const refreshedElsewhere = { ...loaded, accessToken: 'shcat_elsewhere', expiresAtMs: T0 + 3_600_000 };
    await t.store.compareAndSet(SID, loaded.version, refreshedElsewhere);
    expect((await t.manager.getAccessToken(SID, { loaded })).accessToken).toBe('shcat_elsewhere');
    expect(t.scripted.calls).toHaveLength(0);
  });
});

describe('getAccessToken: when to refresh', () => {
  it('returns the stored record and calls nothing when the token is outside the buffer', async () => {
    const t = await setup({ steps: [success('new')], records: { [SID]: record({ expiresAtMs: T0 + 61_000 }) } });
    const got = await t.manager.getAccessToken(SID);
    expect(got.accessToken).toBe('shcat_old');
    expect(t.scripted.calls).toHaveLength(0);
    expect(t.lock.acquisitions).toBe(0);
  });

  it('refreshes inside the buffer: new tokens, old id token kept, expiry from expires_in, version bumped', async () => {
    const t = await setup({ steps: [success('new', 7200)] });
    const got = await t.manager.getAccessToken(SID);
    expect(t.scripted.calls).toEqual(['shcrt_old']);
    expect(got).toMatchObject({
      accessToken: 'shcat_new',
      refreshToken: 'shcrt_new',
      idToken: 'eyJ.id-token-secret.sig',
      expiresAtMs: T0 + 7_200_000,
      customerId: 'gid://shopify/Customer/1',
      version: 2,
    });
    expect(await t.store.get(SID)).toEqual(got);
    expect(await t.counter('success')).toBe(1);
    expect(t.events('token.refresh.succeeded')).toEqual([
      expect.objectContaining({ session: sessionIdHash(SID), durationMs: 0, coalescedWaiters: 0, attempts: 1 }),
    ]);
    expect(
      (await t.metrics.tokenRefreshDurationSeconds.get()).values.find((v) => v.metricName?.endsWith('_count'))?.value,
    ).toBe(1);
  });

  it('applies a configurable buffer, measured with the injected clock', async () => {
    const t = await setup({ steps: [success('new')], deps: { bufferSeconds: 10 } });
    expect((await t.manager.getAccessToken(SID)).accessToken).toBe('shcat_old');
    t.clock.nowMs += 20_001; // 9.999 s left
    expect((await t.manager.getAccessToken(SID)).accessToken).toBe('shcat_new');
    expect(t.scripted.calls).toHaveLength(1);
  });

  it('raises REAUTH_REQUIRED for a missing session', async () => {
    const t = await setup({ steps: [success('new')], records: {} });
    const error = await rejection(t.manager.getAccessToken(SID));
    expect(error.code).toBe('REAUTH_REQUIRED');
    expect(t.scripted.calls).toHaveLength(0);
    expect(t.events('session.reauth_required')).toEqual([
      expect.objectContaining({ session: sessionIdHash(SID), reason: 'session_missing' }),
    ]);
  });
});

describe('single flight', () => {
  it('200 concurrent requests of one session inside the buffer share one refresh', async () => {
    const gate = deferred<RefreshResult>();
    const t = await setup({ steps: [() => gate.promise] });
    const pending = Array.from({ length: 200 }, () => t.manager.getAccessToken(SID));
    await new Promise((resolve) => setImmediate(resolve));
    gate.resolve(success('new'));
    const results = await Promise.all(pending);

    expect(t.scripted.calls).toEqual(['shcrt_old']);
    expect(new Set(results.map((r) => r.accessToken))).toEqual(new Set(['shcat_new']));
    expect(results.every((r) => r.version === 2)).toBe(true);
    expect((await t.metrics.refreshCoalescedTotal.get()).values[0]?.value).toBe(199);
    expect(t.events('token.refresh.succeeded')[0]).toMatchObject({ coalescedWaiters: 199 });
    expect(await t.counter('success')).toBe(1);
  });

  it('never shares anything between two sessions', async () => {
    const t = await setup({
      // The new token names the refresh token it came from, so a mix-up would show.
      steps: [async (refreshToken) => success(`for-${refreshToken.slice('shcrt_'.length)}`)],
      records: {
        [SID]: record({ refreshToken: 'shcrt_A', accessToken: 'shcat_A' }),
        [SID_B]: record({ refreshToken: 'shcrt_B', accessToken: 'shcat_B' }),
      },
    });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.manager.getAccessToken(i % 2 === 0 ? SID : SID_B).then((r) => [i % 2, r] as const),
      ),
    );
    expect([...t.scripted.calls].sort()).toEqual(['shcrt_A', 'shcrt_B']);
    for (const [which, got] of results) expect(got.accessToken).toBe(which === 0 ? 'shcat_for-A' : 'shcat_for-B');
    expect((await t.store.get(SID))?.refreshToken).toBe('shcrt_for-A');
    expect((await t.store.get(SID_B))?.refreshToken).toBe('shcrt_for-B');
  });

  it('a request that arrives after the flight landed uses the stored result without a new call', async () => {
    const t = await setup({ steps: [success('new'), success('again')] });
    await t.manager.getAccessToken(SID);
    await t.manager.getAccessToken(SID);
    expect(t.scripted.calls).toHaveLength(1);
  });
});

describe('across instances', () => {
  it('two managers on one store and lock refresh once; the second re-reads under the lock', async () => {
    const gate = deferred<RefreshResult>();
    const a = await setup({ steps: [() => gate.promise] });
    const b = createTokenManager({ ...a.deps });
    const pending = [
      a.manager.getAccessToken(SID),
      b.getAccessToken(SID),
      a.manager.getAccessToken(SID),
      b.getAccessToken(SID),
    ];
    await new Promise((resolve) => setImmediate(resolve));
    gate.resolve(success('new'));
    const results = await Promise.all(pending);
    expect(a.scripted.calls).toHaveLength(1);
    expect(results.map((r) => r.accessToken)).toEqual(['shcat_new', 'shcat_new', 'shcat_new', 'shcat_new']);
    expect(a.lock.acquisitions).toBe(2);
  });

  it('uses a record another instance refreshed while we waited for the lock', async () => {
    const t = await setup({ steps: [success('mine')] });
    t.lock.onAcquired = () =>
      storeAsAnotherInstance(
        t.store,
        SID,
        record({ accessToken: 'shcat_theirs', refreshToken: 'shcrt_theirs', expiresAtMs: T0 + 3_600_000, version: 2 }),
      );
    const got = await t.manager.getAccessToken(SID);
    expect(got.accessToken).toBe('shcat_theirs');
    expect(t.scripted.calls).toHaveLength(0);
  });

  it('does not refresh when the lock cannot be had; serves the still-valid token', async () => {
    const t = await setup({ steps: [success('new')], deps: { lock: { acquire: async () => null } } });
    expect((await t.manager.getAccessToken(SID)).accessToken).toBe('shcat_old');
    expect(t.scripted.calls).toHaveLength(0);
    expect(t.events('token.refresh.lock_timeout')).toHaveLength(1);
  });

  it('answers UPSTREAM_UNAVAILABLE when the lock cannot be had and the token has expired', async () => {
    const t = await setup({
      steps: [success('new')],
      records: { [SID]: record({ expiresAtMs: T0 - 1 }) },
      deps: { lock: { acquire: async () => null }, refreshLock: { waitMs: 4_000 } },
    });
    const error = await rejection(t.manager.getAccessToken(SID));
    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(error.details.retryAfterSeconds).toBe(4);
    expect(await t.has(SID)).toBe(true);
  });
});

describe('compare-and-set', () => {
  it('a refresh that lands after sign-out cannot resurrect the session', async () => {
    const t = await setup({
      steps: [
        async () => {
          await t.store.delete(SID); // the customer signs out while the token endpoint answers
          return success('late');
        },
      ],
    });
    const error = await rejection(t.manager.getAccessToken(SID));
    expect(error.code).toBe('REAUTH_REQUIRED');
    expect(error.details.reason).toBe('signed_out_during_refresh');
    expect(await t.has(SID)).toBe(false);
  });

  it('a newer token write wins over ours', async () => {
    const t = await setup({
      steps: [
        async () => {
          await storeAsAnotherInstance(
            t.store,
            SID,
            record({
              accessToken: 'shcat_newer',
              refreshToken: 'shcrt_newer',
              expiresAtMs: T0 + 3_600_000,
              version: 5,
            }),
          );
          return success('ours');
        },
      ],
    });
    const got = await t.manager.getAccessToken(SID);
    expect(got).toMatchObject({ accessToken: 'shcat_newer', version: 5 });
    expect((await t.store.get(SID))?.accessToken).toBe('shcat_newer');
  });

  it('a write that did not touch the tokens (e.g. lastSeenAtMs) gets our new tokens on top, not lost', async () => {
    const t = await setup({
      steps: [
        async () => {
          await storeAsAnotherInstance(t.store, SID, record({ lastSeenAtMs: T0, version: 2 }));
          return success('ours');
        },
      ],
    });
    const got = await t.manager.getAccessToken(SID);
    expect(got).toMatchObject({ accessToken: 'shcat_ours', refreshToken: 'shcrt_ours', lastSeenAtMs: T0, version: 3 });
    expect(await t.store.get(SID)).toEqual(got);
  });
});

describe('failure classes', () => {
  it('dead grant: deletes the session, REAUTH_REQUIRED, logs failed + reauth_required, no retry', async () => {
    const t = await setup({ steps: [deadGrant] });
    const error = await rejection(t.manager.getAccessToken(SID));
    expect(error.code).toBe('REAUTH_REQUIRED');
    expect(await t.has(SID)).toBe(false);
    expect(t.scripted.calls).toHaveLength(1);
    expect(t.events('token.refresh.failed')).toEqual([
      expect.objectContaining({
        level: 40,
        session: sessionIdHash(SID),
        class: 'dead_grant',
        status: 400,
        errorCode: 'invalid_grant',
        attempt: 1,
      }),
    ]);
    expect(t.events('session.reauth_required')).toEqual([expect.objectContaining({ reason: 'dead_grant' })]);
    expect(await t.counter('reauth')).toBe(1);
  });

  it('dead grant for a refresh token someone else already replaced does not sign out', async () => {
    const t = await setup({
      steps: [
        async () => {
          await storeAsAnotherInstance(
            t.store,
            SID,
            record({
              accessToken: 'shcat_other',
              refreshToken: 'shcrt_other',
              expiresAtMs: T0 + 3_600_000,
              version: 2,
            }),
          );
          return deadGrant;
        },
      ],
    });
    expect((await t.manager.getAccessToken(SID)).accessToken).toBe('shcat_other');
    expect(await t.has(SID)).toBe(true);
  });

  it('misconfiguration: session kept, one attempt, error log, the still-valid token served', async () => {
    const t = await setup({ steps: [misconfiguration] });
    const got = await t.manager.getAccessToken(SID);
    expect(got.accessToken).toBe('shcat_old');
    expect(t.scripted.calls).toHaveLength(1);
    expect(t.sleeps).toEqual([]);
    expect(await t.store.get(SID)).toEqual(record());
    expect(t.events('token.refresh.failed')).toEqual([
      expect.objectContaining({
        level: 50,
        class: 'misconfiguration',
        status: 401,
        errorCode: 'invalid_client',
        willRetry: false,
      }),
    ]);
    expect(await t.counter('misconfiguration')).toBe(1);
  });

  it('misconfiguration with an expired token: UPSTREAM_UNAVAILABLE, never a logout', async () => {
    const t = await setup({ steps: [misconfiguration], records: { [SID]: record({ expiresAtMs: T0 }) } });
    const error = await rejection(t.manager.getAccessToken(SID));
    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(error.details.retryAfterSeconds).toBe(10);
    expect(await t.has(SID)).toBe(true);
    expect(t.events('session.reauth_required')).toHaveLength(0);
  });

  it('transient: 1 + retries attempts with jittered exponential backoff, then the valid token', async () => {
    const t = await setup({ steps: [transient()] });
    expect((await t.manager.getAccessToken(SID)).accessToken).toBe('shcat_old');
    expect(t.scripted.calls).toHaveLength(3);
    // base 250 ms doubling, jittered to 75 % with random() = 0.5
    expect(t.sleeps).toEqual([187.5, 375]);
    expect(t.events('token.refresh.failed').map((e) => [e.attempt, e.willRetry, e.class])).toEqual([
      [1, true, 'transient'],
      [2, true, 'transient'],
      [3, false, 'transient'],
    ]);
    expect(await t.counter('transient')).toBe(1);
    expect(await t.store.get(SID)).toEqual(record());
  });

  it('transient: the cooldown stops new attempts, then a later call refreshes', async () => {
    const t = await setup({
      steps: [transient(), transient(), transient(), success('recovered')],
      records: { [SID]: record({ expiresAtMs: T0 - 1 }) },
    });
    const first = await rejection(t.manager.getAccessToken(SID));
    expect(first.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(first.details.retryAfterSeconds).toBe(10);
    expect(t.scripted.calls).toHaveLength(3);

    t.clock.nowMs += 9_000;
    const during = await rejection(t.manager.getAccessToken(SID));
    expect(during.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(during.details.retryAfterSeconds).toBe(1);
    expect(t.scripted.calls).toHaveLength(3);

    t.clock.nowMs += 1_000;
    expect((await t.manager.getAccessToken(SID)).accessToken).toBe('shcat_recovered');
    expect(t.scripted.calls).toHaveLength(4);
    expect(await t.has(SID)).toBe(true);
  });

  it('the cooldown is per session', async () => {
    const t = await setup({
      steps: [transient(), transient(), transient(), success('b')],
      records: { [SID]: record(), [SID_B]: record() },
      deps: { retry: { retries: 2 } },
    });
    await t.manager.getAccessToken(SID);
    expect((await t.manager.getAccessToken(SID_B)).accessToken).toBe('shcat_b');
  });

  it('retries are configurable', async () => {
    const t = await setup({ steps: [transient()], deps: { retry: { retries: 0 } } });
    await t.manager.getAccessToken(SID);
    expect(t.scripted.calls).toHaveLength(1);
    expect(t.sleeps).toEqual([]);
  });

  it('honours a small Retry-After, and stops retrying on a long one', async () => {
    const small = await setup({ steps: [transient({ status: 429, retryAfterSeconds: 2 }), success('new')] });
    expect((await small.manager.getAccessToken(SID)).accessToken).toBe('shcat_new');
    expect(small.sleeps).toEqual([2_000]);

    const long = await setup({
      steps: [transient({ status: 429, retryAfterSeconds: 30 })],
      records: { [SID]: record({ expiresAtMs: T0 }) },
    });
    const error = await rejection(long.manager.getAccessToken(SID));
    expect(long.scripted.calls).toHaveLength(1);
    expect(error.details.retryAfterSeconds).toBe(30);
  });

  it('aborts an attempt after the timeout and counts it as transient', async () => {
    const signals: AbortSignal[] = [];
    const hang: ScriptStep = (_token, signal) => {
      signals.push(signal);
      return new Promise<RefreshResult>(() => {});
    };
    const t = await setup({ steps: [hang, success('new')], deps: { retry: { attemptTimeoutMs: 5 } } });
    expect((await t.manager.getAccessToken(SID)).accessToken).toBe('shcat_new');
    expect(signals[0]?.aborted).toBe(true);
    expect(t.events('token.refresh.failed')[0]).toMatchObject({ class: 'transient', timedOut: true });
  });

  it('treats a grant that breaks its never-throw promise as transient', async () => {
    const t = await setup({ steps: [async () => Promise.reject(new Error('boom')), success('new')] });
    expect((await t.manager.getAccessToken(SID)).accessToken).toBe('shcat_new');
    expect(t.scripted.calls).toHaveLength(2);
  });

  it('feeds the failure-spike detector', async () => {
    const sids = Array.from({ length: 10 }, (_, i) => `sid-spike-${i}-xxxxxxxxxxxxxxxx`);
    const t = await setup({
      steps: [misconfiguration],
      records: Object.fromEntries(sids.map((sid) => [sid, record()])),
    });
    for (const sid of sids) await t.manager.getAccessToken(sid);
    expect(t.spike.raised).toBe(true);
    expect((await t.metrics.refreshFailureSpike.get()).values[0]?.value).toBe(1);
    expect(t.events('token.refresh.failure_spike')).toEqual([
      expect.objectContaining({ counts: { success: 0, dead_grant: 0, misconfiguration: 10, transient: 0 } }),
    ]);
  });
});

describe('forced refresh', () => {
  it('force refreshes outside the buffer', async () => {
    const t = await setup({ steps: [success('forced')], records: { [SID]: record({ expiresAtMs: T0 + 3_000_000 }) } });
    expect((await t.manager.getAccessToken(SID, { force: true })).accessToken).toBe('shcat_forced');
    expect(t.events('token.refresh.succeeded')[0]).toMatchObject({ forced: true });
  });

  it('a plain force respects the cooldown', async () => {
    const t = await setup({ steps: [misconfiguration, success('forced')] });
    await t.manager.getAccessToken(SID);
    expect((await t.manager.getAccessToken(SID, { force: true })).accessToken).toBe('shcat_old');
    expect(t.scripted.calls).toHaveLength(1);
  });

  it('answers a repeated plain force within 10 s of a refresh with the fresh token', async () => {
    const t = await setup({
      steps: [success('first'), success('second')],
      records: { [SID]: record({ expiresAtMs: T0 + 3_000_000 }) },
    });
    expect((await t.manager.getAccessToken(SID, { force: true })).accessToken).toBe('shcat_first');
    t.clock.nowMs += 9_999;
    for (let i = 0; i < 5; i++)
      expect((await t.manager.getAccessToken(SID, { force: true })).accessToken).toBe('shcat_first');
    expect(t.scripted.calls).toHaveLength(1);
    t.clock.nowMs += 1;
    expect((await t.manager.getAccessToken(SID, { force: true })).accessToken).toBe('shcat_second');
    expect(t.scripted.calls).toHaveLength(2);
  });

  it('a force after a 401 is not held back by the cooldown', async () => {
    const t = await setup({ steps: [misconfiguration, success('forced')] });
    const stale = await t.manager.getAccessToken(SID);
    const got = await t.manager.getAccessToken(SID, { force: true, rejected: stale });
    expect(got.accessToken).toBe('shcat_forced');
    expect(t.scripted.calls).toHaveLength(2);
  });

  it('a force after a 401 uses a record already refreshed by someone else', async () => {
    const t = await setup({
      steps: [success('forced')],
      records: { [SID]: record({ accessToken: 'shcat_v2', version: 2, expiresAtMs: T0 + 3_000_000 }) },
    });
    const got = await t.manager.getAccessToken(SID, { force: true, rejected: { version: 1, accessToken: 'shcat_v1' } });
    expect(got.accessToken).toBe('shcat_v2');
    expect(t.scripted.calls).toHaveLength(0);
  });

  it('a version bump without a new token does not count as refreshed', async () => {
    const t = await setup({
      steps: [success('forced')],
      records: { [SID]: record({ version: 2, expiresAtMs: T0 + 3_000_000 }) },
    });
    const got = await t.manager.getAccessToken(SID, {
      force: true,
      rejected: { version: 1, accessToken: 'shcat_old' },
    });
    expect(got.accessToken).toBe('shcat_forced');
  });

  it('forces join a refresh in flight', async () => {
    const gate = deferred<RefreshResult>();
    const t = await setup({ steps: [() => gate.promise, success('second')] });
    const normal = t.manager.getAccessToken(SID);
    const forced = [
      t.manager.getAccessToken(SID, { force: true }),
      t.manager.getAccessToken(SID, { force: true, rejected: record() }),
    ];
    await new Promise((resolve) => setImmediate(resolve));
    gate.resolve(success('first'));
    const results = await Promise.all([normal, ...forced]);
    expect(results.map((r) => r.accessToken)).toEqual(['shcat_first', 'shcat_first', 'shcat_first']);
    expect(t.scripted.calls).toHaveLength(1);
  });

  it('never hands back the rejected token: a failed forced refresh is UPSTREAM_UNAVAILABLE', async () => {
    const t = await setup({ steps: [transient()], records: { [SID]: record({ expiresAtMs: T0 + 3_000_000 }) } });
    const error = await rejection(t.manager.getAccessToken(SID, { force: true, rejected: record() }));
    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(error.details.retryAfterSeconds).toBe(10);
    expect(await t.has(SID)).toBe(true);
  });
});

describe('withAccessToken', () => {
  it('calls once with a valid token', async () => {
    const t = await setup({ steps: [success('new')], records: { [SID]: record({ expiresAtMs: T0 + 3_000_000 }) } });
    const seen: string[] = [];
    const result = await t.manager.withAccessToken(SID, async (r) => {
      seen.push(r.accessToken);
      return { ok: true };
    });
    expect(result).toEqual({ ok: true });
    expect(seen).toEqual(['shcat_old']);
    expect(t.scripted.calls).toHaveLength(0);
  });

  it('a 401 gets one forced refresh and one retry with the new token', async () => {
    const t = await setup({ steps: [success('new')], records: { [SID]: record({ expiresAtMs: T0 + 3_000_000 }) } });
    const seen: string[] = [];
    const result = await t.manager.withAccessToken(SID, async (r) => {
      seen.push(r.accessToken);
      return r.accessToken === 'shcat_old' ? UNAUTHORIZED : 'data';
    });
    expect(result).toBe('data');
    expect(seen).toEqual(['shcat_old', 'shcat_new']);
    expect(t.scripted.calls).toHaveLength(1);
    expect(await t.has(SID)).toBe(true);
  });

  it('a second 401 deletes the session: REAUTH_REQUIRED', async () => {
    const t = await setup({ steps: [success('new')], records: { [SID]: record({ expiresAtMs: T0 + 3_000_000 }) } });
    let calls = 0;
    const error = await rejection(
      t.manager.withAccessToken(SID, async () => {
        calls += 1;
        return UNAUTHORIZED;
      }),
    );
    expect(error.code).toBe('REAUTH_REQUIRED');
    expect(error.details.reason).toBe('upstream_unauthorized');
    expect(calls).toBe(2);
    expect(t.scripted.calls).toHaveLength(1);
    expect(await t.has(SID)).toBe(false);
    expect(t.events('session.reauth_required')).toHaveLength(1);
  });

  it('a 401 while Shopify cannot refresh is UPSTREAM_UNAVAILABLE, not a logout', async () => {
    const t = await setup({ steps: [transient()], records: { [SID]: record({ expiresAtMs: T0 + 3_000_000 }) } });
    let calls = 0;
    const error = await rejection(
      t.manager.withAccessToken(SID, async () => {
        calls += 1;
        return UNAUTHORIZED;
      }),
    );
    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(calls).toBe(1);
    expect(await t.has(SID)).toBe(true);
  });

  it('propagates errors thrown by the call unchanged', async () => {
    const t = await setup({ steps: [success('new')], records: { [SID]: record({ expiresAtMs: T0 + 3_000_000 }) } });
    await expect(t.manager.withAccessToken(SID, async () => Promise.reject(new TypeError('network')))).rejects.toThrow(
      TypeError,
    );
  });
});

describe('configuration', () => {
  // Every invalid option and its message: policy.test.ts. Here only that the manager applies the check.
  it('rejects invalid options with CONFIG when created', async () => {
    const t = await setup({ steps: [success('x')] });
    expect(() => createTokenManager({ ...t.deps, cooldownMs: 10_001 })).toThrow(
      expect.objectContaining({ code: 'CONFIG' }),
    );
  });
});

describe('lock release', () => {
  it('a failing release is logged and does not fail the request', async () => {
    const t = await setup({
      steps: [success('new')],
      deps: {
        lock: {
          acquire: async () => () => {
            throw new Error('redis gone');
          },
        },
      },
    });
    expect((await t.manager.getAccessToken(SID)).accessToken).toBe('shcat_new');
    expect(t.events('token.refresh.lock_release_failed')).toHaveLength(1);
  });
});

describe('drain (graceful shutdown)', () => {
  it('resolves only after the refresh in flight has written its rotated tokens', async () => {
    const gate = deferred<RefreshResult>();
    const t = await setup({ steps: [() => gate.promise] });
    const call = t.manager.getAccessToken(SID);
    await vi.waitFor(() => expect(t.scripted.calls).toHaveLength(1));
    expect(t.manager.refreshesInFlight()).toBe(1);
    let drained = false;
    const drain = t.manager.drain().then(() => {
      drained = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(drained).toBe(false);
    gate.resolve(success('rotated'));
    await drain;
    expect((await t.store.get(SID))?.refreshToken).toBe('shcrt_rotated');
    expect(t.manager.refreshesInFlight()).toBe(0);
    expect((await call).accessToken).toBe('shcat_rotated');
  });

  it('resolves at once when nothing is refreshing, and never rejects after a failed refresh', async () => {
    const t = await setup({ steps: [deadGrant] });
    await expect(t.manager.drain()).resolves.toBeUndefined();
    const call = t.manager.getAccessToken(SID).catch((error: unknown) => error);
    await expect(t.manager.drain()).resolves.toBeUndefined();
    expect(await call).toBeInstanceOf(AppError);
  });
});

describe('a slow refresh holds no call hostage', () => {
  it('a call whose token is still usable waits at most maxRefreshWaitMs, then goes on with it; the refresh goes on', async () => {
    const gate = deferred<RefreshResult>();
    const t = await setup({ steps: [() => gate.promise], deps: { maxRefreshWaitMs: 20 } }); // 30 s left, inside the buffer
    const first = await t.manager.getAccessToken(SID);
    expect(first.accessToken).toBe('shcat_old');
    expect(t.manager.refreshesInFlight()).toBe(1);
    // A second call joins the same refresh and, being patient too, goes on with the current token.
    expect((await t.manager.getAccessToken(SID)).accessToken).toBe('shcat_old');
    expect(t.scripted.calls).toHaveLength(1);
    gate.resolve(success('new'));
    await t.manager.drain();
    expect((await t.manager.getAccessToken(SID)).accessToken).toBe('shcat_new');
    expect(t.scripted.calls).toHaveLength(1);
  });

  it('waits for the outcome when the token is no longer usable, or when the refresh was forced', async () => {
    const gate = deferred<RefreshResult>();
    const t = await setup({
      steps: [() => gate.promise],
      records: { [SID]: record({ expiresAtMs: T0 + 1_000 }) }, // 1 s left: not worth a call
      deps: { maxRefreshWaitMs: 20 },
    });
    let settled = false;
    const call = t.manager.getAccessToken(SID).then((r) => {
      settled = true;
      return r;
    });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(settled).toBe(false);
    gate.resolve(success('new'));
    expect((await call).accessToken).toBe('shcat_new');
  });
});

describe('tokens Shopify rotated are never lost to a store fault', () => {
  /** The test's manager over a store whose writes fail while `down.value`. */
  async function withFailingWrites() {
    const t = await setup({
      steps: [success('rotated'), success('again')],
      deps: { heldWrites: { baseDelayMs: 5, maxDelayMs: 20 } },
    });
    const down = { value: true, writes: 0 };
    const store: SessionStore = {
      ...t.store,
      compareAndSet: async (sid, version, next) => {
        down.writes += 1;
        if (down.value) throw new AppError('SESSION_STORE_UNAVAILABLE', 'disk full', { retryAfterSeconds: 2 });
        return t.store.compareAndSet(sid, version, next);
      },
    };
    const manager = createTokenManager({ ...t.deps, store });
    return { ...t, manager, down };
  }

  it('a write that fails after the refresh: the call gets the new token, and every later call too', async () => {
    const t = await withFailingWrites();
    expect((await t.manager.getAccessToken(SID)).accessToken).toBe('shcat_rotated');
    expect((await t.store.get(SID))?.refreshToken).toBe('shcrt_old'); // the store could not take it
    // Not due any more (held tokens are fresh): no second refresh, and never with the spent token.
    expect((await t.manager.getAccessToken(SID)).accessToken).toBe('shcat_rotated');
    expect(t.scripted.calls).toEqual(['shcrt_old']);
    expect(t.events('token.refresh.write_failed')).toHaveLength(1);
    t.down.value = false;
    await t.manager.drain();
  });

  it('a forced refresh while the tokens are held presents the new refresh token, not the spent one', async () => {
    const t = await withFailingWrites();
    const first = await t.manager.getAccessToken(SID);
    // Shopify refuses the held access token (a 401): the refresh that follows uses the held refresh token.
    const forced = await t.manager.getAccessToken(SID, { rejected: first });
    expect(forced.accessToken).toBe('shcat_again');
    expect(t.scripted.calls).toEqual(['shcrt_old', 'shcrt_rotated']);
    t.down.value = false;
    await t.manager.drain();
    expect((await t.store.get(SID))?.refreshToken).toBe('shcrt_again');
  });

  it('the writer stores the held tokens once the store heals, then the lock is free again', async () => {
    const t = await withFailingWrites();
    await t.manager.getAccessToken(SID);
    await vi.waitFor(() => expect(t.down.writes).toBeGreaterThan(2));
    expect(t.manager.refreshesInFlight()).toBe(1);
    t.down.value = false;
    await t.manager.drain();
    const stored = await t.store.get(SID);
    expect(stored).toMatchObject({ accessToken: 'shcat_rotated', refreshToken: 'shcrt_rotated' });
    expect(t.manager.refreshesInFlight()).toBe(0);
    expect(t.events('token.refresh.write_recovered')).toEqual([
      expect.objectContaining({ attempts: expect.any(Number), heldMs: expect.any(Number) }),
    ]);
    // The lock was handed to the writer and released by it: another refresh can take it at once.
    const release = await t.lock.acquire(SID, { leaseMs: 1_000, waitMs: 0 });
    expect(release).not.toBeNull();
    await release?.();
  });

  it('a session signed out while its tokens were held stays signed out', async () => {
    const t = await withFailingWrites();
    await t.manager.getAccessToken(SID);
    await t.store.delete(SID);
    t.down.value = false;
    await t.manager.drain();
    expect(await t.store.get(SID)).toBeNull();
    expect(t.events('token.refresh.write_abandoned')).toEqual([expect.objectContaining({ reason: 'gone' })]);
  });
});
