import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisStore, redisKeys } from './redis-store.ts';
import { deleteKeysWithPrefix, TEST_REDIS_URL as REDIS_URL } from './redis-testing.ts';
import { createSealer } from './seal.ts';
import {
  PASSWORD_A,
  describeSessionStoreConformance,
  sampleRecord,
  type RawKind,
  type StoreBackend,
} from './store.conformance.ts';
import type { SessionStore } from './types.ts';

const HOUR_MS = 3_600_000;

const rawKey = (prefix: string, _kind: RawKind, id: string) => redisKeys.session(prefix, id);

describeSessionStoreConformance('redis', async (): Promise<StoreBackend> => {
  const prefix = `test:${randomUUID()}:`;
  const admin = new Redis(REDIS_URL);
  const stores: SessionStore[] = [];
  const readSealed = async (kind: RawKind, id: string) => {
    const key = rawKey(prefix, kind, id);
    return kind === 'session' ? admin.hget(key, 'b') : admin.get(key);
  };
  return {
    async open({ passwords, absoluteTimeoutMs }) {
      // Each store on its own connection from a URL, as separate BFF instances would be.
      const store = createRedisStore({
        redis: REDIS_URL,
        keyPrefix: prefix,
        sealer: createSealer(passwords),
        absoluteTimeoutMs,
      });
      stores.push(store);
      return store;
    },
    async readRaw(kind, id) {
      const key = rawKey(prefix, kind, id);
      const fields = await admin.hgetall(key);
      return Object.keys(fields).length === 0 ? null : JSON.stringify(fields);
    },
    readSealed,
    async editSealed(kind, id, edit) {
      const sealed = await readSealed(kind, id);
      if (sealed === null) throw new Error('nothing stored to edit');
      const key = rawKey(prefix, kind, id);
      // KEEPTTL / HSET keep the expiry: only the blob changes.
      if (kind === 'session') await admin.hset(key, 'b', edit(sealed));
      else await admin.set(key, edit(sealed), 'KEEPTTL');
    },
    async destroy() {
      await Promise.all(stores.map((store) => store.close()));
      await deleteKeysWithPrefix(admin, prefix);
      await admin.quit();
    },
  };
});

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
