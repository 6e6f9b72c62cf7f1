/**
 * The session store and refresh lock as the rest of the BFF uses them: every call bounded in time, a
 * failing backend answered at once (a circuit breaker) instead of making each request wait for it, and
 * every failure turned into one error code, `SESSION_STORE_UNAVAILABLE` (a quick 503, never a sign-out).
 * One log line when the store goes, one when it is back for good (`recoveryQuietMs` without a failure),
 * not one per failed call: a store that fails some calls and answers others (a full disk still serves
 * reads) is one outage, not a flip a call.
 */
import { AppError } from '../errors.ts';
import { logEvent } from '../observability/events.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { SessionExistsError } from './records.ts';
import type { RefreshLock, SessionStore } from './types.ts';

export interface StoreGuardOptions {
  /** Which backend, for the log: `sqlite` or `redis`. */
  name: 'sqlite' | 'redis';
  logger: Logger;
  /** A call that has not answered by then has failed. Default 1000. */
  timeoutMs?: number;
  /** After this many failures in a row, calls fail at once for `openMs`. Default 3. */
  failuresToOpen?: number;
  /** How long the breaker stays open before one call may try again. Default 1000. */
  openMs?: number;
  /** The store is back (logged) at the first success this long after the last failure. Default 10,000. */
  recoveryQuietMs?: number;
  now?: () => number;
  /**
   * The backend's last connection error, when it knows one (ioredis reports a refused certificate or
   * password on its connection, while the failed command only says the stream is not writeable).
   */
  connectionError?: () => string | null;
  /** The outage as a gauge (1 from `store.unavailable` until `store.recovered`) and the failed calls. */
  metrics?: Pick<Metrics, 'sessionStoreUnavailable' | 'sessionStoreFailuresTotal'>;
}

/** The breaker's pure decision: may a call go to the backend now? */
export function breakerAllows(state: { failures: number; openedAtMs: number | null }, nowMs: number, openMs: number) {
  return state.openedAtMs === null || nowMs - state.openedAtMs >= openMs;
}

export interface StoreGuard {
  store: SessionStore;
  lock: RefreshLock;
  /** `true` while the breaker is open (the backend failed repeatedly and is not being asked). */
  readonly open: boolean;
}

const RETRY_AFTER_SECONDS = 2;

/** Wraps `store` and `lock`. Errors that are answers, not failures (`SessionExistsError`), pass unchanged. */
export function guardStore(store: SessionStore, lock: RefreshLock, options: StoreGuardOptions): StoreGuard {
  const timeoutMs = options.timeoutMs ?? 1_000;
  const failuresToOpen = options.failuresToOpen ?? 3;
  const openMs = options.openMs ?? 1_000;
  const recoveryQuietMs = options.recoveryQuietMs ?? 10_000;
  const now = options.now ?? Date.now;
  const state = { failures: 0, openedAtMs: null as number | null, down: false };
  // The outage being logged: when it began, its last failure, and how many calls failed in it.
  const outage = { sinceMs: 0, lastFailureMs: 0, failedCalls: 0 };
  const labels = { store: options.name };
  // Zero from the start, so an alert's sum sees every instance's series before the first failure.
  options.metrics?.sessionStoreUnavailable.set(labels, 0);
  options.metrics?.sessionStoreFailuresTotal.inc(labels, 0);

  const unavailable = (cause: unknown) =>
    new AppError(
      'SESSION_STORE_UNAVAILABLE',
      `the session store (${options.name}) is unavailable`,
      { retryAfterSeconds: RETRY_AFTER_SECONDS },
      { cause },
    );

  const failed = (cause: unknown): AppError => {
    state.failures += 1;
    if (state.failures >= failuresToOpen) state.openedAtMs = now();
    outage.lastFailureMs = now();
    outage.failedCalls += 1;
    options.metrics?.sessionStoreFailuresTotal.inc(labels);
    if (!state.down) {
      state.down = true;
      options.metrics?.sessionStoreUnavailable.set(labels, 1);
      outage.sinceMs = outage.lastFailureMs;
      outage.failedCalls = 1;
      const message = cause instanceof Error ? cause.message : String(cause);
      const connection = options.connectionError?.() ?? null;
      logEvent(
        options.logger,
        'error',
        'store.unavailable',
        { store: options.name, err: { message }, ...(connection === null ? {} : { connection }) },
        'session store unavailable',
      );
    }
    return unavailable(cause);
  };

  const succeeded = () => {
    state.failures = 0;
    state.openedAtMs = null;
    if (state.down && now() - outage.lastFailureMs >= recoveryQuietMs) {
      state.down = false;
      options.metrics?.sessionStoreUnavailable.set(labels, 0);
      logEvent(
        options.logger,
        'info',
        'store.recovered',
        { store: options.name, failedCalls: outage.failedCalls, downMs: now() - outage.sinceMs },
        'session store available again',
      );
    }
  };

  async function guarded<T>(call: () => Promise<T>): Promise<T> {
    if (!breakerAllows(state, now(), openMs)) throw unavailable(new Error('circuit open'));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const value = await Promise.race([call(), timeout]);
      succeeded();
      return value;
    } catch (error) {
      // An answer the store gave on purpose is not a failure of the store.
      if (error instanceof SessionExistsError) {
        succeeded();
        throw error;
      }
      throw failed(error);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    store: {
      get: (sid) => guarded(() => store.get(sid)),
      create: (sid, record) => guarded(() => store.create(sid, record)),
      compareAndSet: (sid, version, next) => guarded(() => store.compareAndSet(sid, version, next)),
      delete: (sid) => guarded(() => store.delete(sid)),
      listByCustomer: (customerId) => guarded(() => store.listByCustomer(customerId)),
      deleteByCustomer: (customerId, id) => guarded(() => store.deleteByCustomer(customerId, id)),
      ping: () => guarded(() => store.ping()),
      close: () => store.close(),
    },
    lock: {
      acquire: async (sid, acquireOptions) => {
        // The wait for a lock is the lock's business (up to `waitMs`); only its own failure is guarded.
        const release = await guardedAcquire(() => lock.acquire(sid, acquireOptions));
        return release === null ? null : () => guarded(release);
      },
    },
    get open() {
      return !breakerAllows(state, now(), openMs);
    },
  };

  async function guardedAcquire<T>(call: () => Promise<T>): Promise<T> {
    if (!breakerAllows(state, now(), openMs)) throw unavailable(new Error('circuit open'));
    try {
      const value = await call();
      succeeded();
      return value;
    } catch (error) {
      throw failed(error);
    }
  }
}
