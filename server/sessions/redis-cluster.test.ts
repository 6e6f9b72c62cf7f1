/**
 * The Redis store, refresh lock and rate limiter on a real Redis Cluster of 3 masters started here
 * (Debian's redis-server, `redis-cli --cluster create`), as an ACL user holding only the rights
 * `redisAclRules` grants: the same contracts as on one node, and the key layout that keeps a session
 * and its lock in one slot.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisClientFor, startRedisCluster, type RedisCluster } from '../../tests/helpers/redis-servers.ts';
import type { RedisClient } from './redis-connection.ts';
import {
  clusterRedisKeys,
  createRedisRateLimiter,
  createRedisRefreshLock,
  createRedisStore,
  redisKeys,
} from './redis-store.ts';
import { redisStoreBackend } from './redis-testing.ts';
import { describeRefreshLock } from './refresh-lock.conformance.ts';
import { createSealer } from './seal.ts';
import { PASSWORD_A, describeSessionStoreConformance, sampleRecord } from './store.conformance.ts';

const dir = mkdtempSync(join(tmpdir(), 'redis-cluster-'));
let cluster: RedisCluster;
/** As the BFF would connect: the store's ACL user, every seed node in the URL. */
let storeUrl: string;
/** The default user, for raw reads and cleanup. */
let admin: Cluster;
const clients: RedisClient[] = [];
const connect = () => {
  const client = redisClientFor(storeUrl);
  clients.push(client);
  return client;
};

beforeAll(async () => {
  cluster = await startRedisCluster(dir);
  storeUrl = await cluster.addStoreUser('bff-store', 'cluster-user-password-never-logged', 'test:');
  const client = redisClientFor(cluster.url);
  if (!(client instanceof Cluster)) throw new Error('a redis-cluster:// URL must give a Cluster client');
  admin = client;
}, 30_000);

afterAll(async () => {
  for (const client of clients) client.disconnect();
  admin?.disconnect();
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describeSessionStoreConformance('redis cluster (3 masters, an ACL user)', async () =>
  redisStoreBackend(admin, () => storeUrl),
);

describeRefreshLock('redis cluster (two connections, an ACL user)', () => [
  createRedisRefreshLock(connect(), 'test:lock:'),
  createRedisRefreshLock(connect(), 'test:lock:'),
]);

describe('redis cluster specifics', () => {
  const prefix = `test:${randomUUID()}:`;

  it('keeps single-node key names as they were, and tags them with the storage key only on a cluster', () => {
    const node = redisKeys.session('bff:', 'a-sid');
    expect(node).toMatch(/^bff:session:[0-9a-f]{64}$/);
    expect(clusterRedisKeys.session('bff:', 'a-sid')).toBe(node.replace(/session:(.*)$/, 'session:{$1}'));
    expect(clusterRedisKeys.lock('bff:', 'a-sid')).toBe(
      redisKeys.lock('bff:', 'a-sid').replace(/lock:(.*)$/, 'lock:{$1}'),
    );
    expect(clusterRedisKeys.customer('bff:', 'gid://shopify/Customer/1')).toBe(
      redisKeys.customer('bff:', 'gid://shopify/Customer/1'),
    );
  });

  it("puts each session's key and lock key in one slot, and spreads sessions over all three masters", async () => {
    const client = connect();
    const store = createRedisStore({
      redis: client,
      keyPrefix: prefix,
      sealer: createSealer([PASSWORD_A]),
      absoluteTimeoutMs: 60_000,
    });
    const lock = createRedisRefreshLock(client, prefix);
    const sids = Array.from({ length: 60 }, (_, i) => `cluster-sid-${i}`);
    for (const sid of sids) {
      await store.create(sid, sampleRecord());
      const release = await lock.acquire(sid, { leaseMs: 5_000, waitMs: 0 });
      const [sessionKey, lockKey] = [clusterRedisKeys.session(prefix, sid), clusterRedisKeys.lock(prefix, sid)];
      expect(await admin.exists(sessionKey, lockKey)).toBe(2);
      expect(await admin.cluster('KEYSLOT', lockKey)).toBe(await admin.cluster('KEYSLOT', sessionKey));
      await release?.();
    }
    const perMaster = await Promise.all(admin.nodes('master').map((node) => node.keys(`${prefix}session:*`)));
    expect(perMaster.map((keys) => keys.length > 0)).toEqual([true, true, true]);
    expect(perMaster.flat().sort()).toEqual(sids.map((sid) => clusterRedisKeys.session(prefix, sid)).sort());
  });

  it('counts sign-in starts across clients, one key per window', async () => {
    const [a, b] = [connect(), connect()];
    // A frozen clock: all hits in one window, whenever the test runs.
    const nowMs = () => 1_700_000_000_000;
    const limiterA = createRedisRateLimiter(a, prefix, 'login', 2, 60_000, nowMs);
    const limiterB = createRedisRateLimiter(b, prefix, 'login', 2, 60_000, nowMs);
    const verdicts = [
      await limiterA.hit('203.0.113.7'),
      await limiterB.hit('203.0.113.7'),
      await limiterA.hit('203.0.113.7'),
    ];
    expect(verdicts.map((v) => v.allowed)).toEqual([true, true, false]);
    expect((await limiterB.hit('203.0.113.8')).allowed).toBe(true);
  });
});
