/**
 * Scenario 1, the proxy's own cost: the same GraphQL POST sent to a fast upstream (a canned answer)
 * directly, through a bare Node proxy (the floor), and through the BFF on SQLite and on Redis. Rounds
 * alternate between the paths so that a drift in machine load hits them all; each server process
 * reports its CPU, so the cost per call is known whichever process is the bottleneck.
 *
 *   node bench/proxy-cost.ts [--quick]      (after `npm run build`; `npm run bench` runs it too)
 */
import { fork, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { freePort } from '../tests/helpers/stack.ts';
import type { BenchSession, ChildRequest } from './child.ts';
import { GRAPHQL_PATH } from './servers.ts';

export const QUERY = JSON.stringify({ query: '{ customer { id displayName emailAddress { emailAddress } } }' });
const CONNECTIONS = 32;
const TOKEN = 'shcat_bench-fast-upstream-token';

export interface Child {
  call<T>(request: ChildRequest): Promise<T>;
  process: ChildProcess;
}

/** Starts `bench/child.ts <role>` and resolves once it is ready for IPC calls. `execArgv` e.g. `--cpu-prof`. */
export function spawnChild(role: string, execArgv: string[] = []): Promise<Child> {
  const child = fork(new URL('./child.ts', import.meta.url), [role], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv,
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.on('message', (message: { id: number; ok: boolean; value?: unknown; error?: string }) => {
      if (message.id === 0) {
        resolve({
          process: child,
          call: <T>(request: ChildRequest) =>
            new Promise<T>((res, rej) => {
              const id = nextId++;
              pending.set(id, { resolve: res as (v: unknown) => void, reject: rej });
              child.send({ id, ...request });
            }),
        });
        return;
      }
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (message.ok) waiter?.resolve(message.value);
      else waiter?.reject(new Error(`${role}: ${message.error}`));
    });
  });
}

export interface Target {
  url: URL;
  headers: Record<string, string>;
  body: string;
}

export interface Run {
  requests: number;
  errors: number;
  seconds: number;
  latenciesMs: number[];
}

/** `connections` closed loops hammering one target for `durationMs`. */
export async function hammer(target: Target, durationMs: number, connections = CONNECTIONS): Promise<Run> {
  const pool = new Pool(target.url.origin, { connections, pipelining: 1 });
  const latenciesMs: number[] = [];
  let requests = 0;
  let errors = 0;
  const startedAt = performance.now();
  const deadline = startedAt + durationMs;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          const response = await pool.request({
            path: target.url.pathname,
            method: 'POST',
            headers: target.headers,
            body: target.body,
          });
          await response.body.text();
          if (response.statusCode === 200) requests += 1;
          else errors += 1;
        } catch {
          errors += 1;
        }
        latenciesMs.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - startedAt) / 1000;
  await pool.close();
  return { requests, errors, seconds, latenciesMs };
}

export const percentile = (values: number[], p: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

export interface PathResult {
  path: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** CPU µs per served call, by process name. */
  cpuUsPerCall: Record<string, number>;
}

export interface ProxyCostOptions {
  warmupMs: number;
  roundMs: number;
  rounds: number;
  /** Extra node flags for the BFF processes (e.g. `--cpu-prof`). */
  bffExecArgv?: string[];
}

/** Runs scenario 1; resolves to one row per path. */
export async function runProxyCost(options: ProxyCostOptions): Promise<PathResult[]> {
  const upstream = await spawnChild('upstream');
  const { url: upstreamUrl } = await upstream.call<{ url: string }>({ type: 'start-upstream' });
  const bare = await spawnChild('bare', options.bffExecArgv);
  const { url: bareUrl } = await bare.call<{ url: string }>({
    type: 'start-bare',
    upstream: upstreamUrl,
    token: TOKEN,
  });
  const bffs: Record<string, { child: Child; url: string; cookie: string }> = {};
  for (const [name, store] of [
    ['sqlite', 'sqlite::memory:'],
    ['redis', 'redis://127.0.0.1:6379'],
  ] as const) {
    const child = await spawnChild('bff', options.bffExecArgv);
    const port = await freePort();
    const { url } = await child.call<{ url: string }>({
      type: 'start-bff',
      port,
      emulatorUrl: upstreamUrl,
      store,
      admin: false,
    });
    const session = await child.call<BenchSession>({
      type: 'mint-session',
      accessToken: TOKEN,
      expiresInSeconds: 86_400,
    });
    bffs[name] = { child, url, cookie: session.cookie };
  }

  const proxied = (url: string, cookie: string): Target => ({
    url: new URL('/api/customer/graphql', url),
    headers: { cookie: `csess=${cookie}`, 'x-csrf': '1', 'content-type': 'application/json' },
    body: QUERY,
  });
  const paths: Array<{ name: string; target: Target; processes: Record<string, Child> }> = [
    {
      name: 'direct to the fast upstream',
      target: {
        url: new URL(GRAPHQL_PATH, upstreamUrl),
        headers: { authorization: TOKEN, 'content-type': 'application/json' },
        body: QUERY,
      },
      processes: { upstream },
    },
    {
      name: 'bare Node proxy',
      target: { ...proxied(bareUrl, ''), url: new URL('/', bareUrl) },
      processes: { proxy: bare, upstream },
    },
    {
      name: 'BFF, SQLite store',
      target: proxied(bffs.sqlite!.url, bffs.sqlite!.cookie),
      processes: { proxy: bffs.sqlite!.child, upstream },
    },
    {
      name: 'BFF, Redis store',
      target: proxied(bffs.redis!.url, bffs.redis!.cookie),
      processes: { proxy: bffs.redis!.child, upstream },
    },
  ];

  const cpuOf = async (child: Child) => (await child.call<{ cpuUs: number }>({ type: 'cpu' })).cpuUs;
  const runs = new Map<string, { runs: Run[]; cpuUs: Record<string, number> }>();
  for (const path of paths) {
    await hammer(path.target, options.warmupMs);
    runs.set(path.name, { runs: [], cpuUs: Object.fromEntries(Object.keys(path.processes).map((k) => [k, 0])) });
  }
  for (let round = 0; round < options.rounds; round += 1) {
    for (const path of paths) {
      const entry = runs.get(path.name)!;
      const before = await Promise.all(Object.values(path.processes).map(cpuOf));
      entry.runs.push(await hammer(path.target, options.roundMs));
      const after = await Promise.all(Object.values(path.processes).map(cpuOf));
      Object.keys(path.processes).forEach((name, i) => {
        entry.cpuUs[name]! += after[i]! - before[i]!;
      });
    }
  }

  for (const child of [upstream, bare, ...Object.values(bffs).map((b) => b.child)]) {
    await child.call({ type: 'stop' }).catch(() => {});
  }

  return paths.map(({ name }) => {
    const entry = runs.get(name)!;
    const requests = entry.runs.reduce((n, r) => n + r.requests, 0);
    const seconds = entry.runs.reduce((n, r) => n + r.seconds, 0);
    const latencies = entry.runs.flatMap((r) => r.latenciesMs);
    return {
      path: name,
      rps: requests / seconds,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      errors: entry.runs.reduce((n, r) => n + r.errors, 0),
      cpuUsPerCall: Object.fromEntries(Object.entries(entry.cpuUs).map(([k, us]) => [k, us / Math.max(1, requests)])),
    };
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const quick = process.argv.includes('--quick');
  const profile = process.argv.includes('--cpu-prof');
  const results = await runProxyCost({
    warmupMs: quick ? 300 : 1_000,
    roundMs: quick ? 1_000 : 3_000,
    rounds: quick ? 1 : 2,
    bffExecArgv: profile ? ['--cpu-prof', '--cpu-prof-dir=artifacts/profiles'] : [],
  });
  const [direct, bare] = results;
  console.log('| path | req/s | vs direct | vs bare | p50 ms | p99 ms | errors | proxy CPU µs/call | vs bare |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results) {
    const cpu = r.cpuUsPerCall.proxy;
    const bareCpu = bare!.cpuUsPerCall.proxy!;
    console.log(
      `| ${r.path} | ${r.rps.toFixed(0)} | ${(r.rps / direct!.rps).toFixed(2)} | ${(r.rps / bare!.rps).toFixed(2)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.errors} | ${cpu === undefined ? '—' : cpu.toFixed(0)} | ${cpu === undefined ? '—' : (cpu / bareCpu).toFixed(2)} |`,
    );
  }
  process.exit(0);
}
