import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import {
  afterFailure,
  backoffMs,
  DEFAULT_RETRY,
  MIN_USABLE_MS,
  needsRefresh,
  refreshedSince,
  refreshWaitMs,
  resolveTokenManagerOptions,
  upstreamUnavailable,
  worstCaseRefreshMs,
  type TokenManagerOptions,
} from './policy.ts';
import type { RefreshResult } from './types.ts';

const half = () => 0.5;
const transient = (retryAfterSeconds: number | null = null): Extract<RefreshResult, { kind: 'transient' }> => ({
  kind: 'transient',
  status: 503,
  errorCode: null,
  retryAfterSeconds,
});
const deadGrant: RefreshResult = { kind: 'dead_grant', status: 400, errorCode: 'invalid_grant' };
const misconfiguration: RefreshResult = { kind: 'misconfiguration', status: 401, errorCode: 'invalid_client' };
const defaults = { retry: DEFAULT_RETRY, cooldownMs: 10_000 };

function configError(options: TokenManagerOptions): AppError {
  try {
    resolveTokenManagerOptions(options);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected resolveTokenManagerOptions to throw');
}

describe('resolveTokenManagerOptions', () => {
  it('defaults: 60 s buffer, 3 attempts, 10 s cooldown, a lease of the worst case plus 5 s, a 10 s wait, 1 s patience', () => {
    expect(resolveTokenManagerOptions({})).toEqual({
      bufferMs: 60_000,
      retry: { retries: 2, baseDelayMs: 250, maxDelayMs: 2_000, attemptTimeoutMs: 5_000, maxRetryAfterSeconds: 3 },
      cooldownMs: 10_000,
      leaseMs: 26_000,
      waitMs: 10_000,
      maxRefreshWaitMs: 1_000,
    });
  });

  it('merges a partial retry policy over the defaults and keeps the given numbers', () => {
    const settings = resolveTokenManagerOptions({
      bufferSeconds: 0,
      retry: { retries: 0, attemptTimeoutMs: 1_000 },
      cooldownMs: 0,
      refreshLock: { leaseMs: 4_000, waitMs: 0 },
      maxRefreshWaitMs: 250,
    });
    expect(settings).toEqual({
      bufferMs: 0,
      retry: { ...DEFAULT_RETRY, retries: 0, attemptTimeoutMs: 1_000 },
      cooldownMs: 0,
      leaseMs: 4_000,
      waitMs: 0,
      maxRefreshWaitMs: 250,
    });
  });

  it('accepts a lease exactly as long as the worst-case refresh, and a 10 s cooldown', () => {
    expect(resolveTokenManagerOptions({ cooldownMs: 10_000, refreshLock: { leaseMs: 21_000 } }).leaseMs).toBe(21_000);
  });

  it.each([
    ['a cooldown above 10 s', { cooldownMs: 10_001 }],
    ['a negative buffer', { bufferSeconds: -1 }],
    ['fractional retries', { retry: { retries: 1.5 } }],
    ['a lease shorter than the worst-case refresh', { refreshLock: { leaseMs: 1_000 } }],
  ])('rejects %s with CONFIG', (_name, options) => {
    expect(() => resolveTokenManagerOptions(options as TokenManagerOptions)).toThrow(
      expect.objectContaining({ code: 'CONFIG' }),
    );
  });

  it.each<[string, TokenManagerOptions, string]>([
    ['a negative buffer', { bufferSeconds: -1 }, 'bufferSeconds must be >= 0'],
    ['a buffer that is not a number', { bufferSeconds: Number.NaN }, 'bufferSeconds must be >= 0'],
    ['fractional retries', { retry: { retries: 1.5 } }, 'retry.retries must be an integer >= 0'],
    ['negative retries', { retry: { retries: -1 } }, 'retry.retries must be an integer >= 0'],
    ['a negative base delay', { retry: { baseDelayMs: -1 } }, 'retry.baseDelayMs must be >= 0'],
    ['a negative delay cap', { retry: { maxDelayMs: -1 } }, 'retry.maxDelayMs must be >= 0'],
    [
      'a negative Retry-After limit',
      { retry: { maxRetryAfterSeconds: -1 } },
      'retry.maxRetryAfterSeconds must be >= 0',
    ],
    ['a zero attempt timeout', { retry: { attemptTimeoutMs: 0 } }, 'retry.attemptTimeoutMs must be > 0'],
    ['a cooldown above 10 s', { cooldownMs: 10_001 }, 'cooldownMs must be 0..10000'],
    ['a negative cooldown', { cooldownMs: -1 }, 'cooldownMs must be 0..10000'],
    [
      'a lease shorter than the worst case',
      { refreshLock: { leaseMs: 20_999 } },
      'refreshLock.leaseMs must be >= 21000',
    ],
    [
      'a lease shorter than the worst case of a custom policy',
      { retry: { retries: 0, attemptTimeoutMs: 1_000 }, refreshLock: { leaseMs: 999 } },
      'refreshLock.leaseMs must be >= 1000',
    ],
    ['a negative lock wait', { refreshLock: { waitMs: -1 } }, 'refreshLock.waitMs must be >= 0'],
    ['a negative refresh wait', { maxRefreshWaitMs: -1 }, 'maxRefreshWaitMs must be >= 0'],
  ])('rejects %s: CONFIG with the exact message', (_name, options, message) => {
    const error = configError(options);
    expect(error.code).toBe('CONFIG');
    expect(error.message).toBe(`token manager: ${message}`);
  });
});

describe('worstCaseRefreshMs', () => {
  it('is every attempt timing out plus the longest wait between them', () => {
    // 3 × 5 s attempts + 2 waits of max(2 s backoff cap, 3 s Retry-After)
    expect(worstCaseRefreshMs(DEFAULT_RETRY)).toBe(21_000);
  });

  it('takes the backoff cap as the wait when it exceeds the longest Retry-After waited out', () => {
    expect(worstCaseRefreshMs({ ...DEFAULT_RETRY, maxRetryAfterSeconds: 1 })).toBe(19_000);
  });

  it('is one attempt without retries', () => {
    expect(worstCaseRefreshMs({ ...DEFAULT_RETRY, retries: 0 })).toBe(5_000);
  });
});

describe('needsRefresh', () => {
  const nowMs = 1_000_000;
  it('is due with less than the buffer left, or expired', () => {
    expect(needsRefresh({ expiresAtMs: nowMs + 59_999 }, nowMs, 60_000)).toBe(true);
    expect(needsRefresh({ expiresAtMs: nowMs - 1 }, nowMs, 60_000)).toBe(true);
  });

  it('is not due with exactly the buffer left or more', () => {
    expect(needsRefresh({ expiresAtMs: nowMs + 60_000 }, nowMs, 60_000)).toBe(false);
    expect(needsRefresh({ expiresAtMs: nowMs + 3_600_000 }, nowMs, 60_000)).toBe(false);
  });

  it('with a zero buffer, is due only once expired', () => {
    expect(needsRefresh({ expiresAtMs: nowMs }, nowMs, 0)).toBe(false);
    expect(needsRefresh({ expiresAtMs: nowMs - 1 }, nowMs, 0)).toBe(true);
  });
});

describe('refreshedSince', () => {
  const base = { version: 3, accessToken: 'shcat_base' };
  it('is true for a later version with another access token', () => {
    expect(refreshedSince({ version: 4, accessToken: 'shcat_new' }, base)).toBe(true);
  });

  it('is false for a version bump that kept the token (e.g. a lastSeenAtMs write)', () => {
    expect(refreshedSince({ version: 4, accessToken: 'shcat_base' }, base)).toBe(false);
  });

  it('is false for the same or an earlier version', () => {
    expect(refreshedSince({ version: 3, accessToken: 'shcat_new' }, base)).toBe(false);
    expect(refreshedSince({ version: 2, accessToken: 'shcat_new' }, base)).toBe(false);
  });
});

describe('backoffMs', () => {
  it('doubles from the base delay, jittered to 75 % with random() = 0.5', () => {
    expect(backoffMs(1, null, DEFAULT_RETRY, half)).toBe(187.5);
    expect(backoffMs(2, null, DEFAULT_RETRY, half)).toBe(375);
  });

  it('jitters between 50 % and 100 % of the delay', () => {
    expect(backoffMs(1, null, DEFAULT_RETRY, () => 0)).toBe(125);
    const almostOne = () => 1 - Number.EPSILON;
    expect(backoffMs(1, null, DEFAULT_RETRY, almostOne)).toBeGreaterThan(249.99);
    expect(backoffMs(1, null, DEFAULT_RETRY, almostOne)).toBeLessThan(250);
  });

  it('caps the delay at maxDelayMs before the jitter', () => {
    const policy = { ...DEFAULT_RETRY, retries: 10 };
    expect(backoffMs(10, null, policy, () => 0)).toBe(1_000);
    expect(backoffMs(10, null, policy, half)).toBe(1_500);
  });

  it('is null once the retries are used up', () => {
    expect(backoffMs(2, null, DEFAULT_RETRY, half)).not.toBeNull();
    expect(backoffMs(3, null, DEFAULT_RETRY, half)).toBeNull();
    expect(backoffMs(1, null, { ...DEFAULT_RETRY, retries: 0 }, half)).toBeNull();
  });

  it('is null for a Retry-After longer than maxRetryAfterSeconds; one up to it is waited out', () => {
    expect(backoffMs(1, 4, DEFAULT_RETRY, half)).toBeNull();
    expect(backoffMs(1, 3, DEFAULT_RETRY, half)).toBe(3_000);
  });

  it('waits the Retry-After when it is longer than the backoff, else the backoff', () => {
    expect(backoffMs(1, 2, DEFAULT_RETRY, half)).toBe(2_000);
    expect(backoffMs(1, 0, DEFAULT_RETRY, half)).toBe(187.5);
  });
});

describe('afterFailure', () => {
  it('signs out on a dead grant at once, retries left or not', () => {
    expect(afterFailure(deadGrant, 1, defaults, half)).toEqual({ action: 'sign_out' });
  });

  it('cools down on a misconfiguration at once, for the cooldown', () => {
    expect(afterFailure(misconfiguration, 1, defaults, half)).toEqual({ action: 'cool_down', retryAfterSeconds: 10 });
  });

  it('retries a transient failure after the backoff while retries are left', () => {
    expect(afterFailure(transient(), 1, defaults, half)).toEqual({ action: 'retry', delayMs: 187.5 });
    expect(afterFailure(transient(2), 2, defaults, half)).toEqual({ action: 'retry', delayMs: 2_000 });
  });

  it('cools down once the retries are used up, for the cooldown', () => {
    expect(afterFailure(transient(), 3, defaults, half)).toEqual({ action: 'cool_down', retryAfterSeconds: 10 });
  });

  it('cools down at once on a Retry-After too long to wait out, announcing it when longer than the cooldown', () => {
    expect(afterFailure(transient(30), 1, defaults, half)).toEqual({ action: 'cool_down', retryAfterSeconds: 30 });
    expect(afterFailure(transient(5), 1, defaults, half)).toEqual({ action: 'cool_down', retryAfterSeconds: 10 });
  });

  it('with no cooldown, announces only the Retry-After, or nothing', () => {
    const noCooldown = { ...defaults, cooldownMs: 0 };
    expect(afterFailure(transient(), 3, noCooldown, half)).toEqual({ action: 'cool_down', retryAfterSeconds: 0 });
    expect(afterFailure(misconfiguration, 1, noCooldown, half)).toEqual({ action: 'cool_down', retryAfterSeconds: 0 });
  });
});

describe('upstreamUnavailable', () => {
  it('is UPSTREAM_UNAVAILABLE with whole seconds, at least 1', () => {
    const error = upstreamUnavailable(2.1);
    expect(error).toBeInstanceOf(AppError);
    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(error.details).toEqual({ retryAfterSeconds: 3 });
    expect(upstreamUnavailable(0).details.retryAfterSeconds).toBe(1);
    expect(upstreamUnavailable(0.2).details.retryAfterSeconds).toBe(1);
    expect(upstreamUnavailable(10).details.retryAfterSeconds).toBe(10);
  });
});

describe('refreshWaitMs', () => {
  const settings = { maxRefreshWaitMs: 1_000 };
  it('bounds the wait while the current token is usable, and waits for the outcome when it is not', () => {
    expect(refreshWaitMs({ expiresAtMs: 30_000 }, 0, settings)).toBe(1_000);
    expect(refreshWaitMs({ expiresAtMs: MIN_USABLE_MS }, 0, settings)).toBe(1_000);
    expect(refreshWaitMs({ expiresAtMs: MIN_USABLE_MS - 1 }, 0, settings)).toBe(Number.POSITIVE_INFINITY);
    expect(refreshWaitMs({ expiresAtMs: 0 }, 10, settings)).toBe(Number.POSITIVE_INFINITY);
    expect(refreshWaitMs(null, 0, settings)).toBe(Number.POSITIVE_INFINITY);
  });
});
