/**
 * The token manager as the rest of the BFF sees it: what it needs, what it offers, and the errors it
 * raises. `manager.ts` implements it (and re-exports all of this); `index.ts` is the folder's front door.
 */
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { FailureSpikeDetector } from '../observability/spike.ts';
import type { RefreshLock, SessionRecord, SessionStore } from '../sessions/types.ts';
import type { TokenManagerOptions } from './policy.ts';
import type { RefreshGrant } from './types.ts';

/** What the upstream call passed to `withAccessToken` returns when the API answered HTTP 401. */
export const UNAUTHORIZED = 'unauthorized';
export type Unauthorized = typeof UNAUTHORIZED;

export interface TokenManagerDeps extends TokenManagerOptions {
  store: SessionStore;
  lock: RefreshLock;
  refreshGrant: RefreshGrant;
  logger: Logger;
  metrics: Metrics;
  spike: Pick<FailureSpikeDetector, 'record'>;
  now?: () => number;
  /** Injected so tests never wait for a backoff. */
  sleep?: (ms: number) => Promise<void>;
  /** Injected so tests can pin the jitter; returns [0, 1). */
  random?: () => number;
  /** Pauses of the writer of held tokens (see `held-tokens.ts`); tests shorten them. */
  heldWrites?: { baseDelayMs?: number; maxDelayMs?: number };
}

export interface GetAccessTokenOptions {
  /**
   * Wait for a refresh in flight however long it takes (`POST /auth/refresh` asks for the refresh
   * itself). Otherwise a call whose token is still usable waits at most `maxRefreshWaitMs`.
   */
  waitForRefresh?: boolean;
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
