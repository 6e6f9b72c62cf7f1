/**
 * The Redis store on a Redis shaped like a managed one (TLS only, with a throwaway CA; the default user
 * off) as an ACL user holding exactly `redisAclRules`: the store and lock contracts hold with those
 * rights, and a user without them is refused with Redis's NOPERM.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  redisClientFor,
  startManagedRedis,
  type ManagedRedis,
  type ManagedUser,
} from '../../tests/helpers/redis-servers.ts';
import type { RedisClient } from './redis-connection.ts';
import { createRedisRateLimiter, createRedisRefreshLock, createRedisStore } from './redis-store.ts';
import { redisStoreBackend } from './redis-testing.ts';
import { describeRefreshLock } from './refresh-lock.conformance.ts';
import { createSealer } from './seal.ts';
import { PASSWORD_A, describeSessionStoreConformance, sampleRecord } from './store.conformance.ts';

const dir = mkdtempSync(join(tmpdir(), 'redis-tls-acl-'));
let redis: ManagedRedis;
let admin: RedisClient;
const clients: RedisClient[] = [];
/** A client over TLS, trusting the throwaway CA, signed in as `user`. */
const connect = (user: ManagedUser = 'store') => {
  const client = redisClientFor(redis.url(user), redis.caPem);
  clients.push(client);
  return client;
};

beforeAll(async () => {
  redis = await startManagedRedis(dir, 'test:');
  admin = connect('admin');
}, 20_000);

afterAll(async () => {
  for (const client of clients) client.disconnect();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describeSessionStoreConformance('redis over TLS, as an ACL user with only the store’s rights', async () =>
  redisStoreBackend(admin, () => connect()),
);

describeRefreshLock('redis over TLS, as an ACL user (two connections)', () => [
  createRedisRefreshLock(connect(), 'test:lock:'),
  createRedisRefreshLock(connect(), 'test:lock:'),
]);

describe('rights', () => {
  it('lets the store user run the rate limiter, and refuses keys outside its prefix', async () => {
    const store = connect();
    const limiter = createRedisRateLimiter(store, 'test:', 'login', 1, 60_000, () => 1_700_000_000_000);
    expect((await limiter.hit('203.0.113.9')).allowed).toBe(true);
    expect((await limiter.hit('203.0.113.9')).allowed).toBe(false);
    await expect(store.get('other-app:key')).rejects.toThrow(/^NOPERM /);
  });

  it('refuses every store operation to a user without the rights, with NOPERM naming the command', async () => {
    const store = createRedisStore({
      redis: connect('powerless'),
      keyPrefix: 'test:',
      sealer: createSealer([PASSWORD_A]),
      absoluteTimeoutMs: 60_000,
    });
    await expect(store.ping()).resolves.toBeUndefined();
    await expect(store.create('sid-powerless', sampleRecord())).rejects.toThrow(
      "NOPERM this user has no permissions to run the 'eval' command",
    );
    await expect(store.get('sid-powerless')).rejects.toThrow(
      "NOPERM this user has no permissions to run the 'hmget' command",
    );
  });
});
