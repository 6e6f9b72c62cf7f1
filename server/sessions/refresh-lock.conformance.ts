import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { RefreshLock } from './types.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The lock behaviour every `RefreshLock` shares (in-process, one Redis, a Redis Cluster). `pair()` gives
 * two locks over the same state: for the local lock the same object twice, for Redis two locks on
 * separate connections — two instances.
 */
export function describeRefreshLock(name: string, pair: () => [RefreshLock, RefreshLock]): void {
  describe(`RefreshLock: ${name}`, () => {
    const sid = () => randomUUID();

    it('makes a second acquirer wait until the first releases, then lets it in', async () => {
      const [first, second] = pair();
      const id = sid();
      const release = await first.acquire(id, { leaseMs: 5_000, waitMs: 0 });
      expect(release).not.toBeNull();
      const events: string[] = [];
      const waiting = second.acquire(id, { leaseMs: 5_000, waitMs: 2_000 }).then((r) => {
        events.push('second acquired');
        return r;
      });
      await sleep(60);
      events.push('first releases');
      await release?.();
      const secondRelease = await waiting;
      expect(secondRelease).not.toBeNull();
      expect(events).toEqual(['first releases', 'second acquired']);
      await secondRelease?.();
    });

    it('returns null when the lock stays held past waitMs', async () => {
      const [first, second] = pair();
      const id = sid();
      const release = await first.acquire(id, { leaseMs: 5_000, waitMs: 0 });
      const startedMs = Date.now();
      expect(await second.acquire(id, { leaseMs: 5_000, waitMs: 80 })).toBeNull();
      expect(Date.now() - startedMs).toBeGreaterThanOrEqual(75);
      await release?.();
    });

    it('returns null at once with waitMs 0 while held', async () => {
      const [first, second] = pair();
      const id = sid();
      const release = await first.acquire(id, { leaseMs: 5_000, waitMs: 0 });
      expect(await second.acquire(id, { leaseMs: 5_000, waitMs: 0 })).toBeNull();
      await release?.();
    });

    it('takes the lock from a holder that never releases once its lease has run out', async () => {
      const [first, second] = pair();
      const id = sid();
      expect(await first.acquire(id, { leaseMs: 120, waitMs: 0 })).not.toBeNull();
      const startedMs = Date.now();
      const release = await second.acquire(id, { leaseMs: 5_000, waitMs: 2_000 });
      expect(release).not.toBeNull();
      expect(Date.now() - startedMs).toBeGreaterThanOrEqual(100);
      await release?.();
    });

    it("does not let a holder whose lease ran out release its successor's lock", async () => {
      const [first, second] = pair();
      const id = sid();
      const staleRelease = await first.acquire(id, { leaseMs: 50, waitMs: 0 });
      await sleep(80);
      const currentRelease = await second.acquire(id, { leaseMs: 5_000, waitMs: 0 });
      expect(currentRelease).not.toBeNull();
      await staleRelease?.();
      expect(await first.acquire(id, { leaseMs: 5_000, waitMs: 0 })).toBeNull();
      await currentRelease?.();
    });

    it('gives the lock to exactly one of several simultaneous acquirers', async () => {
      const [first, second] = pair();
      const id = sid();
      const results = await Promise.all(
        [first, second, first, second].map((lock) => lock.acquire(id, { leaseMs: 5_000, waitMs: 0 })),
      );
      const holders = results.filter((release) => release !== null);
      expect(holders).toHaveLength(1);
      await holders[0]?.();
    });

    it('locks each session separately', async () => {
      const [first, second] = pair();
      const releaseA = await first.acquire(sid(), { leaseMs: 5_000, waitMs: 0 });
      const releaseB = await second.acquire(sid(), { leaseMs: 5_000, waitMs: 0 });
      expect(releaseA).not.toBeNull();
      expect(releaseB).not.toBeNull();
      await Promise.all([releaseA?.(), releaseB?.()]);
    });

    it('tolerates a release called twice', async () => {
      const [first] = pair();
      const id = sid();
      const release = await first.acquire(id, { leaseMs: 5_000, waitMs: 0 });
      await release?.();
      await expect(release?.()).resolves.toBeUndefined();
      const again = await first.acquire(id, { leaseMs: 5_000, waitMs: 0 });
      expect(again).not.toBeNull();
      await again?.();
    });
  });
}
