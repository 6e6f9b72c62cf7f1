/**
 * The load generator: undici pools on loopback, closed loops for a fixed time (`hammer`), one call per
 * target at bounded concurrency (`eachOnce`), and alternating rounds of several sides with the CPU
 * each server process spent (`compareRounds`) — the baseline and the measured side always run in the
 * same process, on the same machine, a few seconds apart.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { QUERY } from './constants.ts';
import type { Child } from './processes.ts';

/** The closed loops of a throughput run: enough to keep a 2-core box busy, few enough not to queue. */
export const CONNECTIONS = 32;

export interface Target {
  url: URL;
  headers: Record<string, string>;
  body: string;
}

/** One target, or a choice per request (`loop` is the number of the closed loop making it). */
export type TargetPicker = Target | ((loop: number) => Target);

export interface Answer {
  status: number;
  body: string;
  ms: number;
}

/** Keep-alive pools, one per origin, `connections` sockets each. */
export interface LoadClient {
  /** POSTs the target; a network error answers status 0. */
  send(target: Target): Promise<Answer>;
  close(): Promise<void>;
}

export function createLoadClient(connections = CONNECTIONS): LoadClient {
  const pools = new Map<string, Pool>();
  return {
    async send(target) {
      let pool = pools.get(target.url.origin);
      if (pool === undefined) {
        pool = new Pool(target.url.origin, { connections, pipelining: 1 });
        pools.set(target.url.origin, pool);
      }
      const t0 = performance.now();
      try {
        const response = await pool.request({
          path: target.url.pathname,
          method: 'POST',
          headers: target.headers,
          body: target.body,
        });
        const body = await response.body.text();
        return { status: response.statusCode, body, ms: performance.now() - t0 };
      } catch {
        return { status: 0, body: '', ms: performance.now() - t0 };
      }
    },
    async close() {
      await Promise.all([...pools.values()].map((pool) => pool.close()));
    },
  };
}

/** The GraphQL call through a BFF, as the storefront's pages make it (session cookie, CSRF header). */
export function proxiedCall(bffUrl: string, cookie: string, path = '/api/customer/graphql', body = QUERY): Target {
  return {
    url: new URL(path, bffUrl),
    headers: { cookie: `csess=${cookie}`, 'x-csrf': '1', 'content-type': 'application/json' },
    body,
  };
}

export interface Run {
  requests: number;
  errors: number;
  seconds: number;
  latenciesMs: number[];
}

/**
 * `connections` closed loops calling `pick` for `durationMs`; only a 200 counts as served. With
 * `ratePerSecond`, the calls are paced to that rate (call i is sent at i / rate s, or as soon as a loop is
 * free after that): every side then serves the same rate, so their CPU per call compare at the same
 * load, without a faster server also batching more calls per turn of its event loop.
 */
export async function hammer(
  pick: TargetPicker,
  durationMs: number,
  connections = CONNECTIONS,
  ratePerSecond: number | null = null,
): Promise<Run> {
  const client = createLoadClient(connections);
  const latenciesMs: number[] = [];
  let requests = 0;
  let errors = 0;
  let sent = 0;
  const startedAt = performance.now();
  const deadline = startedAt + durationMs;
  await Promise.all(
    Array.from({ length: connections }, async (_, loop) => {
      while (performance.now() < deadline) {
        if (ratePerSecond !== null) {
          const dueAt = startedAt + (sent++ * 1000) / ratePerSecond;
          if (dueAt >= deadline) break;
          const wait = dueAt - performance.now();
          if (wait >= 1) await sleep(wait);
        }
        const answer = await client.send(typeof pick === 'function' ? pick(loop) : pick);
        if (answer.status === 200) requests += 1;
        else errors += 1;
        latenciesMs.push(answer.ms);
      }
    }),
  );
  const seconds = (performance.now() - startedAt) / 1000;
  await client.close();
  return { requests, errors, seconds, latenciesMs };
}

/** Calls every target once, at most `concurrency` at a time; answers in the targets' order. */
export async function eachOnce(
  targets: readonly Target[],
  concurrency: number,
  client?: LoadClient,
): Promise<{ answers: Answer[]; seconds: number }> {
  const own = client ?? createLoadClient(concurrency);
  const answers: Answer[] = new Array<Answer>(targets.length);
  let next = 0;
  const startedAt = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, targets.length) }, async () => {
      while (next < targets.length) {
        const index = next++;
        answers[index] = await own.send(targets[index]!);
      }
    }),
  );
  const seconds = (performance.now() - startedAt) / 1000;
  if (client === undefined) await own.close();
  return { answers, seconds };
}

/** The calls that did not answer 200, counted by status (`0`: no answer at all). */
export function failures(answers: readonly Answer[]): Map<number, number> {
  const byStatus = new Map<number, number>();
  for (const { status } of answers) if (status !== 200) byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
  return byStatus;
}

export const percentile = (values: readonly number[], p: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

export const median = (values: readonly number[]): number => percentile(values, 50);

export interface Throughput {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  requests: number;
}

export function summarize(runs: readonly Run[]): Throughput {
  const requests = runs.reduce((n, r) => n + r.requests, 0);
  const seconds = runs.reduce((n, r) => n + r.seconds, 0);
  const latencies = runs.flatMap((r) => r.latenciesMs);
  return {
    rps: requests / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    requests,
  };
}

/** One side of a comparison: what to call, and the server processes whose CPU it costs. */
export interface Side {
  name: string;
  target: TargetPicker;
  /** Whatever reports the CPU it used: a bench child, or the Redis server (`redisServerCpu`). */
  processes: Record<string, Pick<Child, 'cpuUs'>>;
}

export interface SideResult extends Throughput {
  name: string;
  /** CPU µs per served call, by process name. */
  cpuUsPerCall: Record<string, number>;
  /** The same, round by round (in the order the rounds ran), for ratios taken within one round. */
  cpuUsPerCallByRound: Array<Record<string, number>>;
}

export interface RoundOptions {
  warmupMs: number;
  roundMs: number;
  rounds: number;
  /** Pace every side to this many calls a second (below what the slowest serves); default as fast as each goes. */
  ratePerSecond?: number;
  /**
   * Run the sides in a shuffled order each round (seeded, so a run can be repeated), rather than
   * forward and backward: no side then always follows the same one, which matters when one side leaves
   * work behind (tracing's exports) that makes whatever runs next look cheaper or dearer. Before each
   * side, every process of the comparison is also waited for until idle (`settle`), for the same reason.
   */
  shuffle?: boolean;
}

/** Waits (at most 2 s) until `processes` are idle: under 5 ms of CPU in a 100 ms window. */
async function settle(processes: ReadonlyArray<Pick<Child, 'cpuUs'>>): Promise<void> {
  const deadline = performance.now() + 2_000;
  let before = await Promise.all(processes.map((p) => p.cpuUs()));
  while (performance.now() < deadline) {
    await sleep(100);
    const after = await Promise.all(processes.map((p) => p.cpuUs()));
    if (after.every((us, k) => us - before[k]! < 5_000)) return;
    before = after;
  }
}

/** A small seeded generator (mulberry32): the same shuffles every run. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The throughput comparisons' rounds: a smoke run's, or a full run's (two rounds, so drift shows). */
export const roundsFor = (quick: boolean): RoundOptions =>
  quick ? { warmupMs: 300, roundMs: 1_000, rounds: 1 } : { warmupMs: 1_000, roundMs: 3_000, rounds: 2 };

/**
 * Runs the sides in alternating rounds after a warm-up each, so a drift in machine load (the other
 * processes on these 2 cores) hits them all alike, in the listed order one round and the reverse the
 * next, so that no side is always measured right after the same one. Each server process reports the
 * CPU it spent, which says what a call costs whichever process happens to be the bottleneck.
 */
export async function compareRounds(sides: readonly Side[], options: RoundOptions): Promise<SideResult[]> {
  const runs = sides.map(() => [] as Run[]);
  const cpuUs = sides.map((side) => Object.fromEntries(Object.keys(side.processes).map((name) => [name, 0])));
  const byRound = sides.map(() => [] as Array<Record<string, number>>);
  const rate = options.ratePerSecond ?? null;
  const random = seeded(15);
  const everyProcess = [...new Set(sides.flatMap((side) => Object.values(side.processes)))];
  for (const side of sides) await hammer(side.target, options.warmupMs, CONNECTIONS, rate);
  for (let round = 0; round < options.rounds; round += 1) {
    const order = [...sides.keys()];
    if (options.shuffle === true) {
      for (let k = order.length - 1; k > 0; k -= 1) {
        const j = Math.floor(random() * (k + 1));
        [order[k], order[j]] = [order[j]!, order[k]!];
      }
    } else if (round % 2 === 1) order.reverse();
    for (const i of order) {
      const side = sides[i]!;
      const children = Object.values(side.processes);
      // What the previous side left running (a batch of spans being exported) must not land in this one.
      if (options.shuffle === true) await settle(everyProcess);
      const before = await Promise.all(children.map((child) => child.cpuUs()));
      const run = await hammer(side.target, options.roundMs, CONNECTIONS, rate);
      runs[i]!.push(run);
      const after = await Promise.all(children.map((child) => child.cpuUs()));
      const spent: Record<string, number> = {};
      Object.keys(side.processes).forEach((name, k) => {
        cpuUs[i]![name]! += after[k]! - before[k]!;
        spent[name] = (after[k]! - before[k]!) / Math.max(1, run.requests);
      });
      byRound[i]!.push(spent);
    }
  }
  return sides.map((side, i) => {
    const throughput = summarize(runs[i]!);
    const perCall = (us: number) => us / Math.max(1, throughput.requests);
    return {
      name: side.name,
      ...throughput,
      cpuUsPerCall: Object.fromEntries(Object.entries(cpuUs[i]!).map(([name, us]) => [name, perCall(us)])),
      cpuUsPerCallByRound: byRound[i]!,
    };
  });
}
