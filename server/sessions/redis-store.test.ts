import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisStore, redisKeys } from './redis-store.ts';
import { deleteKeysWithPrefix, redisStoreBackend, TEST_REDIS_URL as REDIS_URL } from './redis-testing.ts';
import { createSealer } from './seal.ts';
import { PASSWORD_A, describeSessionStoreConformance, sampleRecord } from './store.conformance.ts';

const HOUR_MS = 3_600_000;

// Raw reads and cleanup; each store the suite opens has its own client from the URL, as separate BFF instances.
let admin: Redis;
beforeAll(() => {
  admin = new Redis(REDIS_URL);
});
afterAll(() => admin.quit());

describeSessionStoreConformance('redis', async () => redisStoreBackend(admin, () => REDIS_URL));

describe('redis store specifics', () => {
  const prefix = `test:${randomUUID()}:`;
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    await deleteKeysWithPrefix(redis, prefix);
    await redis.quit();
  });

  it('sets the session key to expire at createdAtMs + absoluteTimeoutMs', async () => {
    const nowMs = 1_700_000_000_000;
    const store = createRedisStore({
      redis,
      keyPrefix: prefix,
      sealer: createSealer([PASSWORD_A]),
      absoluteTimeoutMs: HOUR_MS,
      nowMs: () => nowMs,
    });
    await store.create('sid-ttl', sampleRecord({ createdAtMs: nowMs - 60_000 }));
    const ttlMs = await redis.pttl(redisKeys.session(prefix, 'sid-ttl'));
    expect(ttlMs).toBeGreaterThan(HOUR_MS - 60_000 - 5_000);
    expect(ttlMs).toBeLessThanOrEqual(HOUR_MS - 60_000);
    // compareAndSet keeps the absolute expiry instead of extending it.
    await store.compareAndSet('sid-ttl', 1, sampleRecord());
    expect(await redis.pttl(redisKeys.session(prefix, 'sid-ttl'))).toBeLessThanOrEqual(ttlMs);
  });

  it('leaves a client it was given open on close()', async () => {
    const store = createRedisStore({
      redis,
      keyPrefix: prefix,
      sealer: createSealer([PASSWORD_A]),
      absoluteTimeoutMs: HOUR_MS,
    });
    await store.close();
    expect(await redis.ping()).toBe('PONG');
  });

  it('treats a version field that disagrees with the sealed version as unreadable', async () => {
    const store = createRedisStore({
      redis,
      keyPrefix: prefix,
      sealer: createSealer([PASSWORD_A]),
      absoluteTimeoutMs: HOUR_MS,
    });
    await store.create('sid-version', sampleRecord());
    await redis.hset(redisKeys.session(prefix, 'sid-version'), 'v', '5');
    expect(await store.get('sid-version')).toBeNull();
  });
});
