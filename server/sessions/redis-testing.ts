import { randomUUID } from 'node:crypto';
import { Cluster } from 'ioredis';
import type { RedisClient } from './redis-connection.ts';
import { createRedisStore, redisKeysFor } from './redis-store.ts';
import { createSealer } from './seal.ts';
import type { RawKind, StoreBackend } from './store.conformance.ts';
import type { SessionStore } from './types.ts';

/** Test support only: where the test Redis is, and how to clean up after a run's key prefix. */
export const TEST_REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** Deletes every key under `prefix` (SCAN, not KEYS: never block a shared Redis), on every master of a Cluster. */
export async function deleteKeysWithPrefix(redis: RedisClient, prefix: string): Promise<void> {
  for (const node of redis instanceof Cluster ? redis.nodes('master') : [redis]) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      // One DEL per key: on a Cluster node, one DEL of keys in several slots is refused (CROSSSLOT).
      if (keys.length > 0) await keys.reduce((pipeline, key) => pipeline.del(key), node.pipeline()).exec();
      cursor = next;
    } while (cursor !== '0');
  }
}

/**
 * The store conformance backend on Redis, under a fresh key prefix: each store opened gets a client (or
 * a URL, then the store owns its client) of its own from `connect`, as separate BFF instances would
 * have; the raw reads and edits go through `admin`, which the caller owns.
 */
export function redisStoreBackend(admin: RedisClient, connect: () => RedisClient | string): StoreBackend {
  const prefix = `test:${randomUUID()}:`;
  const keys = redisKeysFor(admin);
  const opened: Array<{ store: SessionStore; client: RedisClient | string }> = [];
  const rawKey = (_kind: RawKind, id: string) => keys.session(prefix, id);
  const readSealed = (kind: RawKind, id: string) => admin.hget(rawKey(kind, id), 'b');
  return {
    async open({ passwords, absoluteTimeoutMs }) {
      const client = connect();
      const store = createRedisStore({
        redis: client,
        keyPrefix: prefix,
        sealer: createSealer(passwords),
        absoluteTimeoutMs,
      });
      opened.push({ store, client });
      return store;
    },
    async readRaw(kind, id) {
      const fields = await admin.hgetall(rawKey(kind, id));
      return Object.keys(fields).length === 0 ? null : JSON.stringify(fields);
    },
    readSealed,
    async editSealed(kind, id, edit) {
      const sealed = await readSealed(kind, id);
      if (sealed === null) throw new Error('nothing stored to edit');
      // HSET keeps the expiry: only the blob changes.
      await admin.hset(rawKey(kind, id), 'b', edit(sealed));
    },
    async destroy() {
      await Promise.all(opened.map(({ store }) => store.close()));
      // A store opened on a URL closed its own client; one given a client leaves it to its owner.
      await Promise.all(opened.map(({ client }) => (typeof client === 'string' ? null : client.quit())));
      await deleteKeysWithPrefix(admin, prefix);
    },
  };
}
