/**
 * The soak's processes, all on loopback: the emulator standing in for Shopify (in its strictest refresh
 * token mode, `revoke-family`), one compiled BFF on SQLite in a small tmpfs, and two compiled BFFs
 * sharing a private Redis that keeps its data across a restart (append-only, fsynced) — each BFF a
 * child process started as `npm run serve` starts it. Nothing here touches the shared Redis on 6379.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statfsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { startBuiltBff, startRedisServer, type ChildServer } from '../tests/helpers/processes.ts';
import { freePort } from '../tests/helpers/stack.ts';
import type { Footprint } from './soak-plan.ts';

const SOAK_PASSWORD = 'soak-session-password-0123456789abcdef01234567';
const CLIENT_ID = 'soak-confidential';
const CLIENT_SECRET = 'soak-confidential-client-secret-0123456789';
const EMULATOR_MAIN = fileURLToPath(new URL('../emulator/main.ts', import.meta.url));
// Room for the SQLite BFF's sessions and its WAL many times over; small enough to fill in a moment.
const TMPFS_SIZE = '16m';

export interface BffInstance {
  name: string;
  /** Where the load reaches it (its own port). */
  url: string;
  server: ChildServer;
  /** Its inspector's port on 127.0.0.1: the soak asks it for a full garbage collection before measuring. */
  inspectorPort: number;
}

/** BFFs sharing one store and one `APP_ORIGIN` (a cluster behind a load balancer), or a single one. */
export interface BffGroup {
  store: 'sqlite' | 'redis';
  /** `APP_ORIGIN`: the sign-in's redirect URI points here (the group's first BFF). */
  appOrigin: string;
  bffs: BffInstance[];
}

export interface SoakStack {
  emulatorUrl: string;
  emulator: ChildProcess;
  groups: BffGroup[];
  /** The SQLite BFF's store is on a tmpfs this process mounted (root only); else the disk-full episode is skipped. */
  sqliteOnTmpfs: boolean;
  /** Fills the SQLite BFF's file system; answers a function that frees it again. */
  fillSqliteDisk(): () => void;
  /** Kills the private Redis (SIGKILL), waits `downMs`, starts it again on the same data. */
  restartRedis(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

/** Every process the soak started, killed if the soak exits without stopping them (a crash, Ctrl-C). */
const started = new Set<ChildProcess>();
const mounted = new Set<string>();
process.on('exit', () => {
  for (const child of started) child.kill('SIGKILL');
  // Lazy: a process just killed may still hold a file there for a moment.
  for (const dir of mounted) spawnUmount(dir, true);
});
const track = (child: ChildProcess) => {
  started.add(child);
  child.once('exit', () => started.delete(child));
};

function spawnUmount(dir: string, lazy: boolean): void {
  try {
    execFileSync('umount', lazy ? ['-l', dir] : [dir], { stdio: 'ignore' });
    mounted.delete(dir);
  } catch {
    // Already gone, or still busy: the lazy unmount on exit takes it.
  }
}

/** `dir` becomes a tmpfs of `TMPFS_SIZE`, or stays a plain folder when mounting is not allowed (not root). */
function mountTmpfs(dir: string): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_SIZE}`, 'tmpfs', dir], { stdio: 'ignore' });
    mounted.add(dir);
    return true;
  } catch {
    return false;
  }
}

/** Runs `write` until the file system refuses it for want of space. */
function untilFull(write: () => void): void {
  try {
    for (;;) write();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  }
}

/**
 * Fills the file system holding `dir`: one file of all the space it reports free, then small appends
 * for whatever it still takes. Answers the file's path.
 */
function fillUp(dir: string): string {
  const filler = join(dir, 'filler');
  const { bavail, bsize } = statfsSync(dir);
  const everything = Buffer.alloc(Math.max(1, bavail * bsize));
  untilFull(() => appendFileSync(filler, everything));
  untilFull(() => appendFileSync(filler, Buffer.alloc(512)));
  return filler;
}

/** The emulator as `npm run emulator` runs it, on a free port; resolves with its URL once it listens. */
async function startEmulatorProcess(clients: unknown[], config: Record<string, unknown>) {
  const child = spawn(process.execPath, [EMULATOR_MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      EMULATOR_PORT: '0',
      EMULATOR_CLIENTS: JSON.stringify(clients),
      EMULATOR_CONFIG: JSON.stringify(config),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the emulator did not start: ${output}`)), 15_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.once('exit', (code) => reject(new Error(`the emulator exited (${code}): ${output}`)));
  });
  // Drain what it prints later, so a full pipe never blocks it.
  child.stdout.resume();
  child.stderr.resume();
  return { child, url };
}

/** Stops a BFF as an orchestrator would (SIGTERM, its graceful shutdown), SIGKILL after 20 s. */
async function stopGracefully(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts everything. The emulator knows one confidential client with both groups' redirect URIs, its
 * tokens live a day (so only the soak's own expiry episodes cause refreshes), and its GraphQL cost
 * bucket is out of the way (the soak measures the BFF, not Shopify's throttling).
 */
export async function startSoakStack(): Promise<SoakStack> {
  const work = mkdtempSync(join(tmpdir(), 'soak-'));
  const sqliteDir = join(work, 'sqlite');
  const redisDir = join(work, 'redis');
  for (const dir of [sqliteDir, redisDir]) mkdirSync(dir);
  const sqliteOnTmpfs = mountTmpfs(sqliteDir);
  const sqliteFile = join(sqliteDir, 'sessions.db');

  const redisPort = await freePort();
  let redis = await startRedisServer(redisPort, { dataDir: redisDir });
  track(redis.process);

  const [sqlitePort, redisPortA, redisPortB] = [await freePort(), await freePort(), await freePort()];
  const sqliteOrigin = `http://localhost:${sqlitePort}`;
  const redisOrigin = `http://localhost:${redisPortA}`;
  const emulator = await startEmulatorProcess(
    [
      {
        clientId: CLIENT_ID,
        type: 'confidential',
        clientSecret: CLIENT_SECRET,
        redirectUris: [`${sqliteOrigin}/auth/callback`, `${redisOrigin}/auth/callback`],
        javascriptOrigins: [],
        logoutUris: [`${sqliteOrigin}/`, `${redisOrigin}/`],
      },
    ],
    {
      refreshTokenReuse: 'revoke-family',
      accessTokenTtlSeconds: 86_400,
      graphqlBucketSize: 1_000_000,
      graphqlRestoreRatePerSecond: 1_000_000,
    },
  );

  const startBff = async (name: string, port: number, appOrigin: string, store: string): Promise<BffInstance> => {
    const inspectorPort = await freePort();
    const server = await startBuiltBff({
      NODE_OPTIONS: `--inspect=127.0.0.1:${inspectorPort}`,
      PORT: String(port),
      APP_ORIGIN: appOrigin,
      SHOPIFY_STOREFRONT_ORIGIN: emulator.url,
      EMULATOR_ADMIN_ORIGIN: emulator.url,
      SHOPIFY_CLIENT_ID: CLIENT_ID,
      SHOPIFY_CLIENT_SECRET: CLIENT_SECRET,
      SESSION_PASSWORD: SOAK_PASSWORD,
      SESSION_STORE: store,
      SESSION_STORE_PREFIX: 'soak:',
      // 1,000 sign-ins from one address in a few seconds: the per-address sign-in limit (30/min) is an
      // edge rule for the real internet, not what the soak measures.
      LOGIN_RATE_LIMIT_PER_MINUTE: '100000',
      LOG_LEVEL: 'info',
    });
    track(server.process);
    return { name, url: server.url, server, inspectorPort };
  };
  const groups: BffGroup[] = [
    {
      store: 'sqlite',
      appOrigin: sqliteOrigin,
      bffs: [await startBff('sqlite', sqlitePort, sqliteOrigin, `sqlite:${sqliteFile}`)],
    },
    {
      store: 'redis',
      appOrigin: redisOrigin,
      bffs: [
        await startBff('redis-a', redisPortA, redisOrigin, `redis://127.0.0.1:${redisPort}`),
        await startBff('redis-b', redisPortB, redisOrigin, `redis://127.0.0.1:${redisPort}`),
      ],
    },
  ];

  return {
    emulatorUrl: emulator.url,
    emulator: emulator.child,
    groups,
    sqliteOnTmpfs,
    fillSqliteDisk() {
      // SQLite reuses its WAL file from the start after each checkpoint, so a full disk would hurt only
      // once the WAL has to grow. Truncating it first (as a backup tool's checkpoint may) makes the
      // next write need new space, as on a disk that filled up while the WAL was small.
      const db = new DatabaseSync(sqliteFile);
      db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
      db.close();
      const filler = fillUp(sqliteDir);
      return () => rmSync(filler, { force: true });
    },
    async restartRedis(downMs) {
      await redis.stop();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      redis = await startRedisServer(redisPort, { dataDir: redisDir });
      track(redis.process);
    },
    async stop() {
      await Promise.all(
        groups.flatMap((group) => group.bffs.map((bff) => stopGracefully(bff.server.process, bff.server.exited))),
      );
      emulator.child.kill('SIGTERM');
      await redis.stop();
      if (sqliteOnTmpfs) spawnUmount(sqliteDir, false);
      if (!mounted.has(sqliteDir)) rmSync(work, { recursive: true, force: true });
    },
  };
}

/** RSS (VmRSS) and open file descriptors of a live process, from /proc. */
export function footprintOf(pid: number): Footprint {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKiB = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? Number.NaN);
  return { rssBytes: rssKiB * 1024, fds: readdirSync(`/proc/${pid}/fd`).length };
}

/** Runs in the BFF on the array of its live Maps: empties those keyed by iron seals, answers their entries. */
const EMPTY_SEAL_CACHES = `function () {
  let entries = 0;
  for (const map of this) {
    let first;
    try {
      first = map.keys().next().value;
    } catch {
      continue; // a prototype that inherits from Map.prototype, not a Map
    }
    if (typeof first !== 'string' || !first.startsWith('Fe26.2*')) continue;
    entries += map.size;
    map.clear();
  }
  return entries;
}`;

/**
 * A BFF's footprint with V8's garbage and its unseal cache out of the way. Between collections a BFF's RSS swings by 100 MB
 * under this load (V8 grows the heap lazily and hands pages back when it likes), which would hide a leak
 * as well as fake one; so the soak asks the process for two full collections through its inspector
 * (`HeapProfiler.collectGarbage`, the DevTools protocol) and then reads RSS and the heap that is left.
 * Before that it empties the sealer's unseal cache (server/sessions/seal.ts): an LRU of 50,000 entries
 * of about 3 KB each, which 1,000 sessions fill for hours, would otherwise read as steady growth. The
 * cache refills from the next calls (one key derivation per session); nothing else changes.
 * The descriptors are the median of five reads over a second, taken before the inspector connects:
 * the keep-alive sockets of the load come and go.
 */
export async function settledFootprint(
  bff: BffInstance,
): Promise<Footprint & { heapUsedBytes: number; sealCacheEntries: number }> {
  const pid = bff.server.process.pid!;
  const fdReads: number[] = [];
  for (let read = 0; read < 5; read += 1) {
    fdReads.push(footprintOf(pid).fds);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const targets = (await (await fetch(`http://127.0.0.1:${bff.inspectorPort}/json/list`)).json()) as Array<{
    webSocketDebuggerUrl: string;
  }>;
  const socket = new WebSocket(targets[0]!.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    socket.addEventListener('open', resolve, { once: true });
    socket.addEventListener('error', reject, { once: true });
  });
  let nextId = 1;
  type Answer = { result?: { result?: { value?: unknown; objectId?: string }; objects?: { objectId?: string } } };
  const send = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<Answer>((resolve) => {
      const id = nextId++;
      const onMessage = (event: MessageEvent) => {
        const message = JSON.parse(String(event.data)) as Answer & { id?: number };
        if (message.id !== id) return;
        socket.removeEventListener('message', onMessage);
        resolve(message);
      };
      socket.addEventListener('message', onMessage);
      socket.send(JSON.stringify({ id, method, params }));
    });
  try {
    // The unseal cache is an LRU `Map` keyed by iron seals (`Fe26.2*…`): found among every live Map
    // (`Runtime.queryObjects`), counted, and emptied.
    const mapPrototype = await send('Runtime.evaluate', { expression: 'Map.prototype' });
    const maps = await send('Runtime.queryObjects', { prototypeObjectId: mapPrototype.result?.result?.objectId });
    const emptied = await send('Runtime.callFunctionOn', {
      objectId: maps.result?.objects?.objectId,
      functionDeclaration: EMPTY_SEAL_CACHES,
      returnByValue: true,
    });
    // Twice: the first collection can leave finalised objects for the second.
    await send('HeapProfiler.collectGarbage');
    await send('HeapProfiler.collectGarbage');
    const heap = await send('Runtime.evaluate', { expression: 'process.memoryUsage().heapUsed', returnByValue: true });
    return {
      rssBytes: footprintOf(pid).rssBytes,
      fds: fdReads.sort((a, b) => a - b)[2]!,
      heapUsedBytes: Number(heap.result?.result?.value),
      sealCacheEntries: Number(emptied.result?.result?.value),
    };
  } finally {
    socket.close();
  }
}

/** The built BFF must exist: the soak runs `dist/node`, as production does. */
export function builtBffMissing(): boolean {
  return !existsSync(fileURLToPath(new URL('../dist/node/server/main.js', import.meta.url)));
}
