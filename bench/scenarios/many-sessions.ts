/**
 * Scenario 3, many sessions: 10,000 signed-in sessions minted straight into the store (real sign-ins
 * would take minutes and measure the emulator), on the fast upstream. Calls spread at random across
 * all of them against calls on one session; what each session costs the BFF's memory, a SQLite file
 * and Redis.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { compareRounds, eachOnce, hammer, proxiedCall, roundsFor } from '../lib/load.ts';
import { stopAll } from '../lib/processes.ts';
import { exactly, fmt, ratio, type Scenario } from '../lib/report.ts';
import {
  clearRedisPrefix,
  mintFastSessions,
  REDIS_URL,
  redisPrefix,
  startBffProcess,
  startFastUpstream,
  type BffProcess,
} from '../lib/stacks.ts';

const GOAL_SPREAD = 0.8;
// The concurrency of the pass that touches every session once: a busy storefront, not a flood.
const TOUCH_CONCURRENCY = 64;
// Keys whose MEMORY USAGE is averaged: exact per key, and sessions are all the same shape.
const REDIS_SAMPLE_KEYS = 200;
const MB = 2 ** 20;

interface Memory {
  rssBytes: number;
  heapUsedBytes: number;
}

interface Footprint {
  fileBytes: number;
  rows: number;
}

/** Up to `limit` keys matching `pattern` (SCAN: a shared Redis is never blocked). */
async function scanKeys(redis: Redis, pattern: string, limit: number): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0' && keys.length < limit);
  return keys.slice(0, limit);
}

/**
 * Redis bytes per session: `MEMORY USAGE` of sampled session keys, the customer index's share (one
 * set per customer, listing its sessions), and the server's `used_memory` growth.
 */
async function redisBytesPerSession(bff: BffProcess, prefix: string, sessions: number) {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
  // SAMPLES 0: every field of a hash or member of a set is counted, not an estimate from a few.
  const usage = async (keys: string[]) =>
    (await Promise.all(keys.map((key) => redis.memory('USAGE', key, 'SAMPLES', 0)))).reduce<number>(
      (n, bytes) => n + Number(bytes ?? 0),
      0,
    );
  try {
    const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
    const before = await usedMemory();
    await mintFastSessions(bff, sessions);
    const after = await usedMemory();
    const sample = await scanKeys(redis, `${prefix}session:*`, REDIS_SAMPLE_KEYS);
    const indexes = await scanKeys(redis, `${prefix}customer:*`, Number.POSITIVE_INFINITY);
    return {
      perKey: (await usage(sample)) / Math.max(1, sample.length),
      indexPerSession: (await usage(indexes)) / sessions,
      usedMemoryPerSession: (after - before) / sessions,
    };
  } finally {
    redis.disconnect();
  }
}

export const manySessions: Scenario = {
  id: 'many-sessions',
  title: '3. Many sessions',
  async run({ quick }) {
    const sessions = quick ? 1_000 : 10_000;
    const rounds = roundsFor(quick);
    const dir = mkdtempSync(join(tmpdir(), 'bench-sessions-'));
    const prefix = redisPrefix();
    const upstream = await startFastUpstream();
    const store = `sqlite:${join(dir, 'sessions.db')}`;
    let bff: BffProcess | null = null;
    let redisBff: BffProcess | null = null;
    try {
      // Minted by one process, served by another: sealing thousands of records leaves native memory behind
      // (WebCrypto's buffers, malloc's arenas) that would pass for the sessions' own cost.
      const minter = await startBffProcess({ storefront: upstream.url, store });
      const minted = await (async () => {
        try {
          const emptyFile = await minter.child.call<Footprint>({ type: 'store-footprint' });
          const cookies = await mintFastSessions(minter, sessions + 1);
          return { emptyFile, cookies, fullFile: await minter.child.call<Footprint>({ type: 'store-footprint' }) };
        } finally {
          await minter.child.stop();
        }
      })();
      const { emptyFile, fullFile } = minted;
      const [oneCookie, ...cookies] = minted.cookies;

      // --expose-gc: memory is read after a full collection, so garbage does not count as sessions.
      bff = await startBffProcess({ storefront: upstream.url, store, execArgv: ['--expose-gc'] });
      const one = proxiedCall(bff.url, oneCookie!);
      // Warm the JIT and the pools first, so the memory baseline already holds what any session needs.
      await hammer(one, rounds.warmupMs);
      const spread = cookies.map((cookie) => proxiedCall(bff!.url, cookie));
      // Read after each half of the pass: the first half also pays one-off costs (the pass's sockets,
      // caches warming up), so the second half's growth is the closer figure for one more session.
      const memory = [await bff.child.call<Memory>({ type: 'memory' })];
      let touchFailures = 0;
      for (const half of [spread.slice(0, sessions / 2), spread.slice(sessions / 2)]) {
        const touched = await eachOnce(half, TOUCH_CONCURRENCY);
        touchFailures += touched.answers.filter((a) => a.status !== 200).length;
        memory.push(await bff.child.call<Memory>({ type: 'memory' }));
      }

      const [oneRow, spreadRow] = await compareRounds(
        [
          { name: 'one session (baseline)', target: one, processes: { bff: bff.child } },
          {
            name: `spread at random over ${fmt(sessions)} sessions`,
            target: () => spread[Math.floor(Math.random() * spread.length)]!,
            processes: { bff: bff.child },
          },
        ],
        rounds,
      );

      redisBff = await startBffProcess({ storefront: upstream.url, store: REDIS_URL, prefix });
      const redisBytes = await redisBytesPerSession(redisBff, prefix, sessions);

      const spreadRatio = spreadRow!.rps / oneRow!.rps;
      const cpuOne = oneRow!.cpuUsPerCall.bff!;
      const cpuSpread = spreadRow!.cpuUsPerCall.bff!;
      const per1000 = (bytes: number) => (bytes / sessions) * 1000;
      const [before, half, after] = memory as [Memory, Memory, Memory];
      const memoryRow = (label: string, field: keyof Memory) => [
        label,
        `${fmt((half[field] - before[field]) / MB)} MB`,
        `${fmt((after[field] - before[field]) / MB)} MB`,
        `${fmt(per1000(after[field] - before[field]) / MB)} MB`,
        `${fmt((2 * per1000(after[field] - half[field])) / MB)} MB`,
      ];
      const rssPer1000 = per1000(after.rssBytes - before.rssBytes);
      const heapPer1000 = per1000(after.heapUsedBytes - before.heapUsedBytes);
      const rssSecondHalfPer1000 = 2 * per1000(after.rssBytes - half.rssBytes);
      const heapSecondHalfPer1000 = 2 * per1000(after.heapUsedBytes - half.heapUsedBytes);
      const sqlitePerSession = (fullFile.fileBytes - emptyFile.fileBytes) / Math.max(1, fullFile.rows - emptyFile.rows);
      return {
        setup:
          `The fast upstream and a SQLite file in a temporary folder (WAL, as in production). One BFF process mints ` +
          `${fmt(sessions)} sessions into the file and stops; a fresh one (with --expose-gc) serves them: after a ` +
          `warm-up on one session, every session is called once (${TOUCH_CONCURRENCY} at a time) so that it has ` +
          `seen them all, and its memory is read after a full garbage collection before and after that pass. Throughput: ${rounds.rounds} alternating round(s) of ` +
          `${rounds.roundMs / 1000} s per side. Redis: a second BFF on 127.0.0.1:6379 with a key prefix of its own, ` +
          `the same number of sessions minted into it, its keys deleted afterwards.`,
        figures: [
          {
            caption: `Throughput: calls spread over ${fmt(sessions)} sessions vs calls on one session`,
            table: {
              header: ['calls', 'req/s', 'vs one session', 'p50 ms', 'p99 ms', 'errors', 'BFF CPU µs/call', 'vs one'],
              rows: [oneRow!, spreadRow!].map((r) => [
                r.name,
                r.rps,
                ratio(r.rps / oneRow!.rps),
                r.p50,
                r.p99,
                r.errors,
                r.cpuUsPerCall.bff!,
                ratio(r.cpuUsPerCall.bff! / cpuOne),
              ]),
            },
            reading:
              `With calls landing on any of ${fmt(sessions)} sessions the BFF serves ${ratio(spreadRatio)}× the rate it ` +
              `serves on one session (goal: at least ${GOAL_SPREAD}×), and each call costs it ${ratio(cpuSpread / cpuOne)}× ` +
              `the CPU. A store lookup costs the same for any session; what differs is the BFF's cache of unsealed ` +
              `cookies and session records (one LRU for both, server/sessions/seal.ts): a call whose cookie or record ` +
              `has fallen out of it pays a key derivation (a few hundred µs of CPU) to unseal it again. A ratio near ` +
              `1 means the cache holds every active session; well below 1 means it is too small for this many.`,
          },
          {
            caption: `The BFF's memory while it serves ${fmt(sessions)} sessions for the first time`,
            table: {
              header: [
                'BFF process',
                `growth, first ${fmt(sessions / 2)}`,
                `growth, all ${fmt(sessions)}`,
                'per 1,000 sessions (all)',
                'per 1,000 sessions (second half)',
              ],
              rows: [
                memoryRow('resident memory (RSS)', 'rssBytes'),
                memoryRow('JavaScript heap in use', 'heapUsedBytes'),
              ],
            },
            reading:
              `Serving ${fmt(sessions)} sessions grew the BFF's resident memory by ${fmt(rssPer1000 / MB)} MB per ` +
              `1,000 sessions over the whole pass, and by ${fmt(rssSecondHalfPer1000 / MB)} MB per 1,000 over its ` +
              `second half alone; the JavaScript heap by ${fmt(heapPer1000 / MB)} and ` +
              `${fmt(heapSecondHalfPer1000 / MB)} MB. The first half also pays for things done once (the pass's ` +
              `sockets, caches filling up), so the second half is the better estimate of what one more session ` +
              `costs. The heap holds the unseal cache's entries, which the BFF bounds: once it is full, more sessions ` +
              `replace entries rather than add them. The rest of the RSS is native memory outside V8's heap — ` +
              `SQLite's page cache, the unseal work's buffers, what the allocator keeps in reserve — and it is what ` +
              `a container's memory limit sees.`,
          },
          {
            caption: 'What a session takes in the store',
            table: {
              header: ['store', `growth for ${fmt(sessions)} sessions`, 'per 1,000 sessions', 'bytes per session'],
              rows: [
                [
                  'SQLite file (after a checkpoint)',
                  `${fmt((fullFile.fileBytes - emptyFile.fileBytes) / MB)} MB`,
                  `${fmt((sqlitePerSession * 1000) / MB)} MB`,
                  sqlitePerSession,
                ],
                [
                  'Redis, MEMORY USAGE of a session key',
                  `${fmt((redisBytes.perKey * sessions) / MB)} MB`,
                  `${fmt((redisBytes.perKey * 1000) / MB)} MB`,
                  redisBytes.perKey,
                ],
                [
                  'Redis, its share of the customer index (one set here)',
                  `${fmt((redisBytes.indexPerSession * sessions) / MB)} MB`,
                  `${fmt((redisBytes.indexPerSession * 1000) / MB)} MB`,
                  redisBytes.indexPerSession,
                ],
                [
                  'Redis, used_memory growth',
                  `${fmt((redisBytes.usedMemoryPerSession * sessions) / MB)} MB`,
                  `${fmt((redisBytes.usedMemoryPerSession * 1000) / MB)} MB`,
                  redisBytes.usedMemoryPerSession,
                ],
              ],
            },
            reading:
              `A session takes about ${fmt(sqlitePerSession)} bytes of the SQLite file (its row, the customer ` +
              `column and the indexes) and ${fmt(redisBytes.perKey)} bytes of Redis memory for its key: the sealed ` +
              `record (tokens, id_token, timestamps, encrypted and base64-encoded) plus the key's name. Its entry in ` +
              `the customer's session index adds ${fmt(redisBytes.indexPerSession)} bytes here, where every session ` +
              `belongs to one customer; with one session per customer each index is a small set of its own and ` +
              `costs more per session. Session keys and indexes together come to about ` +
              `${fmt(((redisBytes.perKey + redisBytes.indexPerSession) * 1_000_000) / 2 ** 30)} GiB of Redis per ` +
              `million sessions. The used_memory growth also counts Redis's own bookkeeping and anything else writing ` +
              `to this shared Redis meanwhile; MEMORY USAGE is the figure to plan with.`,
          },
        ],
        headlines: [
          {
            figure: `req/s spread over ${fmt(sessions)} sessions vs one session`,
            value: spreadRatio,
            target: `≥ ${GOAL_SPREAD}`,
            met: spreadRatio >= GOAL_SPREAD,
          },
        ],
        invariants: [exactly('failed calls', touchFailures + oneRow!.errors + spreadRow!.errors, 0)],
      };
    } finally {
      await stopAll([upstream.child, bff?.child ?? null, redisBff?.child ?? null]);
      await clearRedisPrefix(prefix);
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
