import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { createCapturingDestination, createLogger } from '../observability/logger.ts';
import { createMetrics } from '../observability/metrics.ts';
import { breakerAllows, guardStore } from './guarded-store.ts';
import { createLocalRefreshLock } from './local-lock.ts';
import { SessionExistsError } from './records.ts';
import { createSealer } from './seal.ts';
import { createSqliteStore } from './sqlite-store.ts';
import { PASSWORD_A, sampleRecord } from './store.conformance.ts';
import type { SessionStore } from './types.ts';

/** A real store whose `get` can be made to fail or hang, counting how often it was really asked. */
function flakyStore() {
  const real = createSqliteStore({
    path: ':memory:',
    sealer: createSealer([PASSWORD_A]),
    absoluteTimeoutMs: 3_600_000,
    purgeIntervalMs: 0,
  });
  const control = { mode: 'ok' as 'ok' | 'fail' | 'hang', asked: 0 };
  const store: SessionStore = {
    ...real,
    get: async (sid) => {
      control.asked += 1;
      if (control.mode === 'fail') throw new Error('SQLITE_IOERR: disk I/O error');
      if (control.mode === 'hang') return new Promise(() => {});
      return real.get(sid);
    },
  };
  return { store, control, close: () => real.close() };
}

/** `timeoutMs`: short only where a test waits for it; real calls under a loaded CI machine need room. */
function setup(timeoutMs = 2_000) {
  const flaky = flakyStore();
  const logs = createCapturingDestination();
  const clock = { nowMs: 1_000_000 };
  const metrics = createMetrics();
  const guard = guardStore(flaky.store, createLocalRefreshLock(), {
    name: 'sqlite',
    logger: createLogger({ destination: logs }),
    metrics,
    timeoutMs,
    failuresToOpen: 3,
    openMs: 1_000,
    now: () => clock.nowMs,
  });
  return { ...flaky, guard, logs, clock, metrics };
}

/** The store gauge and failure counter as scraped: `[unavailable, failures]` for the sqlite store. */
async function storeMetrics(metrics: ReturnType<typeof createMetrics>): Promise<[number, number]> {
  const text = await metrics.registry.metrics();
  const value = (series: string) => Number(new RegExp(`^${series} (\\S+)$`, 'm').exec(text)?.[1]);
  return [
    value('bff_session_store_unavailable\\{store="sqlite"\\}'),
    value('bff_session_store_failures_total\\{store="sqlite"\\}'),
  ];
}

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (error: unknown) => (error instanceof AppError ? error.code : (error as Error).name),
  );

describe('guardStore', () => {
  it('turns a failure and a hang into SESSION_STORE_UNAVAILABLE (Retry-After 2 s), within the timeout', async () => {
    const t = setup(50);
    t.control.mode = 'fail';
    const failure = await t.guard.store.get('sid').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AppError);
    expect(failure).toMatchObject({ code: 'SESSION_STORE_UNAVAILABLE', details: { retryAfterSeconds: 2 } });
    t.control.mode = 'hang';
    expect(await codeOf(t.guard.store.get('sid'))).toBe('SESSION_STORE_UNAVAILABLE');
    await t.close();
  });

  it('opens after 3 failures in a row: calls fail at once without asking the store, then one tries again', async () => {
    const t = setup();
    t.control.mode = 'fail';
    for (let i = 0; i < 3; i += 1) expect(await codeOf(t.guard.store.get('sid'))).toBe('SESSION_STORE_UNAVAILABLE');
    expect(t.guard.open).toBe(true);
    expect(await codeOf(t.guard.store.get('sid'))).toBe('SESSION_STORE_UNAVAILABLE');
    expect(t.control.asked).toBe(3);

    t.control.mode = 'ok';
    t.clock.nowMs += 1_000;
    expect(await t.guard.store.get('sid')).toBeNull();
    expect(t.control.asked).toBe(4);
    expect(t.guard.open).toBe(false);
    await t.close();
  });

  it('logs one line when the store goes and one when it comes back, not one per call', async () => {
    const t = setup();
    t.control.mode = 'fail';
    for (let i = 0; i < 5; i += 1) await codeOf(t.guard.store.get('sid'));
    t.control.mode = 'ok';
    t.clock.nowMs += 1_000;
    await t.guard.store.get('sid');
    t.clock.nowMs += 10_000;
    await t.guard.store.get('sid');
    await t.guard.store.get('sid');
    expect(t.logs.events().map((line) => [line.event, line.store])).toEqual([
      ['store.unavailable', 'sqlite'],
      ['store.recovered', 'sqlite'],
    ]);
    await t.close();
  });

  it('a store that fails some calls and answers others (reads fine, disk full) logs one outage, not a flip per call', async () => {
    const t = setup();
    for (let i = 0; i < 30; i += 1) {
      t.control.mode = i % 2 === 0 ? 'fail' : 'ok';
      await codeOf(t.guard.store.get('sid'));
      t.clock.nowMs += 100;
    }
    expect(t.logs.events().map((line) => line.event)).toEqual(['store.unavailable']);
    // Back for good: recovered once calls have succeeded for 10 s with no failure, with the outage's tally.
    t.control.mode = 'ok';
    await t.guard.store.get('sid');
    t.clock.nowMs += 10_000;
    await t.guard.store.get('sid');
    await t.guard.store.get('sid');
    expect(t.logs.events().map(({ event, failedCalls, downMs }) => [event, failedCalls, downMs])).toEqual([
      ['store.unavailable', undefined, undefined],
      ['store.recovered', 15, 13_000],
    ]);
    await t.close();
  });

  it('shows the outage as bff_session_store_unavailable from the first failure until recovered, and counts failed calls', async () => {
    const t = setup();
    expect(await storeMetrics(t.metrics)).toEqual([0, 0]);
    t.control.mode = 'fail';
    await codeOf(t.guard.store.get('sid'));
    await codeOf(t.guard.store.get('sid'));
    expect(await storeMetrics(t.metrics)).toEqual([1, 2]);
    t.control.mode = 'ok';
    await t.guard.store.get('sid');
    // Answering again is not yet recovered: the gauge follows the log lines, not each call.
    expect(await storeMetrics(t.metrics)).toEqual([1, 2]);
    t.clock.nowMs += 10_000;
    await t.guard.store.get('sid');
    expect(await storeMetrics(t.metrics)).toEqual([0, 2]);
    expect(t.logs.events().map((line) => line.event)).toEqual(['store.unavailable', 'store.recovered']);
    await t.close();
  });

  it('passes an answer the store gives on purpose (the session exists) through unchanged', async () => {
    const t = setup();
    await t.guard.store.create('sid-1', sampleRecord());
    await expect(t.guard.store.create('sid-1', sampleRecord())).rejects.toBeInstanceOf(SessionExistsError);
    expect(t.guard.open).toBe(false);
    expect(t.logs.lines).toEqual([]);
    await t.close();
  });

  it('breakerAllows: closed, open for openMs, then half-open', () => {
    expect(breakerAllows({ failures: 0, openedAtMs: null }, 5, 1_000)).toBe(true);
    expect(breakerAllows({ failures: 3, openedAtMs: 0 }, 999, 1_000)).toBe(false);
    expect(breakerAllows({ failures: 3, openedAtMs: 0 }, 1_000, 1_000)).toBe(true);
  });
});
