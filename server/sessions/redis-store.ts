import { randomBytes } from 'node:crypto';
import { createRedisClient, parseRedisUrl, type RedisClient } from './redis-connection.ts';
import {
  SessionExistsError,
  customerKey,
  labelOf,
  summaryOf,
  openEnvelope,
  parseSessionRecord,
  storageKey,
  withVersion,
  type Envelope,
} from './records.ts';
import type { Sealer } from './seal.ts';
import { rateDecision, type RateLimiter } from '../http/middleware/rate-limit/index.ts';
import type { RefreshLock, SessionRecord, SessionStore, SessionSummary } from './types.ts';

export interface RedisStoreOptions {
  /**
   * A connected client (left open by `close()`, its owner closes it) or a store URL, `redis://…` or
   * `redis-cluster://…` (closed by `close()`).
   */
  redis: RedisClient | string;
  /** Prepended to every key, e.g. `'bff:'`, so several apps or test runs can share one Redis. */
  keyPrefix: string;
  sealer: Sealer;
  /** The absolute session lifetime: a session key expires (PX) at `record.createdAtMs + absoluteTimeoutMs`. */
  absoluteTimeoutMs: number;
  /** Injected clock for the TTL arithmetic; defaults to `Date.now`. */
  nowMs?: () => number;
}

/** Key layout, in one place so tests and operators can find a session's key from its sid. */
export interface RedisKeyLayout {
  session(keyPrefix: string, sid: string): string;
  /** The session key of an index member (a storage key). */
  sessionOfMember(keyPrefix: string, member: string): string;
  lock(keyPrefix: string, sid: string): string;
  /** A set of the storage keys of one customer's sessions (members may outlive their session: pruned on read). */
  customer(keyPrefix: string, customerId: string): string;
}

function keyLayout(tag: (storedKey: string) => string): RedisKeyLayout {
  return {
    session: (keyPrefix, sid) => `${keyPrefix}session:${tag(storageKey(sid))}`,
    sessionOfMember: (keyPrefix, member) => `${keyPrefix}session:${tag(member)}`,
    lock: (keyPrefix, sid) => `${keyPrefix}lock:${tag(storageKey(sid))}`,
    customer: (keyPrefix, customerId) => `${keyPrefix}customer:${customerKey(customerId)}`,
  };
}

/** On one node: the names every deployment before Redis Cluster support wrote, kept so no session is lost. */
export const redisKeys = keyLayout((storedKey) => storedKey);
/**
 * On a Cluster: the storage key is a hash tag (`{…}`; the prefix cannot hold a brace), so a session's
 * key and its lock key live in one slot, on one node. Every command still touches a single key; the
 * customer index and the rate-limit counters are keys of their own, in whatever slot they hash to.
 */
export const clusterRedisKeys = keyLayout((storedKey) => `{${storedKey}}`);

/** The layout a client needs: tagged on a Cluster, unchanged on one node. */
export const redisKeysFor = (redis: RedisClient): RedisKeyLayout => (redis.isCluster ? clusterRedisKeys : redisKeys);

// A session is a hash { v: version, b: sealed envelope }. `v` duplicates the sealed version only so
// the scripts below can compare it; Lua scripts run atomically, which is what makes them safe.
const CREATE_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'v', '1', 'b', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;
// HGET on a missing (deleted, expired) key gives nil, which never equals the expected version: a
// write that lands after a sign-out fails instead of recreating the key. HSET keeps the key's TTL.
const CAS_SCRIPT = `
if redis.call('HGET', KEYS[1], 'v') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'b', ARGV[3])
return 1`;
// Only the holder (the one who knows the token) may delete the lock; a holder whose lease ran out
// must not delete the lock of whoever took it next.
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * A `SessionStore` on Redis, for several BFF instances. Keys hold `storageKey(sid)`, a SHA-256, never
 * the sid (a Redis dump must not yield usable session ids); values are sealed envelopes bound to
 * their key. Pending logins are plain keys with PX, taken with GETDEL (Redis ≥ 6.2).
 */
export function createRedisStore(options: RedisStoreOptions): SessionStore {
  const { sealer, keyPrefix, absoluteTimeoutMs } = options;
  const nowMs = options.nowMs ?? Date.now;
  const ownsClient = typeof options.redis === 'string';
  const redis = typeof options.redis === 'string' ? clientFromUrl(options.redis) : options.redis;
  const keys = redisKeysFor(redis);

  const sealRecord = (key: string, record: SessionRecord): Promise<string> =>
    sealer.seal({ key, value: record } satisfies Envelope<SessionRecord>);

  return {
    async get(sid) {
      const key = keys.session(keyPrefix, sid);
      const [version, sealed] = await redis.hmget(key, 'v', 'b');
      if (version == null || sealed == null) return null;
      const record = await sealer.unseal(sealed, (raw) => openEnvelope(raw, key, parseSessionRecord));
      // A `v` that disagrees with the sealed version means the key was edited outside this store.
      return record !== null && String(record.version) === version ? record : null;
    },

    async create(sid, record) {
      const key = keys.session(keyPrefix, sid);
      const stored = withVersion(record, 1);
      const sealed = await sealRecord(key, stored);
      // PEXPIRE with 0 or less would delete the key at once; 1 ms gives the same outcome (an
      // already-expired session is unreadable) without a special case in the script.
      const ttlMs = Math.max(1, stored.createdAtMs + absoluteTimeoutMs - nowMs());
      const created = await redis.eval(CREATE_SCRIPT, 1, key, sealed, ttlMs);
      if (created !== 1) throw new SessionExistsError();
      // The index is written apart from the record (in a cluster they may live on different nodes):
      // a member whose session is gone is pruned when the customer's sessions are listed.
      const index = keys.customer(keyPrefix, stored.customerId);
      await redis.multi().sadd(index, storageKey(sid)).pexpire(index, absoluteTimeoutMs).exec();
      return stored;
    },

    async compareAndSet(sid, expectedVersion, next) {
      const key = keys.session(keyPrefix, sid);
      const stored = withVersion(next, expectedVersion + 1);
      const sealed = await sealRecord(key, stored);
      const written = await redis.eval(CAS_SCRIPT, 1, key, String(expectedVersion), String(stored.version), sealed);
      return written === 1 ? stored : null;
    },

    async delete(sid) {
      await redis.del(keys.session(keyPrefix, sid));
    },

    async listByCustomer(customerId) {
      const index = keys.customer(keyPrefix, customerId);
      const summaries: SessionSummary[] = [];
      for (const member of await redis.smembers(index)) {
        const key = keys.sessionOfMember(keyPrefix, member);
        const [version, sealed] = await redis.hmget(key, 'v', 'b');
        if (version == null || sealed == null) {
          await redis.srem(index, member);
          continue;
        }
        const record = await sealer.unseal(sealed, (raw) => openEnvelope(raw, key, parseSessionRecord));
        if (record !== null && String(record.version) === version && record.customerId === customerId) {
          summaries.push(summaryOf(member, record));
        }
      }
      return summaries.sort((a, b) => a.createdAtMs - b.createdAtMs);
    },

    async deleteByCustomer(customerId, id) {
      const index = keys.customer(keyPrefix, customerId);
      const members = (await redis.smembers(index)).filter((member) => labelOf(member) === id);
      let deleted = 0;
      for (const member of members) {
        deleted += await redis.del(keys.sessionOfMember(keyPrefix, member));
        await redis.srem(index, member);
      }
      return deleted > 0;
    },

    async ping() {
      await redis.ping();
    },

    async close() {
      if (ownsClient) await redis.quit();
    },
  };
}

export interface RedisRefreshLockOptions {
  /** First pause between attempts while another instance holds the lock; doubles up to `maxPollMs`. Default 10 ms. */
  minPollMs?: number;
  /** Default 100 ms: a refresh takes a few hundred ms, so waiters notice its end soon enough. */
  maxPollMs?: number;
}

/**
 * A `RefreshLock` shared by every BFF instance on one Redis: `SET key token NX PX leaseMs`, polled
 * with capped exponential backoff (plus jitter, so waiters spread out) until `waitMs`. The release
 * function deletes the key only while it still holds this holder's random token; calling it twice,
 * or after the lease ran out, is harmless.
 */
export function createRedisRefreshLock(
  redis: RedisClient,
  keyPrefix: string,
  options: RedisRefreshLockOptions = {},
): RefreshLock {
  const minPollMs = options.minPollMs ?? 10;
  const maxPollMs = options.maxPollMs ?? 100;
  const keys = redisKeysFor(redis);

  return {
    async acquire(sid, { leaseMs, waitMs }) {
      const key = keys.lock(keyPrefix, sid);
      const token = randomBytes(16).toString('base64url');
      const deadlineMs = Date.now() + waitMs;
      let pollMs = minPollMs;
      for (;;) {
        if ((await redis.set(key, token, 'PX', Math.max(1, Math.ceil(leaseMs)), 'NX')) === 'OK') {
          return async () => {
            await redis.eval(RELEASE_SCRIPT, 1, key, token);
          };
        }
        const remainingMs = deadlineMs - Date.now();
        if (remainingMs <= 0) return null;
        await sleep(Math.min(remainingMs, pollMs / 2 + Math.random() * (pollMs / 2)));
        pollMs = Math.min(maxPollMs, pollMs * 2);
      }
    },
  };
}

function clientFromUrl(url: string): RedisClient {
  const target = parseRedisUrl(url);
  if ('problem' in target) throw new Error(`the Redis store URL ${target.problem}`);
  return createRedisClient(target, null, {});
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// INCR and the window's expiry in one step, so a counter never outlives its window.
const HIT_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

/**
 * A rate limiter shared by every BFF instance on this Redis: `limit` hits per key per `windowMs`, in
 * fixed windows. The key holds the client's address, which is not a secret. One counter is one key (no
 * hash tag needed on a Cluster).
 */
export function createRedisRateLimiter(
  redis: RedisClient,
  keyPrefix: string,
  name: string,
  limit: number,
  windowMs: number,
  nowMs: () => number = Date.now,
): RateLimiter {
  return {
    async hit(key) {
      const now = nowMs();
      const windowStartMs = now - (now % windowMs);
      const count = Number(
        await redis.eval(HIT_SCRIPT, 1, `${keyPrefix}rate:${name}:${windowStartMs}:${key}`, windowMs),
      );
      return rateDecision(count, limit, windowStartMs + windowMs - now);
    },
  };
}
