import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSealer } from './seal.ts';
import { createSessionService, type SessionService } from './session-service.ts';
import { createSqliteStore, type SqliteSessionStore } from './sqlite-store.ts';
import { PASSWORD_A, sampleRecord } from './store.conformance.ts';

const MINUTE_MS = 60_000;
const IDLE_MS = 30 * MINUTE_MS;
const ABSOLUTE_MS = 24 * 60 * MINUTE_MS;
const SID = 'session-id-for-the-service-tests';

describe('session service', () => {
  let nowMs: number;
  let store: SqliteSessionStore;
  let service: SessionService;
  const startMs = 1_700_000_000_000;

  beforeEach(async () => {
    nowMs = startMs;
    const clock = () => nowMs;
    store = createSqliteStore({
      path: ':memory:',
      sealer: createSealer([PASSWORD_A]),
      // The store's own TTL is longer, so these tests see the service's checks, not the store's.
      absoluteTimeoutMs: 2 * ABSOLUTE_MS,
      nowMs: clock,
      purgeIntervalMs: 0,
    });
    service = createSessionService({ store, idleTimeoutMs: IDLE_MS, absoluteTimeoutMs: ABSOLUTE_MS, nowMs: clock });
    await store.create(SID, sampleRecord({ createdAtMs: startMs, lastSeenAtMs: startMs }));
  });
  afterEach(async () => {
    await store.close();
  });

  it('loads a live session', async () => {
    expect(await service.load(SID)).toMatchObject({ version: 1, lastSeenAtMs: startMs });
  });

  it('returns null for an unknown sid', async () => {
    expect(await service.load('no-such-session-id')).toBeNull();
  });

  it('ends and deletes a session idle for idleTimeoutMs', async () => {
    nowMs = startMs + IDLE_MS - 1;
    expect(await service.load(SID)).not.toBeNull();
    nowMs = startMs + IDLE_MS;
    expect(await service.load(SID)).toBeNull();
    expect(await store.get(SID)).toBeNull();
  });

  it('ends and deletes a session at its absolute lifetime, however active', async () => {
    for (let t = startMs; t < startMs + ABSOLUTE_MS; t += 10 * MINUTE_MS) {
      nowMs = t;
      const record = await service.load(SID);
      expect(record).not.toBeNull();
      await service.touch(SID, record!);
    }
    nowMs = startMs + ABSOLUTE_MS;
    expect(await service.load(SID)).toBeNull();
    expect(await store.get(SID)).toBeNull();
  });

  it('touch writes nothing within touchIntervalMs of the last write', async () => {
    nowMs = startMs + MINUTE_MS - 1;
    await service.touch(SID, (await service.load(SID))!);
    expect(await store.get(SID)).toMatchObject({ version: 1, lastSeenAtMs: startMs });
  });

  it('touch moves lastSeenAtMs to now with compare-and-set once the interval has passed', async () => {
    nowMs = startMs + MINUTE_MS;
    await service.touch(SID, (await service.load(SID))!);
    expect(await store.get(SID)).toMatchObject({ version: 2, lastSeenAtMs: startMs + MINUTE_MS });
  });

  it('a burst of concurrent touches of one session writes once', async () => {
    const record = (await service.load(SID))!;
    nowMs += 2 * MINUTE_MS;
    const cas = vi.spyOn(store, 'compareAndSet');
    await Promise.all(Array.from({ length: 50 }, () => service.touch(SID, record)));
    expect(cas).toHaveBeenCalledTimes(1);
    expect(await store.get(SID)).toMatchObject({ version: 2, lastSeenAtMs: startMs + 2 * MINUTE_MS });
  });

  it('a touch that keeps the session active pushes the idle timeout out', async () => {
    nowMs = startMs + IDLE_MS - MINUTE_MS;
    await service.touch(SID, (await service.load(SID))!);
    nowMs = startMs + IDLE_MS + MINUTE_MS;
    expect(await service.load(SID)).not.toBeNull();
  });

  it('touch with a stale record changes nothing (a refresh that won keeps its tokens)', async () => {
    const stale = (await service.load(SID))!;
    const refreshed = await store.compareAndSet(SID, 1, {
      ...stale,
      accessToken: 'refreshed',
      refreshToken: 'rotated',
    });
    nowMs = startMs + 5 * MINUTE_MS;
    await service.touch(SID, stale);
    expect(await store.get(SID)).toEqual(refreshed);
  });

  it('touch after the session was deleted does not bring it back', async () => {
    const record = (await service.load(SID))!;
    await store.delete(SID);
    nowMs = startMs + 5 * MINUTE_MS;
    await service.touch(SID, record);
    expect(await store.get(SID)).toBeNull();
  });

  it('a touch the store cannot write is reported, never thrown: the call it belongs to has been answered', async () => {
    const failures: string[] = [];
    const failing = createSessionService({
      store: {
        ...store,
        compareAndSet: async () => {
          throw new Error('disk full');
        },
      },
      idleTimeoutMs: IDLE_MS,
      absoluteTimeoutMs: ABSOLUTE_MS,
      nowMs: () => nowMs,
      onTouchFailed: (sid, error) => failures.push(`${sid}: ${(error as Error).message}`),
    });
    nowMs = startMs + 2 * MINUTE_MS;
    await expect(failing.touch(SID, (await failing.load(SID))!)).resolves.toBeUndefined();
    expect(failures).toEqual([`${SID}: disk full`]);
  });

  it('end: a delete the store refuses leaves the session refused here, and is retried until it lands', async () => {
    const events: string[] = [];
    const down = { value: true };
    const flaky = createSessionService({
      store: {
        ...store,
        delete: async (sid) => {
          if (down.value) throw new Error('redis unavailable');
          await store.delete(sid);
        },
      },
      idleTimeoutMs: IDLE_MS,
      absoluteTimeoutMs: ABSOLUTE_MS,
      nowMs: () => nowMs,
      endRetryBaseMs: 5,
      onEndPending: (sid, error) => events.push(`pending ${sid}: ${(error as Error).message}`),
      onEndCompleted: (sid) => events.push(`completed ${sid}`),
    });
    expect(await flaky.end(SID)).toBe('pending');
    expect(await flaky.load(SID)).toBeNull(); // refused at once, although the record is still stored
    expect(await store.get(SID)).not.toBeNull();
    down.value = false;
    await vi.waitFor(() => expect(events).toContain(`completed ${SID}`));
    expect(await store.get(SID)).toBeNull();
    expect(events[0]).toBe(`pending ${SID}: redis unavailable`);
    expect(await service.end(SID)).toBe('deleted');
  });
});
