/**
 * The soak's store episodes and measurements: the SQLite disk-full episode, the Redis restart, the
 * footprint samples after a full garbage collection, and the progress line.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EmulatorAdmin } from './soak-client.ts';
import type { Ledger } from './soak-ledger.ts';
import type { Footprint } from './soak-plan.ts';
import { ALICE, type SoakPool } from './soak-pool.ts';
import { footprintOf, settledFootprint, type BffInstance, type SoakStack } from './soak-stack.ts';

/** Sessions due for a refresh at the moment the disk fills, and at the moment Redis is killed. */
const PRIMED_SESSIONS = 20;
/** While the SQLite disk is full, a new customer signs in this often. */
const DISK_FULL_SIGN_IN_MS = 500;
/** Shopify's token endpoint answers this slowly while Redis is killed, so the kill lands mid-refresh. */
const MID_REFRESH_LATENCY_MS = 1_500;

/**
 * RSS and descriptors after the unseal cache was emptied and the heap collected, with the V8 heap left
 * and the cache entries emptied (NaN: not measured, the emulator).
 */
export type SettledFootprint = Footprint & { heapUsedBytes: number; sealCacheEntries: number };

export interface EpisodeDeps {
  stack: SoakStack;
  pool: SoakPool;
  ledger: Ledger;
  admin: EmulatorAdmin;
  say: (line: string) => void;
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

/**
 * SQLite's tmpfs full for `forMs`: 20 sessions in an expiry episode are called at once (Shopify rotates
 * their tokens, and the write of the new ones meets the full disk), and new customers keep signing in.
 * SQLite reuses its WAL file after each checkpoint, so the store truncates the WAL first (see
 * `fillSqliteDisk`). Answers how long the disk was full and how the sign-ins meanwhile ended.
 */
export async function diskFullEpisode({ stack, pool, ledger, say }: EpisodeDeps, forMs: number) {
  ledger.openWindow('disk-full', 'sqlite');
  const startedAt = performance.now();
  const primed = await pool.primeEpisodes('sqlite', PRIMED_SESSIONS);
  const free = stack.fillSqliteDisk();
  say(`SQLite's tmpfs is full`);
  await Promise.all(primed.map((session) => pool.call(session)));
  pool.release(primed);
  const signInsMeanwhile: Record<string, number> = {};
  const until = startedAt + forMs;
  while (performance.now() < until) {
    const made = await pool.newSession('sqlite', ALICE);
    const outcome = 'failedWith' in made ? `failed ${made.failedWith}` : 'signed in';
    signInsMeanwhile[outcome] = (signInsMeanwhile[outcome] ?? 0) + 1;
    if (!('failedWith' in made)) pool.slots.push(made);
    await sleep(Math.min(DISK_FULL_SIGN_IN_MS, Math.max(0, until - performance.now())));
  }
  free();
  ledger.closeWindow('disk-full');
  say(`SQLite's tmpfs freed`);
  return { heldSeconds: (performance.now() - startedAt) / 1000, signInsMeanwhile };
}

async function untilReady(bffs: readonly BffInstance[], timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (const bff of bffs) {
    for (;;) {
      const status = await fetch(`${bff.url}/readyz`).then(
        (response) => response.status,
        () => 0,
      );
      if (status === 200) break;
      if (performance.now() > deadline) throw new Error(`${bff.name} not ready ${timeoutMs} ms after Redis restarted`);
      await sleep(100);
    }
  }
}

/**
 * Redis killed mid-refresh (tests/store-faults.test.ts, at scale): 20 sessions in an expiry episode are
 * called while Shopify's token endpoint answers slowly, Redis is killed (SIGKILL) while their refreshes
 * are at Shopify, and started again `downMs` later on the same data. Answers how long it was down and
 * how long after the restart both Redis BFFs were ready.
 */
export async function redisRestartEpisode({ stack, pool, ledger, admin, say }: EpisodeDeps, downMs: number) {
  ledger.openWindow('redis-restart', 'redis');
  const primed = await pool.primeEpisodes('redis', PRIMED_SESSIONS);
  await admin.configure({ tokenLatencyMs: MID_REFRESH_LATENCY_MS });
  const calls = Promise.all(primed.map((session) => pool.call(session)));
  await sleep(MID_REFRESH_LATENCY_MS / 3);
  const killedAt = performance.now();
  const restarting = stack.restartRedis(downMs);
  say(`Redis killed (SIGKILL) with ${primed.length} refreshes at Shopify`);
  await admin.configure({ tokenLatencyMs: 0 });
  await restarting;
  const restartedAt = performance.now();
  await calls;
  pool.release(primed);
  const redisBffs = stack.groups.flatMap((group) => (group.store === 'redis' ? group.bffs : []));
  await untilReady(redisBffs, 60_000);
  ledger.closeWindow('redis-restart');
  say('Redis back; both Redis BFFs ready');
  return {
    downSeconds: (restartedAt - killedAt) / 1000,
    readyAfterSeconds: (performance.now() - restartedAt) / 1000,
  };
}

/** Every BFF's footprint after a full garbage collection, and the emulator's as it is (for reference). */
export async function sampleFootprints(stack: SoakStack, say: (line: string) => void) {
  const taken: Record<string, SettledFootprint> = {};
  for (const group of stack.groups) for (const bff of group.bffs) taken[bff.name] = await settledFootprint(bff);
  taken.emulator = { ...footprintOf(stack.emulator.pid!), heapUsedBytes: Number.NaN, sealCacheEntries: Number.NaN };
  const shown = Object.entries(taken).map(([who, f]) => {
    const heap = Number.isNaN(f.heapUsedBytes)
      ? ''
      : `heap ${mib(f.heapUsedBytes)} MB (unseal cache of ${f.sealCacheEntries} emptied), `;
    return `${who} RSS ${mib(f.rssBytes)} MB, ${heap}${f.fds} fds`;
  });
  say(`sample after a full GC: ${shown.join('; ')}`);
  return taken;
}

/** One series of a Prometheus text exposition, 0 when absent. */
export const seriesValue = (exposition: string, series: string): number =>
  Number(
    exposition
      .split('\n')
      .find((line) => line.startsWith(`${series} `))
      ?.slice(series.length + 1) ?? 0,
  );

/** A line every `everyMs`: calls served so far, and each BFF's RSS, V8 heap (as it is) and descriptors. */
export function startProgress(stack: SoakStack, ledger: Ledger, everyMs: number, say: (line: string) => void) {
  const timer = setInterval(
    () =>
      void (async () => {
        const parts: string[] = [];
        for (const group of stack.groups) {
          for (const bff of group.bffs) {
            const { rssBytes, fds } = footprintOf(bff.server.process.pid!);
            const exposition = await fetch(`${bff.url}/metrics`).then(
              (response) => response.text(),
              () => '',
            );
            const heapBytes = seriesValue(exposition, 'nodejs_heap_size_used_bytes');
            parts.push(`${bff.name} ${mib(rssBytes)}/${mib(heapBytes)} MB ${fds} fds`);
          }
        }
        say(`${ledger.answers.ok} calls served; RSS/heap: ${parts.join(', ')}`);
      })(),
    everyMs,
  );
  return { stop: () => clearInterval(timer) };
}
