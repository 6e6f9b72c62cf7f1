/**
 * Talking to the token endpoint: one attempt bounded by a timeout, and the attempts of one refresh,
 * retried as `afterFailure` (policy.ts) decides, with what they log and count.
 */
import { logEvent } from '../observability/events.ts';
import { spanAttributes, spanEvent } from '../observability/tracing.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { FailureSpikeDetector } from '../observability/spike.ts';
import { afterFailure, type AfterFailure, type TokenManagerSettings } from './policy.ts';
import type { RefreshGrant, RefreshResult } from './types.ts';

export interface AttemptOutcome {
  result: RefreshResult;
  /** The attempt was aborted by the timeout (then `result` is transient). */
  timedOut: boolean;
}

const TRANSIENT: RefreshResult = { kind: 'transient', status: null, errorCode: null, retryAfterSeconds: null };

/**
 * One request to the token endpoint, aborted after `timeoutMs`; a timeout counts as transient. The
 * grant promises never to throw; if it does anyway, that is not the customer's fault: transient too.
 * Never throws.
 */
export async function attemptRefresh(
  refreshGrant: RefreshGrant,
  refreshToken: string,
  timeoutMs: number,
): Promise<AttemptOutcome> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<AttemptOutcome>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error('token refresh attempt timed out'));
      resolve({ result: TRANSIENT, timedOut: true });
    }, timeoutMs);
  });
  const attempt = refreshGrant(refreshToken, controller.signal).then(
    (result): AttemptOutcome => ({ result, timedOut: false }),
    (): AttemptOutcome => ({ result: TRANSIENT, timedOut: false }),
  );
  try {
    return await Promise.race([attempt, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface RetryingDeps {
  refreshGrant: RefreshGrant;
  settings: Pick<TokenManagerSettings, 'retry' | 'cooldownMs'>;
  sleep: (ms: number) => Promise<void>;
  /** Returns [0, 1), for the jitter. */
  random: () => number;
  now: () => number;
  log: Logger;
  metrics: Pick<Metrics, 'tokenRefreshTotal' | 'tokenRefreshDurationSeconds'>;
  spike: Pick<FailureSpikeDetector, 'record'>;
}

/** How the attempts of one refresh ended. */
export type RefreshRun =
  | { kind: 'success'; fresh: Extract<RefreshResult, { kind: 'success' }>; attempts: number; startedAtMs: number }
  | { kind: 'failed'; next: Exclude<AfterFailure, { action: 'retry' }> };

/**
 * Presents `refreshToken` until an attempt succeeds or `afterFailure` says to stop, sleeping the
 * backoff in between. Every failed attempt is logged as `token.refresh.failed` under `session` (a
 * session hash), a misconfiguration at error level: it is ours to fix, not Shopify's. The whole run is
 * counted once, by its last result, in the refresh metrics and the failure-spike detector. Never throws.
 */
export async function refreshWithRetries(
  deps: RetryingDeps,
  refreshToken: string,
  session: string,
): Promise<RefreshRun> {
  const startedAtMs = deps.now();
  const count = (kind: RefreshResult['kind'], attempts: number) => {
    spanAttributes({ 'bff.refresh.outcome': kind, 'bff.refresh.attempts': attempts });
    deps.metrics.tokenRefreshTotal.inc({ outcome: kind === 'dead_grant' ? 'reauth' : kind });
    deps.metrics.tokenRefreshDurationSeconds.observe(Math.max(0, deps.now() - startedAtMs) / 1000);
    deps.spike.record(kind);
  };
  for (let attempt = 1; ; attempt += 1) {
    const { result, timedOut } = await attemptRefresh(
      deps.refreshGrant,
      refreshToken,
      deps.settings.retry.attemptTimeoutMs,
    );
    if (result.kind === 'success') {
      spanEvent('token.refresh.attempt', { 'bff.refresh.attempt': attempt, 'bff.refresh.class': 'success' });
      count('success', attempt);
      return { kind: 'success', fresh: result, attempts: attempt, startedAtMs };
    }

    const next = afterFailure(result, attempt, deps.settings, deps.random);
    // What Shopify answered, never what was sent: the attempt's number, class, status and OAuth error code.
    spanEvent('token.refresh.attempt', {
      'bff.refresh.attempt': attempt,
      'bff.refresh.class': result.kind,
      ...(result.status === null ? {} : { 'http.response.status_code': result.status }),
      ...(result.errorCode === null ? {} : { 'bff.refresh.error_code': result.errorCode }),
      'bff.refresh.will_retry': next.action === 'retry',
      ...(timedOut ? { 'bff.refresh.timed_out': true } : {}),
    });
    logEvent(deps.log, result.kind === 'misconfiguration' ? 'error' : 'warn', 'token.refresh.failed', {
      session,
      class: result.kind,
      status: result.status,
      errorCode: result.errorCode,
      attempt,
      willRetry: next.action === 'retry',
      ...(timedOut ? { timedOut } : {}),
    });
    if (next.action === 'retry') {
      await deps.sleep(next.delayMs);
      continue;
    }
    count(result.kind, attempt);
    return { kind: 'failed', next };
  }
}
