/**
 * Scenario 5, storms: one session, N concurrent API calls right after its access token entered the
 * refresh buffer, the emulator in its strictest mode (a reused refresh token revokes the whole grant)
 * with 100 ms of token-endpoint latency so that the racing is real. Through the BFF it must be one
 * refresh whatever N; the naive baseline is what a client that refreshes per request does (Hydrogen).
 */
import { BENCH_CLIENT_ID, CUSTOMER_EMAIL, QUERY, USER_AGENT } from '../lib/constants.ts';
import { createLoadClient, eachOnce, failures, median, percentile, proxiedCall, type LoadClient } from '../lib/load.ts';
import { exactly, fmt, noCalls, ratio, total, type Invariant, type Scenario } from '../lib/report.ts';
import { startEmulatorStack, type EmulatorStack } from '../lib/stacks.ts';
import type { BenchSession } from '../child.ts';

const SIZES = [5, 200, 1_000];
export const TOKEN_LATENCY_MS = 100;

export interface StormRow {
  strategy: string;
  n: number;
  /** Refresh calls the emulator counted, per storm. */
  refreshes: number[];
  /** The calls that did not answer 200, by status. */
  failed: Map<number, number>;
  /** Storms after which the session no longer worked. */
  signedOut: number;
  latenciesMs: number[];
}

const addCounts = (into: Map<number, number>, counts: ReadonlyMap<number, number>): void => {
  for (const [status, n] of counts) into.set(status, (into.get(status) ?? 0) + n);
};

const newSession = (stack: EmulatorStack) =>
  stack.bffs[0]!.child.call<BenchSession>({ type: 'session', email: CUSTOMER_EMAIL });

/** Puts the session's expiry inside the refresh buffer (the demo route: half the buffer left). */
async function expireSoon(stack: EmulatorStack, client: LoadClient, cookie: string): Promise<void> {
  const answer = await client.send(proxiedCall(stack.bffs[0]!.url, cookie, '/demo/expire-soon', ''));
  if (answer.status !== 200) throw new Error(`/demo/expire-soon answered ${answer.status}`);
}

/** How long one call that refreshes takes when it is alone: the unit a storm's latency is measured in. */
async function oneRefreshMs(stack: EmulatorStack, samples: number): Promise<number> {
  const client = createLoadClient(1);
  try {
    const session = await newSession(stack);
    const call = proxiedCall(stack.bffs[0]!.url, session.cookie);
    await client.send(call); // opens the socket
    const latencies: number[] = [];
    for (let i = 0; i < samples; i += 1) {
      await expireSoon(stack, client, session.cookie);
      const answer = await client.send(call);
      if (answer.status !== 200) throw new Error(`a lone refreshing call answered ${answer.status}`);
      latencies.push(answer.ms);
    }
    return median(latencies);
  } finally {
    await client.close();
  }
}

/**
 * `storms` storms of `n` calls through the stack's BFFs, spread round-robin over them when there are
 * several (a cluster on one Redis): one session each, signed in through the first.
 */
export async function bffStorms(stack: EmulatorStack, n: number, storms: number, strategy: string): Promise<StormRow> {
  const row: StormRow = { strategy, n, refreshes: [], failed: new Map(), signedOut: 0, latenciesMs: [] };
  const client = createLoadClient(n);
  try {
    for (let storm = 0; storm < storms; storm += 1) {
      const session = await newSession(stack);
      const calls = Array.from({ length: n }, (_, i) =>
        proxiedCall(stack.bffs[i % stack.bffs.length]!.url, session.cookie),
      );
      // Open N sockets outside the buffer, so the storm's calls leave at once.
      await eachOnce(calls, n, client);
      await expireSoon(stack, client, session.cookie);
      const before = await stack.admin.stats();
      const { answers } = await eachOnce(calls, n, client);
      row.refreshes.push((await stack.admin.stats()).token.refresh_token - before.token.refresh_token);
      addCounts(row.failed, failures(answers));
      row.latenciesMs.push(...answers.map((a) => a.ms));
      // Signed out = the session no longer works afterwards (401 reauth_required) on any of the BFFs.
      const after = await eachOnce(calls.slice(0, stack.bffs.length), n, client);
      if (after.answers.some((a) => a.status !== 200)) row.signedOut += 1;
    }
  } finally {
    await client.close();
  }
  return row;
}

/** Every request that sees the token near expiry refreshes on its own, all N with the refresh token it read. */
async function naiveStorms(stack: EmulatorStack, n: number, storms: number): Promise<StormRow> {
  const upstreamHeaders = { origin: stack.appOrigin, 'user-agent': USER_AGENT };
  const row: StormRow = {
    strategy: 'naive: one refresh per request',
    n,
    refreshes: [],
    failed: new Map(),
    signedOut: 0,
    latenciesMs: [],
  };
  const client = createLoadClient(n);
  try {
    for (let storm = 0; storm < storms; storm += 1) {
      const session = await newSession(stack);
      const refresh = {
        url: stack.endpoints.token,
        headers: { ...upstreamHeaders, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          client_id: BENCH_CLIENT_ID,
          refresh_token: session.refreshToken,
        }).toString(),
      };
      const before = await stack.admin.stats();
      const { answers } = await eachOnce(
        Array.from({ length: n }, () => refresh),
        n,
        client,
      );
      row.refreshes.push((await stack.admin.stats()).token.refresh_token - before.token.refresh_token);
      addCounts(row.failed, failures(answers));
      row.latenciesMs.push(...answers.map((a) => a.ms));
      // Whichever request "won" stores its tokens: is that session still alive?
      const winner = answers.find((a) => a.status === 200);
      const accessToken =
        winner === undefined ? null : (JSON.parse(winner.body) as { access_token: string }).access_token;
      const probe =
        accessToken === null
          ? null
          : await client.send({
              url: stack.endpoints.graphql,
              headers: { ...upstreamHeaders, authorization: accessToken, 'content-type': 'application/json' },
              body: QUERY,
            });
      if (probe === null || probe.status !== 200) row.signedOut += 1;
    }
  } finally {
    await client.close();
  }
  return row;
}

/** The refreshes of each storm: one figure when they agree, else each storm's. */
export const perStorm = (r: StormRow): string =>
  r.refreshes.every((x) => x === r.refreshes[0]) ? fmt(r.refreshes[0]!) : r.refreshes.join('/');

/** What must hold for every storm through the BFF: one refresh, no failed call, nobody signed out. */
export function stormInvariants(r: StormRow, where: string): Invariant[] {
  return [
    { rule: `refreshes per storm, ${where}`, holds: r.refreshes.every((x) => x === 1), observed: perStorm(r) },
    noCalls(`failed calls, ${where}`, r.failed),
    exactly(`sessions lost, ${where}`, r.signedOut, 0),
  ];
}

export const storms: Scenario = {
  id: 'storms',
  title: '5. Storms',
  async run({ quick }) {
    const stormsPerSize = quick ? 1 : 3;
    const stack = await startEmulatorStack({ emulatorConfig: { tokenLatencyMs: TOKEN_LATENCY_MS } });
    try {
      const refreshMs = await oneRefreshMs(stack, quick ? 3 : 5);
      const rows: StormRow[] = [];
      for (const n of SIZES) {
        rows.push(await bffStorms(stack, n, stormsPerSize, 'BFF (this repo)'));
        rows.push(await naiveStorms(stack, n, stormsPerSize));
      }
      const bffRows = rows.filter((r) => r.strategy.startsWith('BFF'));
      const stormRatio = (r: StormRow) => percentile(r.latenciesMs, 99) / refreshMs;
      const largest = bffRows[bffRows.length - 1]!;
      const invariants = bffRows.flatMap((r) => stormInvariants(r, `N = ${fmt(r.n)}`));
      return {
        setup:
          `The emulator (revoke-family, ${TOKEN_LATENCY_MS} ms token latency) and one BFF (SQLite in memory). Each ` +
          `storm signs a customer in for real, opens N sockets with N calls outside the buffer, moves the session's ` +
          `expiry inside the buffer (/demo/expire-soon), then fires N calls at once. ${stormsPerSize} storm(s) per N. ` +
          `One refresh alone (the unit of the latency ratio): the median of ${quick ? 3 : 5} single calls that ` +
          `refresh, ${fmt(refreshMs)} ms here.`,
        figures: [
          {
            caption: `N concurrent calls of one session inside the refresh buffer (${stormsPerSize} storm(s) each)`,
            table: {
              header: [
                'strategy',
                'N',
                'refreshes per storm',
                'failed calls',
                'signed out',
                'p99 ms',
                'p99 vs one refresh alone',
              ],
              rows: rows.map((r) => [
                r.strategy,
                r.n,
                perStorm(r),
                total(r.failed),
                `${r.signedOut}/${r.refreshes.length}`,
                percentile(r.latenciesMs, 99),
                ratio(stormRatio(r)),
              ]),
            },
            reading:
              `Through the BFF a storm costs one refresh whatever N: the calls of one session wait for the refresh ` +
              `already in flight instead of starting their own, and none fails. A client that refreshes per request ` +
              `spends N refreshes on the same refresh token; the strict emulator answers the second one by revoking ` +
              `the grant, so N−1 calls fail and the customer is signed out after every storm. A single call that ` +
              `refreshes takes ${fmt(refreshMs)} ms; the slowest 1 % of a storm's calls through the BFF take ` +
              `${bffRows.map((r) => `${ratio(stormRatio(r))}× that at N = ${fmt(r.n)}`).join(', ')}. A ratio near 1 ` +
              `means waiting for a refresh already in flight adds nothing of its own; what grows with N is the time ` +
              `to push N proxied calls through two cores once the refresh is done. (The naive rows' latency is the ` +
              `token endpoint's alone, with no API call after it.)`,
          },
        ],
        headlines: [
          {
            figure: `storm p99 vs one refresh alone, N = ${fmt(largest.n)}`,
            value: stormRatio(largest),
            target: null,
            met: null,
          },
        ],
        invariants,
      };
    } finally {
      await stack.stop();
    }
  },
};
