import { setTimeout as sleepFor } from 'node:timers/promises';
import { AppError } from '../errors.ts';
import { sessionIdHash } from '../observability/ids.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics, RefreshOutcome } from '../observability/metrics.ts';
import type { FailureSpikeDetector } from '../observability/spike.ts';
import type { RefreshLock, SessionRecord, SessionStore } from '../sessions/types.ts';
import type { RefreshGrant, RefreshResult } from './types.ts';

/** What the upstream call passed to `withAccessToken` returns when the API answered HTTP 401. */
export const UNAUTHORIZED = 'unauthorized';
export type Unauthorized = typeof UNAUTHORIZED;

export interface RetryPolicy {
  /** Extra attempts after the first for transient failures; default 2 (3 attempts). */
  retries: number;
  /** First backoff delay; doubles per retry, capped by `maxDelayMs`, then jittered to 50–100 %. Default 250. */
  baseDelayMs: number;
  /** Default 2000. */
  maxDelayMs: number;
  /** Each attempt is aborted after this long and counts as transient. Default 5000. */
  attemptTimeoutMs: number;
  /** An upstream Retry-After up to this is waited out before the next attempt; a longer one ends the retries. Default 3. */
  maxRetryAfterSeconds: number;
}

export interface TokenManagerDeps {
  store: SessionStore;
  lock: RefreshLock;
  refreshGrant: RefreshGrant;
  logger: Logger;
  metrics: Metrics;
  spike: Pick<FailureSpikeDetector, 'record'>;
  now?: () => number;
  /** Refresh when the access token has less than this left. Default 60. */
  bufferSeconds?: number;
  retry?: Partial<RetryPolicy>;
  /** After a failed refresh (transient or misconfiguration), no new refresh of that sid starts for this long. Default 10 000, at most 10 000. */
  cooldownMs?: number;
  /** The cross-instance lock. `leaseMs` defaults to the worst-case refresh duration plus 5 s, and may not be shorter than it. `waitMs` defaults to 10 000. */
  refreshLock?: { leaseMs?: number; waitMs?: number };
  /** Injected so tests never wait for a backoff. */
  sleep?: (ms: number) => Promise<void>;
  /** Injected so tests can pin the jitter; returns [0, 1). */
  random?: () => number;
}

export interface GetAccessTokenOptions {
  /** Refresh even if the access token is outside the buffer. Alone (e.g. `POST /auth/refresh {force:true}`) it respects the cooldown. */
  force?: boolean;
  /**
   * The record whose access token the upstream just rejected with 401; implies `force`. The refresh is
   * single-flighted but not held back by the cooldown: if a refresh is in flight it is joined; if the
   * stored record already carries a newer token it is used; otherwise a refresh starts now.
   * The rejected token is never handed out again: if no newer one can be obtained, UPSTREAM_UNAVAILABLE.
   */
  rejected?: Pick<SessionRecord, 'version' | 'accessToken'>;
  /**
   * The record the caller has just read from the store (e.g. to apply the session timeouts), used
   * instead of reading it again. Whoever refreshes still re-reads under the lock.
   */
  loaded?: SessionRecord;
}

export interface TokenManager {
  /**
   * The session's record with an access token good for at least the buffer, refreshing first if needed.
   * Concurrent calls for one sid share one refresh; other instances are kept out by the RefreshLock.
   *
   * @throws AppError `REAUTH_REQUIRED` — no session, the refresh token is dead (the session is deleted),
   *   or the session was signed out while refreshing.
   * @throws AppError `UPSTREAM_UNAVAILABLE` with `details.retryAfterSeconds` — refreshing failed
   *   (transient or misconfiguration) or is cooling down, and the current access token has expired
   *   (or was rejected). The session is kept.
   */
  getAccessToken(sid: string, options?: GetAccessTokenOptions): Promise<SessionRecord>;
  /**
   * Runs `call` with a valid record. If it reports `'unauthorized'` (upstream HTTP 401), forces one
   * refresh and calls once more; a second `'unauthorized'` deletes the session.
   *
   * @throws AppError `REAUTH_REQUIRED` — as `getAccessToken`, or the upstream rejected a freshly refreshed token.
   * @throws AppError `UPSTREAM_UNAVAILABLE` — as `getAccessToken`.
   * Errors thrown by `call` propagate unchanged.
   */
  withAccessToken<T>(
    sid: string,
    call: (record: SessionRecord) => Promise<T | Unauthorized>,
    options?: Pick<GetAccessTokenOptions, 'loaded'>,
  ): Promise<T>;
  /**
   * Resolves once no refresh is in flight in this process, including flights started while waiting:
   * graceful shutdown waits on it so that a rotated refresh token is always written before exit.
   * Never rejects.
   */
  drain(): Promise<void>;
  /** Sessions refreshing in this process right now. */
  refreshesInFlight(): number;
}

interface Flight {
  promise: Promise<SessionRecord>;
  /** Requests that joined this flight instead of starting one. */
  waiters: number;
}

const DEFAULT_RETRY: RetryPolicy = {
  retries: 2,
  baseDelayMs: 250,
  maxDelayMs: 2_000,
  attemptTimeoutMs: 5_000,
  maxRetryAfterSeconds: 3,
};
// The issue caps the cooldown: longer would keep an expired session on 503 after Shopify has recovered.
const MAX_COOLDOWN_MS = 10_000;
const CAS_ATTEMPTS = 3;
// A client-requested force (`POST /auth/refresh {force:true}`) within this long of the last refresh is
// answered with the fresh token already held: a page looping on it must not hammer Shopify's token
// endpoint (and spend the app's rate limit for every customer).
const FORCE_MIN_INTERVAL_MS = 10_000;

const configError = (message: string) => new AppError('CONFIG', `token manager: ${message}`);
const isNonNegativeInteger = (value: number) => Number.isInteger(value) && value >= 0;

/**
 * Creates the token manager, the one authority over each session's Shopify tokens.
 *
 * @throws AppError `CONFIG` for invalid options (negative numbers, cooldown above 10 s, a lock lease
 *   shorter than the worst-case refresh).
 */
export function createTokenManager(deps: TokenManagerDeps): TokenManager {
  const { store, lock, refreshGrant, metrics, spike } = deps;
  const log = deps.logger.child({ component: 'tokens' });
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => sleepFor(ms));
  const random = deps.random ?? Math.random;

  const bufferMs = (deps.bufferSeconds ?? 60) * 1000;
  const retry: RetryPolicy = { ...DEFAULT_RETRY, ...deps.retry };
  const cooldownMs = deps.cooldownMs ?? MAX_COOLDOWN_MS;
  if (!(bufferMs >= 0)) throw configError('bufferSeconds must be >= 0');
  if (!isNonNegativeInteger(retry.retries)) throw configError('retry.retries must be an integer >= 0');
  for (const key of ['baseDelayMs', 'maxDelayMs', 'maxRetryAfterSeconds'] as const) {
    if (!(retry[key] >= 0)) throw configError(`retry.${key} must be >= 0`);
  }
  if (!(retry.attemptTimeoutMs > 0)) throw configError('retry.attemptTimeoutMs must be > 0');
  if (!(cooldownMs >= 0 && cooldownMs <= MAX_COOLDOWN_MS))
    throw configError(`cooldownMs must be 0..${MAX_COOLDOWN_MS}`);

  // The lease must outlive our slowest refresh: if it expired mid-refresh, another instance would
  // present the same refresh token, and a single-use token endpoint revokes the whole family on reuse.
  const worstCaseRefreshMs =
    (retry.retries + 1) * retry.attemptTimeoutMs +
    retry.retries * Math.max(retry.maxDelayMs, retry.maxRetryAfterSeconds * 1000);
  const leaseMs = deps.refreshLock?.leaseMs ?? worstCaseRefreshMs + 5_000;
  const waitMs = deps.refreshLock?.waitMs ?? 10_000;
  if (!(leaseMs >= worstCaseRefreshMs)) throw configError(`refreshLock.leaseMs must be >= ${worstCaseRefreshMs}`);
  if (!(waitMs >= 0)) throw configError('refreshLock.waitMs must be >= 0');

  // Everything below is keyed by sid and nothing else: two sessions never share a flight or a cooldown.
  const inflight = new Map<string, Flight>();
  const cooldownUntilMs = new Map<string, number>();
  const refreshedAtMs = new Map<string, number>();

  const refreshedRecently = (sid: string) => {
    const at = refreshedAtMs.get(sid);
    if (at !== undefined && now() - at < FORCE_MIN_INTERVAL_MS) return true;
    refreshedAtMs.delete(sid);
    return false;
  };

  const noteRefreshed = (sid: string) => {
    const nowMs = now();
    for (const [key, at] of refreshedAtMs) if (nowMs - at >= FORCE_MIN_INTERVAL_MS) refreshedAtMs.delete(key);
    refreshedAtMs.set(sid, nowMs);
  };

  const needsRefresh = (record: SessionRecord) => record.expiresAtMs - now() < bufferMs;

  /** `current` carries a token issued after `base` (a write that only touched e.g. lastSeenAtMs bumps the version too). */
  const refreshedSince = (current: SessionRecord, base: Pick<SessionRecord, 'version' | 'accessToken'>) =>
    current.version > base.version && current.accessToken !== base.accessToken;

  const cooldownLeftMs = (sid: string) => {
    const until = cooldownUntilMs.get(sid);
    if (until === undefined) return 0;
    const left = until - now();
    if (left <= 0) cooldownUntilMs.delete(sid);
    return Math.max(0, left);
  };

  const startCooldown = (sid: string) => {
    const nowMs = now();
    // Sweep lapsed entries so sessions that never come back do not accumulate.
    for (const [key, until] of cooldownUntilMs) if (until <= nowMs) cooldownUntilMs.delete(key);
    if (cooldownMs > 0) cooldownUntilMs.set(sid, nowMs + cooldownMs);
  };

  const upstreamUnavailable = (retryAfterSeconds: number) =>
    new AppError('UPSTREAM_UNAVAILABLE', 'Shopify could not refresh the session; try again shortly', {
      retryAfterSeconds: Math.max(1, Math.ceil(retryAfterSeconds)),
    });

  /** Outside reauth a failed refresh never signs anyone out: the current token serves while it lasts. */
  const fallback = (record: SessionRecord, retryAfterSeconds: number): SessionRecord => {
    if (record.expiresAtMs > now()) return record;
    throw upstreamUnavailable(retryAfterSeconds);
  };

  const reauthRequired = async (sid: string, reason: string, deleteSession: boolean): Promise<never> => {
    cooldownUntilMs.delete(sid);
    if (deleteSession) await store.delete(sid);
    log.info({ event: 'session.reauth_required', session: sessionIdHash(sid), reason });
    throw new AppError('REAUTH_REQUIRED', 'The customer must sign in again', { reason });
  };

  const countOutcome = (outcome: RefreshOutcome, startedAtMs: number) => {
    metrics.tokenRefreshTotal.inc({ outcome });
    metrics.tokenRefreshDurationSeconds.observe(Math.max(0, now() - startedAtMs) / 1000);
    spike.record(outcome === 'reauth' ? 'dead_grant' : outcome);
  };

  /** One request to the token endpoint, bounded by the attempt timeout. */
  const attemptRefresh = async (refreshToken: string): Promise<{ result: RefreshResult; timedOut: boolean }> => {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<{ result: RefreshResult; timedOut: boolean }>((resolve) => {
      timer = setTimeout(() => {
        controller.abort(new Error('token refresh attempt timed out'));
        resolve({
          result: { kind: 'transient', status: null, errorCode: null, retryAfterSeconds: null },
          timedOut: true,
        });
      }, retry.attemptTimeoutMs);
    });
    // The grant promises never to throw; if it does anyway, that is not the customer's fault: transient.
    const attempt = refreshGrant(refreshToken, controller.signal).then(
      (result) => ({ result, timedOut: false }),
      () => ({
        result: { kind: 'transient', status: null, errorCode: null, retryAfterSeconds: null } as RefreshResult,
        timedOut: false,
      }),
    );
    try {
      return await Promise.race([attempt, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };

  /** The wait before retry `attempt + 1`, or null when retrying is pointless. */
  const backoffMs = (attempt: number, retryAfterSeconds: number | null): number | null => {
    if (attempt > retry.retries) return null;
    if (retryAfterSeconds !== null && retryAfterSeconds > retry.maxRetryAfterSeconds) return null;
    const exponential = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
    // Jitter to 50–100 % so many sessions failing together do not retry in lockstep.
    const jittered = exponential * (0.5 + random() * 0.5);
    return Math.max(jittered, (retryAfterSeconds ?? 0) * 1000);
  };

  /**
   * Stores the new tokens with compare-and-set. A lost CAS means the record changed: gone → reauth;
   * refreshed by someone else → theirs wins; any other write (e.g. lastSeenAtMs) → our tokens go on
   * top of it, because dropping them would leave the already-used refresh token in the store.
   */
  const writeTokens = async (sid: string, base: SessionRecord, fresh: Extract<RefreshResult, { kind: 'success' }>) => {
    let expected = base;
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt += 1) {
      const next: SessionRecord = {
        ...expected,
        accessToken: fresh.accessToken,
        refreshToken: fresh.refreshToken,
        expiresAtMs: now() + fresh.expiresInSeconds * 1000,
      };
      const written = await store.compareAndSet(sid, expected.version, next);
      if (written !== null) return written;
      const latest = await store.get(sid);
      if (latest === null) return reauthRequired(sid, 'signed_out_during_refresh', false);
      if (latest.refreshToken !== base.refreshToken) return latest;
      expected = latest;
    }
    throw upstreamUnavailable(1);
  };

  /** The refresh itself, run by exactly one request per sid per process, under the cross-instance lock. */
  const refreshUnderLock = async (
    sid: string,
    seen: SessionRecord,
    options: { force: boolean; rejected: GetAccessTokenOptions['rejected'] | null },
    flight: Flight,
  ): Promise<SessionRecord> => {
    const session = sessionIdHash(sid);
    const base = options.rejected ?? seen;
    const release = await lock.acquire(sid, { leaseMs, waitMs });
    try {
      // Re-read: while we waited, another instance (or an earlier flight here) may have refreshed.
      const current = await store.get(sid);
      if (current === null) return await reauthRequired(sid, 'session_gone', false);
      if (refreshedSince(current, base) || (!options.force && !needsRefresh(current))) return current;
      if (release === null) {
        // Someone held the lock for our whole wait and has not refreshed: refreshing anyway could reuse
        // their refresh token, so serve what we have.
        log.warn({ event: 'token.refresh.lock_timeout', session, waitMs });
        return fallback(current, waitMs / 1000);
      }

      const startedAtMs = now();
      for (let attempt = 1; ; attempt += 1) {
        const { result, timedOut } = await attemptRefresh(current.refreshToken);
        if (result.kind === 'success') {
          countOutcome('success', startedAtMs);
          cooldownUntilMs.delete(sid);
          noteRefreshed(sid);
          const written = await writeTokens(sid, current, result);
          log.info({
            event: 'token.refresh.succeeded',
            session,
            durationMs: now() - startedAtMs,
            coalescedWaiters: flight.waiters,
            attempts: attempt,
            forced: options.force,
          });
          return written;
        }

        const retryInMs = result.kind === 'transient' ? backoffMs(attempt, result.retryAfterSeconds) : null;
        const failure = {
          event: 'token.refresh.failed',
          session,
          class: result.kind,
          status: result.status,
          errorCode: result.errorCode,
          attempt,
          willRetry: retryInMs !== null,
          ...(timedOut ? { timedOut } : {}),
        };

        if (result.kind === 'dead_grant') {
          log.warn(failure);
          countOutcome('reauth', startedAtMs);
          // Defence against a lease that expired under us: if another instance stored new tokens
          // meanwhile, our refresh token was merely stale, not dead.
          const latest = await store.get(sid);
          if (latest !== null && latest.refreshToken !== current.refreshToken) return latest;
          return await reauthRequired(sid, 'dead_grant', true);
        }

        if (result.kind === 'misconfiguration') {
          // Retrying cannot fix our own configuration; the cooldown keeps every request from trying again.
          log.error(failure);
          countOutcome('misconfiguration', startedAtMs);
          startCooldown(sid);
          return fallback(current, cooldownMs / 1000);
        }

        log.warn(failure);
        if (retryInMs === null) {
          countOutcome('transient', startedAtMs);
          startCooldown(sid);
          return fallback(current, Math.max(cooldownMs / 1000, result.retryAfterSeconds ?? 0));
        }
        await sleep(retryInMs);
      }
    } finally {
      if (release !== null) {
        // A failed release only delays the next refresh until the lease lapses; it must not fail this request.
        await Promise.resolve()
          .then(release)
          .catch(() => log.warn({ event: 'token.refresh.lock_release_failed', session }));
      }
    }
  };

  const join = (flight: Flight): Promise<SessionRecord> => {
    flight.waiters += 1;
    metrics.refreshCoalescedTotal.inc();
    return flight.promise;
  };

  const startFlight = (
    sid: string,
    seen: SessionRecord,
    options: { force: boolean; rejected: GetAccessTokenOptions['rejected'] | null },
  ): Promise<SessionRecord> => {
    const flight: Flight = { promise: Promise.resolve(seen), waiters: 0 };
    // Registered synchronously, before the first await, so every later caller finds it.
    flight.promise = refreshUnderLock(sid, seen, options, flight).finally(() => {
      if (inflight.get(sid) === flight) inflight.delete(sid);
    });
    inflight.set(sid, flight);
    return flight.promise;
  };

  const resolveRecord = async (sid: string, options: GetAccessTokenOptions): Promise<SessionRecord> => {
    const rejected = options.rejected ?? null;
    const force = options.force === true || rejected !== null;

    const early = inflight.get(sid);
    if (early !== undefined) return join(early);
    const record = options.loaded ?? (await store.get(sid));
    const flight = inflight.get(sid);
    if (flight !== undefined) return join(flight);

    if (record === null) return reauthRequired(sid, 'session_missing', false);
    if (rejected !== null && refreshedSince(record, rejected)) return record;
    if (!force && !needsRefresh(record)) return record;
    if (rejected === null && !needsRefresh(record) && refreshedRecently(sid)) return record;

    const coolingMs = cooldownLeftMs(sid);
    if (coolingMs > 0 && rejected === null) return fallback(record, coolingMs / 1000);
    return startFlight(sid, record, { force, rejected });
  };

  const getAccessToken: TokenManager['getAccessToken'] = async (sid, options = {}) => {
    const record = await resolveRecord(sid, options);
    if (options.rejected !== undefined && record.accessToken === options.rejected.accessToken) {
      // Every path above failed to obtain a newer token; handing out the rejected one would only earn a
      // second 401 and a needless sign-out.
      throw upstreamUnavailable(Math.max(1, cooldownLeftMs(sid) / 1000));
    }
    return record;
  };

  const withAccessToken: TokenManager['withAccessToken'] = async <T>(
    sid: string,
    call: (record: SessionRecord) => Promise<T | Unauthorized>,
    options: Pick<GetAccessTokenOptions, 'loaded'> = {},
  ): Promise<T> => {
    const first = await getAccessToken(sid, options);
    const firstResult = await call(first);
    if (firstResult !== UNAUTHORIZED) return firstResult as T;

    const second = await getAccessToken(sid, { force: true, rejected: first });
    const secondResult = await call(second);
    if (secondResult !== UNAUTHORIZED) return secondResult as T;
    return reauthRequired(sid, 'upstream_unauthorized', true);
  };

  const drain: TokenManager['drain'] = async () => {
    // A request still running may start a new flight while we wait, so look again until none is left.
    while (inflight.size > 0) await Promise.allSettled([...inflight.values()].map((flight) => flight.promise));
  };

  return { getAccessToken, withAccessToken, drain, refreshesInFlight: () => inflight.size };
}
