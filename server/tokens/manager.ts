import { setTimeout as sleepFor } from 'node:timers/promises';
import { AppError, type ReauthReason } from '../errors.ts';
import { logEvent } from '../observability/events.ts';
import { inSpan, spanAttributes } from '../observability/tracing.ts';
import { sessionIdHash } from '../observability/ids.ts';
import type { SessionRecord } from '../sessions/types.ts';
import { refreshWithRetries } from './attempt.ts';
import { UNAUTHORIZED, type GetAccessTokenOptions, type TokenManager, type TokenManagerDeps } from './contract.ts';
import {
  needsRefresh,
  refreshedSince,
  refreshWaitMs,
  resolveTokenManagerOptions,
  upstreamUnavailable,
} from './policy.ts';
import { createHeldTokens, storeOrHold } from './held-tokens.ts';
import { createSessionTimers } from './session-timers.ts';
import { createSingleFlight, settleWithin } from './single-flight.ts';

export { UNAUTHORIZED } from './contract.ts';
export type { GetAccessTokenOptions, TokenManager, TokenManagerDeps, Unauthorized } from './contract.ts';
export type { RetryPolicy } from './policy.ts';

/** What a stored record is compared with to tell whether someone has refreshed since. */
type Base = Pick<SessionRecord, 'version' | 'accessToken'>;

/**
 * Creates the token manager, the one authority over each session's Shopify tokens. This is the order in
 * which the refresh policy is applied; the rules themselves are in `policy.ts`, the cooldowns in
 * `session-timers.ts`, the flights in `single-flight.ts`, the attempts in `attempt.ts`, the
 * compare-and-set write in `write-tokens.ts`.
 *
 * @throws AppError `CONFIG` for invalid options (negative numbers, cooldown above 10 s, a lock lease
 *   shorter than the worst-case refresh).
 */
export function createTokenManager(deps: TokenManagerDeps): TokenManager {
  const { store, lock, metrics } = deps;
  const settings = resolveTokenManagerOptions(deps);
  const { leaseMs, waitMs } = settings;
  const log = deps.logger.child({ component: 'tokens' });
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => sleepFor(ms));
  const { refreshGrant, spike, random = Math.random } = deps;
  const attempts = { refreshGrant, settings, sleep, random, now, log, metrics, spike };
  // Everything below is keyed by sid and nothing else: two sessions never share a flight or a cooldown.
  const flights = createSingleFlight<SessionRecord>(() => metrics.refreshCoalescedTotal.inc());
  const timers = createSessionTimers({ now, cooldownMs: settings.cooldownMs });
  const held = createHeldTokens({ store, log, now, ...deps.heldWrites });
  const isDue = (record: SessionRecord) => needsRefresh(record, now(), settings.bufferMs);

  /** Outside reauth a failed refresh never signs anyone out: the current token serves while it lasts. */
  const fallback = (record: SessionRecord, retryAfterSeconds: number): SessionRecord => {
    if (record.expiresAtMs > now()) return record;
    throw upstreamUnavailable(retryAfterSeconds);
  };

  const reauthRequired = async (sid: string, reason: ReauthReason, deleteSession: boolean): Promise<never> => {
    timers.endCooldown(sid);
    if (deleteSession) await store.delete(sid);
    logEvent(log, 'info', 'session.reauth_required', { session: sessionIdHash(sid), reason });
    throw new AppError('REAUTH_REQUIRED', 'The customer must sign in again', { reason });
  };

  /** The refresh itself, by the holder of the lock, from the record it re-read under the lock. */
  const refresh = async (
    sid: string,
    current: SessionRecord,
    force: boolean,
    waiters: () => number,
    handOverLock: () => (() => Promise<void>) | null,
  ) => {
    const session = sessionIdHash(sid);
    const run = await inSpan('token.refresh', () => refreshWithRetries(attempts, current.refreshToken, session), {
      'bff.refresh.forced': force,
    });
    if (run.kind === 'failed' && run.next.action === 'cool_down') {
      timers.startCooldown(sid);
      return fallback(current, run.next.retryAfterSeconds);
    }
    if (run.kind === 'failed') {
      // Defence against a lease that expired under us: if another instance stored new tokens
      // meanwhile, our refresh token was merely stale, not dead.
      const latest = await store.get(sid);
      if (latest !== null && latest.refreshToken !== current.refreshToken) return latest;
      return reauthRequired(sid, 'dead_grant', true);
    }
    timers.noteRefreshed(sid);
    const written = await inSpan('session.write', async () => {
      const outcome = await storeOrHold(held, store, sid, current, run.fresh, now(), handOverLock);
      spanAttributes({ 'bff.session.write': outcome.kind });
      return outcome;
    });
    if (written.kind === 'held') return written.record;
    if (written.kind === 'gone') return reauthRequired(sid, 'signed_out_during_refresh', false);
    if (written.kind === 'contended') throw upstreamUnavailable(1);
    logEvent(log, 'info', 'token.refresh.succeeded', {
      session,
      durationMs: now() - run.startedAtMs,
      coalescedWaiters: waiters(),
      attempts: run.attempts,
      forced: force,
    });
    return written.record;
  };

  /** The cross-instance lock of `sid`, or `null` when another holder kept it for the whole wait. */
  const waitForLock = (sid: string) =>
    inSpan('token.refresh.lock_wait', async () => {
      const release = await lock.acquire(sid, { leaseMs, waitMs });
      spanAttributes({ 'bff.lock.acquired': release !== null });
      return release;
    });

  /**
   * Run by exactly one request per sid per process, under the cross-instance lock. `base` is the record
   * the request saw (or the one the upstream rejected): a stored token issued after it is used as is.
   */
  const refreshUnderLock = async (sid: string, base: Base, force: boolean, waiters: () => number) => {
    const session = sessionIdHash(sid);
    // This process may already hold the lock for the session, kept by a write of held tokens.
    const release = held.takeLock(sid) ?? (await waitForLock(sid));
    let handedOver = false;
    try {
      // Re-read: while we waited, another instance (or an earlier flight here) may have refreshed.
      const current = held.get(sid) ?? (await store.get(sid));
      if (current === null) return await reauthRequired(sid, 'session_gone', false);
      if (refreshedSince(current, base) || (!force && !isDue(current))) return current;
      if (release === null) {
        // Someone held the lock for our whole wait and has not refreshed: refreshing anyway could reuse
        // their refresh token, so serve what we have.
        logEvent(log, 'warn', 'token.refresh.lock_timeout', { session, waitMs });
        return fallback(current, waitMs / 1000);
      }
      return await refresh(sid, current, force, waiters, () => {
        handedOver = true;
        return release;
      });
    } finally {
      // A failed release only delays the next refresh until the lease lapses; it must not fail this request.
      if (release !== null && !handedOver) {
        await Promise.resolve()
          .then(release)
          .catch(() => logEvent(log, 'warn', 'token.refresh.lock_release_failed', { session }));
      }
    }
  };

  const resolveRecord = async (sid: string, options: GetAccessTokenOptions): Promise<SessionRecord> => {
    const rejected = options.rejected ?? null;
    const force = options.force === true || rejected !== null;
    const impatient = force || options.waitForRefresh === true;

    const early = flights.join(sid);
    if (early !== null) {
      return patiently(early, impatient ? null : (held.get(sid) ?? options.loaded ?? (await store.get(sid))));
    }
    const record = held.get(sid) ?? options.loaded ?? (await store.get(sid));
    const flight = flights.join(sid);
    if (flight !== null) return patiently(flight, impatient ? null : record);

    if (record === null) return reauthRequired(sid, 'session_missing', false);
    if (rejected !== null && refreshedSince(record, rejected)) return record;
    if (!force && !isDue(record)) return record;
    if (rejected === null && !isDue(record) && timers.refreshedRecently(sid)) return record;

    const coolingMs = timers.cooldownLeftMs(sid);
    if (coolingMs > 0 && rejected === null) return fallback(record, coolingMs / 1000);
    const started = flights.start(sid, (waiters) => refreshUnderLock(sid, rejected ?? record, force, waiters));
    return patiently(started, impatient ? null : record);
  };

  /**
   * A refresh in flight, awaited for at most `refreshWaitMs`: a call whose token is still usable goes on
   * with it after that, and the refresh goes on without it. `current` is `null` when the caller must have
   * the outcome (a refresh asked for, a token the upstream just rejected).
   */
  const patiently = (flight: Promise<SessionRecord>, current: SessionRecord | null) =>
    current === null ? flight : settleWithin(flight, refreshWaitMs(current, now(), settings), current);

  const getAccessToken: TokenManager['getAccessToken'] = async (sid, options = {}) => {
    const record = await resolveRecord(sid, options);
    if (options.rejected !== undefined && record.accessToken === options.rejected.accessToken) {
      // Every path above failed to obtain a newer token; handing out the rejected one would only earn a
      // second 401 and a needless sign-out.
      throw upstreamUnavailable(Math.max(1, timers.cooldownLeftMs(sid) / 1000));
    }
    return record;
  };

  const withAccessToken: TokenManager['withAccessToken'] = async (sid, call, options = {}) => {
    const first = await getAccessToken(sid, options);
    const firstResult = await call(first);
    if (firstResult !== UNAUTHORIZED) return firstResult;

    const second = await getAccessToken(sid, { force: true, rejected: first });
    const secondResult = await call(second);
    if (secondResult !== UNAUTHORIZED) return secondResult;
    return reauthRequired(sid, 'upstream_unauthorized', true);
  };

  const drain = async () => {
    await flights.drain();
    await held.drain();
  };
  return { getAccessToken, withAccessToken, drain, refreshesInFlight: () => flights.size + held.size };
}
