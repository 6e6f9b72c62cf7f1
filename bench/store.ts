/**
 * `npm run bench:store`: operations per second of the SQLite session store, in this process, on a
 * file database in a temporary folder (WAL, as in production). Used to compare SQLite drivers on the
 * same Node; every figure is printed next to the others of the same run.
 *
 * - `get (warm)`: the read every API call makes; the unsealed record is in the sealer's cache, so this
 *   is the SQL read plus the record parse.
 * - `get (cold)`: a read whose seal is not cached (PBKDF2 key derivation dominates).
 * - `compareAndSet`: the write of a refresh or a touch (seal + `UPDATE … WHERE version = ?`).
 * - `create`: a sign-in's insert (seal + `INSERT`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSealer } from '../server/sessions/seal.ts';
import { createSqliteStore } from '../server/sessions/sqlite-store.ts';
import type { SessionRecord } from '../server/sessions/types.ts';

const SESSIONS = Number(process.env.BENCH_STORE_SESSIONS ?? 2000);
const ROUNDS = 3;

const record = (i: number, now: number): SessionRecord => ({
  accessToken: `shcat_${'a'.repeat(40)}${i}`,
  refreshToken: `shcrt_${'r'.repeat(40)}${i}`,
  idToken: 'eyJ' + 'x'.repeat(900),
  expiresAtMs: now + 3_600_000,
  customerId: `gid://shopify/Customer/${7_000_000_000 + i}`,
  email: `customer${i}@example.com`,
  version: 1,
  createdAtMs: now,
  lastSeenAtMs: now,
});

async function opsPerSecond(count: number, op: (i: number) => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i += 1) await op(i);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return count / seconds;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const results: Record<string, number[]> = { create: [], 'get (cold)': [], 'get (warm)': [], compareAndSet: [] };
for (let round = 0; round < ROUNDS; round += 1) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-store-'));
  const password = 'p'.repeat(40);
  const now = Date.now();
  const writer = createSqliteStore({
    path: join(dir, 'sessions.db'),
    sealer: createSealer([password]),
    absoluteTimeoutMs: 86_400_000,
    purgeIntervalMs: 0,
  });
  const sid = (i: number) => `sid-${round}-${i}`;
  results.create!.push(await opsPerSecond(SESSIONS, (i) => writer.create(sid(i), record(i, now))));
  await writer.close();
  // A second store on the same file with a fresh sealer: its first reads miss the unseal cache.
  const reader = createSqliteStore({
    path: join(dir, 'sessions.db'),
    sealer: createSealer([password]),
    absoluteTimeoutMs: 86_400_000,
    purgeIntervalMs: 0,
  });
  results['get (cold)']!.push(await opsPerSecond(SESSIONS, (i) => reader.get(sid(i))));
  results['get (warm)']!.push(await opsPerSecond(SESSIONS * 5, (i) => reader.get(sid(i % SESSIONS))));
  results.compareAndSet!.push(
    await opsPerSecond(SESSIONS, (i) => reader.compareAndSet(sid(i), 1, { ...record(i, now), lastSeenAtMs: now + 1 })),
  );
  await reader.close();
  rmSync(dir, { recursive: true, force: true });
}

console.log(`SQLite session store, ${SESSIONS} sessions, median of ${ROUNDS} rounds, Node ${process.version}`);
console.log('| operation | ops/s |');
console.log('| --- | --- |');
for (const [name, values] of Object.entries(results)) console.log(`| ${name} | ${Math.round(median(values))} |`);
