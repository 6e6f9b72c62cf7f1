import { describe, expect, it } from 'vitest';
import { createCapturingDestination, createLogger } from './logger.ts';
import { createMetrics } from './metrics.ts';
import { createFailureSpikeDetector, evaluateWindow } from './spike.ts';
import type { RefreshClass } from './spike.ts';

function setup(overrides: { windowMs?: number; minRefreshes?: number; thresholdRatio?: number } = {}) {
  let nowMs = 1_000_000;
  const destination = createCapturingDestination();
  const metrics = createMetrics();
  const detector = createFailureSpikeDetector({
    logger: createLogger({ destination }),
    gauge: metrics.refreshFailureSpike,
    now: () => nowMs,
    ...overrides,
  });
  const gauge = async () => (await metrics.refreshFailureSpike.get()).values[0]?.value;
  const events = (name: string) => destination.events().filter((line) => line.event === name);
  const recordMany = (kind: RefreshClass, count: number, stepMs = 1_000) => {
    for (let i = 0; i < count; i += 1) {
      detector.record(kind);
      nowMs += stepMs;
    }
  };
  return {
    detector,
    gauge,
    events,
    recordMany,
    advance: (ms: number) => {
      nowMs += ms;
    },
  };
}

describe('evaluateWindow', () => {
  const config = { windowMs: 60_000, minRefreshes: 4, thresholdRatio: 0.2 };

  it('counts by class and ignores entries older than the window', () => {
    const verdict = evaluateWindow(
      [
        { atMs: 0, kind: 'dead_grant' },
        { atMs: 50_000, kind: 'success' },
        { atMs: 60_000, kind: 'transient' },
        { atMs: 61_000, kind: 'misconfiguration' },
      ],
      100_000,
      config,
    );
    expect(verdict.counts).toEqual({ success: 1, dead_grant: 0, misconfiguration: 1, transient: 1 });
    expect(verdict.total).toBe(3);
    expect(verdict.spiking).toBe(false); // below minRefreshes
  });

  it('needs strictly more than the threshold', () => {
    const entries = [
      ...Array.from({ length: 8 }, () => ({ atMs: 0, kind: 'success' as const })),
      ...Array.from({ length: 2 }, () => ({ atMs: 0, kind: 'transient' as const })),
    ];
    expect(evaluateWindow(entries, 0, config)).toMatchObject({ failureRatio: 0.2, spiking: false });
    expect(evaluateWindow([...entries, { atMs: 0, kind: 'dead_grant' }], 0, config).spiking).toBe(true);
  });
});

describe('createFailureSpikeDetector', () => {
  it('fires under a burst of failures, with counts by class, and sets the gauge', async () => {
    const t = setup();
    expect(await t.gauge()).toBe(0);
    t.recordMany('success', 10);
    t.recordMany('dead_grant', 2);
    t.recordMany('transient', 2);
    t.recordMany('misconfiguration', 1);

    const spikes = t.events('token.refresh.failure_spike');
    expect(spikes).toHaveLength(1);
    expect(spikes[0]).toMatchObject({
      level: 50,
      counts: { success: 10, dead_grant: 2, transient: 1, misconfiguration: 0 },
      total: 13,
    });
    expect(t.detector.raised).toBe(true);
    expect(await t.gauge()).toBe(1);
  });

  it('stays quiet under normal refreshes', async () => {
    const t = setup();
    // 10 % failures, well below 20 %.
    for (let round = 0; round < 10; round += 1) {
      t.recordMany('success', 9);
      t.recordMany('transient', 1);
    }
    expect(t.events('token.refresh.failure_spike')).toHaveLength(0);
    expect(await t.gauge()).toBe(0);
  });

  it('stays quiet with fewer refreshes than the minimum, even if all fail', async () => {
    const t = setup();
    t.recordMany('dead_grant', 9);
    expect(t.events('token.refresh.failure_spike')).toHaveLength(0);
    expect(t.detector.raised).toBe(false);
    expect(await t.gauge()).toBe(0);
  });

  it('logs once per window while the spike lasts', () => {
    const t = setup({ windowMs: 60_000 });
    t.recordMany('transient', 50, 1_000); // 50 s of pure failure: one announcement
    expect(t.events('token.refresh.failure_spike')).toHaveLength(1);
    t.recordMany('transient', 20, 1_000); // the window has elapsed since the first: one reminder
    expect(t.events('token.refresh.failure_spike')).toHaveLength(2);
    expect(t.events('token.refresh.failure_spike_cleared')).toHaveLength(0);
  });

  it('clears when the ratio falls back, and can fire again later', async () => {
    const t = setup({ windowMs: 60_000 });
    t.recordMany('misconfiguration', 10, 100);
    expect(await t.gauge()).toBe(1);

    t.recordMany('success', 60, 100);
    const cleared = t.events('token.refresh.failure_spike_cleared');
    expect(cleared).toHaveLength(1);
    expect(cleared[0]).toMatchObject({ level: 30 });
    expect(t.detector.raised).toBe(false);
    expect(await t.gauge()).toBe(0);

    t.recordMany('dead_grant', 40, 100);
    expect(t.events('token.refresh.failure_spike')).toHaveLength(2);
  });

  it('clears on evaluate() once the failures have aged out, with no new refreshes', async () => {
    const t = setup({ windowMs: 60_000 });
    t.recordMany('transient', 10, 0);
    expect(t.detector.raised).toBe(true);
    t.advance(60_000);
    expect(t.detector.evaluate().total).toBe(0);
    expect(t.detector.raised).toBe(false);
    expect(await t.gauge()).toBe(0);
    expect(t.events('token.refresh.failure_spike_cleared')).toHaveLength(1);
  });

  it('clears on a /metrics scrape once the failures have aged out', async () => {
    const destination = createCapturingDestination();
    const metrics = createMetrics();
    let nowMs = 0;
    const detector = createFailureSpikeDetector({
      logger: createLogger({ destination }),
      gauge: metrics.refreshFailureSpike,
      now: () => nowMs,
      windowMs: 60_000,
    });
    for (let i = 0; i < 10; i += 1) detector.record('dead_grant');
    expect(await metrics.registry.metrics()).toContain('bff_refresh_failure_spike 1');
    nowMs += 60_000;
    expect(await metrics.registry.metrics()).toContain('bff_refresh_failure_spike 0');
    expect(detector.raised).toBe(false);
    expect(destination.events().map((line) => line.event)).toEqual([
      'token.refresh.failure_spike',
      'token.refresh.failure_spike_cleared',
    ]);
  });

  it('rejects nonsensical configuration', () => {
    expect(() => setup({ thresholdRatio: 1.5 })).toThrow(RangeError);
    expect(() => setup({ windowMs: 0 })).toThrow(RangeError);
    expect(() => setup({ minRefreshes: 0 })).toThrow(RangeError);
  });
});
