/**
 * The token manager's pure decisions: which option values are acceptable, when a token is due, whether
 * a stored record is newer than one we hold, and what a failed attempt leads to (retry after a jittered
 * backoff, cool down, or sign out). No clock, no store, no timer: every input is a plain value, so each
 * rule is tested alone in `policy.test.ts`, and `manager.ts` only applies them.
 */
import { AppError } from '../errors.ts';
import type { SessionRecord } from '../sessions/types.ts';
import type { RefreshResult } from './types.ts';

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

/** The token manager's tunable numbers, as its caller passes them (all optional). */
export interface TokenManagerOptions {
  /** Refresh when the access token has less than this left. Default 60. */
  bufferSeconds?: number;
  retry?: Partial<RetryPolicy>;
  /** After a failed refresh (transient or misconfiguration), no new refresh of that sid starts for this long. Default 10 000, at most 10 000. */
  cooldownMs?: number;
  /** The cross-instance lock. `leaseMs` defaults to the worst-case refresh duration plus 5 s, and may not be shorter than it. `waitMs` defaults to 10 000. */
  refreshLock?: { leaseMs?: number; waitMs?: number };
  /**
   * While the current access token still has `MIN_USABLE_MS` left, a call waits at most this long for a
   * refresh in flight, then goes on with the current token (the refresh goes on too). Default 1000.
   */
  maxRefreshWaitMs?: number;
}

/** The options validated, defaulted, and in milliseconds. */
export interface TokenManagerSettings {
  bufferMs: number;
  retry: RetryPolicy;
  cooldownMs: number;
  leaseMs: number;
  waitMs: number;
  maxRefreshWaitMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  retries: 2,
  baseDelayMs: 250,
  maxDelayMs: 2_000,
  attemptTimeoutMs: 5_000,
  maxRetryAfterSeconds: 3,
};
// The issue caps the cooldown: longer would keep an expired session on 503 after Shopify has recovered.
export const MAX_COOLDOWN_MS = 10_000;
// The default lease's slack over the worst-case refresh: the compare-and-set write after the last
// attempt also runs under the lock.
const LEASE_SLACK_MS = 5_000;
const DEFAULT_LOCK_WAIT_MS = 10_000;
const DEFAULT_BUFFER_SECONDS = 60;
const DEFAULT_MAX_REFRESH_WAIT_MS = 1_000;
/** A token with less left than this is not worth starting a call with: wait for the refresh instead. */
export const MIN_USABLE_MS = 2_000;

const configError = (message: string) => new AppError('CONFIG', `token manager: ${message}`);
const isNonNegativeInteger = (value: number) => Number.isInteger(value) && value >= 0;

/**
 * The longest one refresh can take under `retry`: every attempt timing out, with the longest wait
 * between them. The lock lease must cover it (see `resolveTokenManagerOptions`).
 */
export function worstCaseRefreshMs(retry: RetryPolicy): number {
  return (
    (retry.retries + 1) * retry.attemptTimeoutMs +
    retry.retries * Math.max(retry.maxDelayMs, retry.maxRetryAfterSeconds * 1000)
  );
}

/**
 * Applies the defaults and checks every number.
 *
 * @throws AppError `CONFIG` (`token manager: …`) for a negative buffer or delay, fractional or negative
 *   retries, a non-positive attempt timeout, a cooldown outside 0..10 000 ms, a negative lock wait, or a
 *   lock lease shorter than the worst-case refresh.
 */
export function resolveTokenManagerOptions(options: TokenManagerOptions): TokenManagerSettings {
  const bufferMs = (options.bufferSeconds ?? DEFAULT_BUFFER_SECONDS) * 1000;
  const retry: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  const cooldownMs = options.cooldownMs ?? MAX_COOLDOWN_MS;
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
  const worstCaseMs = worstCaseRefreshMs(retry);
  const leaseMs = options.refreshLock?.leaseMs ?? worstCaseMs + LEASE_SLACK_MS;
  const waitMs = options.refreshLock?.waitMs ?? DEFAULT_LOCK_WAIT_MS;
  if (!(leaseMs >= worstCaseMs)) throw configError(`refreshLock.leaseMs must be >= ${worstCaseMs}`);
  if (!(waitMs >= 0)) throw configError('refreshLock.waitMs must be >= 0');
  const maxRefreshWaitMs = options.maxRefreshWaitMs ?? DEFAULT_MAX_REFRESH_WAIT_MS;
  if (!(maxRefreshWaitMs >= 0)) throw configError('maxRefreshWaitMs must be >= 0');
  return { bufferMs, retry, cooldownMs, leaseMs, waitMs, maxRefreshWaitMs };
}

/** The answer when no usable token can be had now; the wait is in whole seconds, at least 1 (a `Retry-After`). */
export const upstreamUnavailable = (retryAfterSeconds: number) =>
  new AppError('UPSTREAM_UNAVAILABLE', 'Shopify could not refresh the session; try again shortly', {
    retryAfterSeconds: Math.max(1, Math.ceil(retryAfterSeconds)),
  });

/** The access token has less than `bufferMs` left at `nowMs` (or has expired). */
export function needsRefresh(record: Pick<SessionRecord, 'expiresAtMs'>, nowMs: number, bufferMs: number): boolean {
  return record.expiresAtMs - nowMs < bufferMs;
}

/**
 * How long a call may wait for a refresh in flight before going on with `record`'s token: bounded while
 * that token is still usable (a slow token endpoint must not hold every call of the session), for as
 * long as it takes when it is not (or was just rejected by the upstream).
 */
export function refreshWaitMs(
  record: Pick<SessionRecord, 'expiresAtMs'> | null,
  nowMs: number,
  settings: Pick<TokenManagerSettings, 'maxRefreshWaitMs'>,
): number {
  if (record === null || record.expiresAtMs - nowMs < MIN_USABLE_MS) return Number.POSITIVE_INFINITY;
  return settings.maxRefreshWaitMs;
}

/** `current` carries a token issued after `base` (a write that only touched e.g. lastSeenAtMs bumps the version too). */
export function refreshedSince(
  current: Pick<SessionRecord, 'version' | 'accessToken'>,
  base: Pick<SessionRecord, 'version' | 'accessToken'>,
): boolean {
  return current.version > base.version && current.accessToken !== base.accessToken;
}

/**
 * The wait in ms before retry `attempt + 1` after a transient failure, or `null` when retrying is
 * pointless: the retries are used up, or the upstream asked for a longer pause than we wait out.
 * `random` returns [0, 1).
 */
export function backoffMs(
  attempt: number,
  retryAfterSeconds: number | null,
  policy: RetryPolicy,
  random: () => number,
): number | null {
  if (attempt > policy.retries) return null;
  if (retryAfterSeconds !== null && retryAfterSeconds > policy.maxRetryAfterSeconds) return null;
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  // Jitter to 50–100 % so many sessions failing together do not retry in lockstep.
  const jittered = exponential * (0.5 + random() * 0.5);
  return Math.max(jittered, (retryAfterSeconds ?? 0) * 1000);
}

export type FailedRefresh = Exclude<RefreshResult, { kind: 'success' }>;

/** What follows a failed attempt. `retryAfterSeconds` is what a caller left without a token should wait. */
export type AfterFailure =
  { action: 'sign_out' } | { action: 'retry'; delayMs: number } | { action: 'cool_down'; retryAfterSeconds: number };

/**
 * The decision after failed attempt `attempt` (1-based): a dead grant signs out at once; a
 * misconfiguration cools down at once (retrying cannot fix our own configuration); a transient failure
 * is retried per `backoffMs`, then cools down for the cooldown or the upstream's Retry-After, whichever
 * is longer.
 */
export function afterFailure(
  result: FailedRefresh,
  attempt: number,
  settings: Pick<TokenManagerSettings, 'retry' | 'cooldownMs'>,
  random: () => number,
): AfterFailure {
  if (result.kind === 'dead_grant') return { action: 'sign_out' };
  const cooldownSeconds = settings.cooldownMs / 1000;
  if (result.kind === 'misconfiguration') return { action: 'cool_down', retryAfterSeconds: cooldownSeconds };
  const delayMs = backoffMs(attempt, result.retryAfterSeconds, settings.retry, random);
  if (delayMs !== null) return { action: 'retry', delayMs };
  return { action: 'cool_down', retryAfterSeconds: Math.max(cooldownSeconds, result.retryAfterSeconds ?? 0) };
}
