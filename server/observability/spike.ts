import type { RefreshFailureClass } from '../tokens/types.ts';
import type { Gauge } from 'prom-client';
import { logEvent } from './events.ts';
import type { Logger } from './logger.ts';
import { onGaugeCollect } from './metrics.ts';

/** One finished refresh operation, as the detector counts it. */
export type RefreshClass = 'success' | RefreshFailureClass;

export type RefreshClassCounts = Record<RefreshClass, number>;

export interface SpikeConfig {
  /** Length of the sliding window. */
  windowMs: number;
  /** Below this many refreshes in the window the ratio is noise and never raises the alert. */
  minRefreshes: number;
  /** The alert is raised when failures / refreshes is strictly above this (0..1). */
  thresholdRatio: number;
}

export interface WindowVerdict {
  counts: RefreshClassCounts;
  total: number;
  failures: number;
  /** failures / total, or 0 when the window is empty. */
  failureRatio: number;
  spiking: boolean;
}

const emptyCounts = (): RefreshClassCounts => ({ success: 0, dead_grant: 0, misconfiguration: 0, transient: 0 });

/**
 * The pure decision: given the refreshes recorded at `atMs`, is the window ending at `nowMs` a spike?
 * Entries older than `windowMs` are ignored (the caller prunes them; this just does not trust it).
 */
export function evaluateWindow(
  entries: ReadonlyArray<{ atMs: number; kind: RefreshClass }>,
  nowMs: number,
  config: SpikeConfig,
): WindowVerdict {
  const counts = emptyCounts();
  for (const entry of entries) {
    if (nowMs - entry.atMs < config.windowMs) counts[entry.kind] += 1;
  }
  const total = counts.success + counts.dead_grant + counts.misconfiguration + counts.transient;
  const failures = total - counts.success;
  const failureRatio = total === 0 ? 0 : failures / total;
  return {
    counts,
    total,
    failures,
    failureRatio,
    spiking: total >= config.minRefreshes && failureRatio > config.thresholdRatio,
  };
}

export interface FailureSpikeDetector {
  /** Records one finished refresh operation and re-evaluates the window. */
  record(kind: RefreshClass): void;
  /**
   * Re-evaluates without recording. Every scrape of the gauge calls it, so the alert clears once the
   * failures have aged out of the window even when no refresh happens any more.
   */
  evaluate(): WindowVerdict;
  readonly raised: boolean;
}

/**
 * 5 min window, at least 10 refreshes, more than 20 % failures. `ops/prometheus/alerts.yml`'s
 * BffRefreshFailureSpike applies the same rule to the whole fleet (tests/alerts.test.ts holds them equal).
 */
export const DEFAULT_SPIKE_CONFIG: Readonly<SpikeConfig> = Object.freeze({
  windowMs: 5 * 60_000,
  minRefreshes: 10,
  thresholdRatio: 0.2,
});

export interface FailureSpikeDetectorOptions extends Partial<SpikeConfig> {
  logger: Logger;
  /** Set to 1 while raised, 0 otherwise: `metrics.refreshFailureSpike`, which re-evaluates on every scrape. */
  gauge: Gauge;
  now?: () => number;
}

/**
 * Watches the refresh failure ratio over a sliding window. A jump means broken token storage or cookie
 * integrity on our side (a wave of dead grants) or trouble at Shopify (transient, misconfiguration).
 * When raised it logs `token.refresh.failure_spike` at error level with the counts by class — at most
 * once per window while it stays raised, so a long incident is re-announced but never floods the log —
 * and sets the gauge to 1. When the ratio falls back (or the evidence ages out below the minimum count)
 * it logs `token.refresh.failure_spike_cleared` and sets the gauge to 0.
 *
 * Defaults: 5 min window, at least 10 refreshes, more than 20 % failures.
 */
export function createFailureSpikeDetector(options: FailureSpikeDetectorOptions): FailureSpikeDetector {
  const config: SpikeConfig = {
    windowMs: options.windowMs ?? DEFAULT_SPIKE_CONFIG.windowMs,
    minRefreshes: options.minRefreshes ?? DEFAULT_SPIKE_CONFIG.minRefreshes,
    thresholdRatio: options.thresholdRatio ?? DEFAULT_SPIKE_CONFIG.thresholdRatio,
  };
  if (
    !(config.windowMs > 0) ||
    !(config.minRefreshes >= 1) ||
    !(config.thresholdRatio >= 0 && config.thresholdRatio < 1)
  ) {
    throw new RangeError(
      'failure spike detector: windowMs > 0, minRefreshes >= 1 and 0 <= thresholdRatio < 1 are required',
    );
  }
  const now = options.now ?? Date.now;
  const { logger, gauge } = options;
  // Oldest first, so pruning only ever drops from the front.
  const entries: Array<{ atMs: number; kind: RefreshClass }> = [];
  let raised = false;
  let lastAnnouncedAtMs = 0;
  gauge.set(0);

  const evaluate = (): WindowVerdict => {
    const nowMs = now();
    let stale = 0;
    while (stale < entries.length && nowMs - entries[stale]!.atMs >= config.windowMs) stale += 1;
    if (stale > 0) entries.splice(0, stale);

    const verdict = evaluateWindow(entries, nowMs, config);
    const fields = {
      counts: verdict.counts,
      total: verdict.total,
      failureRatio: Number(verdict.failureRatio.toFixed(3)),
      thresholdRatio: config.thresholdRatio,
      windowMs: config.windowMs,
    };
    if (verdict.spiking && (!raised || nowMs - lastAnnouncedAtMs >= config.windowMs)) {
      raised = true;
      lastAnnouncedAtMs = nowMs;
      gauge.set(1);
      logEvent(logger, 'error', 'token.refresh.failure_spike', fields);
    } else if (!verdict.spiking && raised) {
      raised = false;
      gauge.set(0);
      logEvent(logger, 'info', 'token.refresh.failure_spike_cleared', fields);
    }
    return verdict;
  };

  onGaugeCollect(gauge, () => {
    evaluate();
  });

  return {
    record(kind) {
      entries.push({ atMs: now(), kind });
      evaluate();
    },
    evaluate,
    get raised() {
      return raised;
    },
  };
}
