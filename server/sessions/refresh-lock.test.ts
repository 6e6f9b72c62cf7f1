import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalRefreshLock } from './local-lock.ts';
import { createRedisRefreshLock, redisKeys } from './redis-store.ts';
import { deleteKeysWithPrefix, TEST_REDIS_URL as REDIS_URL } from './redis-testing.ts';
import { describeRefreshLock } from './refresh-lock.conformance.ts';

const local = createLocalRefreshLock();
describeRefreshLock('local (one process)', () => [local, local]);

describe('local lock with an injected clock', () => {
  it('ends a lease once the clock passes it, before the real lease timer fires', async () => {
    let nowMs = 1_700_000_000_000;
    const lock = createLocalRefreshLock(() => nowMs);
    expect(await lock.acquire('sid', { leaseMs: 60_000, waitMs: 0 })).not.toBeNull();
    expect(await lock.acquire('sid', { leaseMs: 60_000, waitMs: 0 })).toBeNull();
    nowMs += 60_000;
    expect(await lock.acquire('sid', { leaseMs: 60_000, waitMs: 0 })).not.toBeNull();
  });

  it('times a wait out on real time even when the clock is frozen', async () => {
    const lock = createLocalRefreshLock(() => 1_700_000_000_000);
    await lock.acquire('sid', { leaseMs: 60_000, waitMs: 0 });
    const startedMs = Date.now();
    expect(await lock.acquire('sid', { leaseMs: 60_000, waitMs: 50 })).toBeNull();
    expect(Date.now() - startedMs).toBeGreaterThanOrEqual(45);
  });
});

describe('redis', () => {
  const prefix = `test:${randomUUID()}:`;
  // Two connections: the lock has to hold between BFF instances, not just between calls on one client.
  let instanceA: Redis;
  let instanceB: Redis;
  beforeAll(() => {
    instanceA = new Redis(REDIS_URL);
    instanceB = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    await deleteKeysWithPrefix(instanceA, prefix);
    await Promise.all([instanceA.quit(), instanceB.quit()]);
  });

  describeRefreshLock('redis (two connections)', () => [
    createRedisRefreshLock(instanceA, prefix),
    createRedisRefreshLock(instanceB, prefix),
  ]);

  it('stores the lock under the hashed sid with a PX lease, never the raw sid', async () => {
    const lock = createRedisRefreshLock(instanceA, prefix);
    const sid = randomUUID();
    const release = await lock.acquire(sid, { leaseMs: 5_000, waitMs: 0 });
    const key = redisKeys.lock(prefix, sid);
    expect(key).not.toContain(sid);
    expect(await instanceA.pttl(key)).toBeGreaterThan(4_000);
    await release?.();
    expect(await instanceA.exists(key)).toBe(0);
  });
});
