/**
 * Scenario 6, a cluster: three BFF processes on one Redis (one key prefix, one APP_ORIGIN, as behind a
 * load balancer). A storm of 5 spread over the three must still cost one refresh (the Redis lease
 * lock); and three processes against one on the fast upstream, the load spread round-robin.
 */
import { compareRounds, proxiedCall, roundsFor, type RoundOptions } from '../lib/load.ts';
import { stopAll } from '../lib/processes.ts';
import { exactly, ratio, total, type Scenario } from '../lib/report.ts';
import {
  clearRedisPrefix,
  mintFastSessions,
  REDIS_URL,
  redisPrefix,
  startBffProcess,
  startEmulatorStack,
  startFastUpstream,
  type BffProcess,
} from '../lib/stacks.ts';
import { bffStorms, perStorm, stormInvariants, TOKEN_LATENCY_MS } from './storms.ts';

const PROCESSES = 3;
const STORM_SIZE = 5;

/** The storm of 5 over three BFFs that share one Redis, the emulator as Shopify. */
async function clusterStorms(storms: number) {
  const prefix = redisPrefix();
  const stack = await startEmulatorStack({
    bffs: PROCESSES,
    store: REDIS_URL,
    prefix,
    emulatorConfig: { tokenLatencyMs: TOKEN_LATENCY_MS },
  });
  try {
    return await bffStorms(stack, STORM_SIZE, storms, `BFF × ${PROCESSES}, one Redis`);
  } finally {
    await stack.stop();
    await clearRedisPrefix(prefix);
  }
}

/** Throughput of one BFF process against three on one Redis, on the fast upstream. */
async function clusterThroughput(rounds: RoundOptions) {
  const prefix = redisPrefix();
  const upstream = await startFastUpstream();
  const bffs: BffProcess[] = [];
  try {
    for (let i = 0; i < PROCESSES; i += 1) {
      bffs.push(await startBffProcess({ storefront: upstream.url, store: REDIS_URL, prefix }));
    }
    // One session in the shared store serves every process.
    const [cookie] = await mintFastSessions(bffs[0]!, 1);
    const calls = bffs.map((bff) => proxiedCall(bff.url, cookie!));
    const [one, three] = await compareRounds(
      [
        { name: '1 BFF process (baseline)', target: calls[0]!, processes: { bff0: bffs[0]!.child } },
        {
          name: `${PROCESSES} BFF processes, round-robin`,
          // Each closed loop sticks to one process, as a keep-alive connection through a balancer does.
          target: (loop) => calls[loop % calls.length]!,
          processes: Object.fromEntries(bffs.map((bff, i) => [`bff${i}`, bff.child])),
        },
      ],
      rounds,
    );
    const bffCpu = (row: typeof one) => Object.values(row!.cpuUsPerCall).reduce((a, b) => a + b, 0);
    return { one: one!, three: three!, cpuOne: bffCpu(one), cpuThree: bffCpu(three) };
  } finally {
    await stopAll([upstream.child, ...bffs.map((b) => b.child)]);
    await clearRedisPrefix(prefix);
  }
}

export const cluster: Scenario = {
  id: 'cluster',
  title: '6. Cluster',
  async run({ quick }) {
    const storm = await clusterStorms(quick ? 1 : 3);
    const rounds = roundsFor(quick);
    const { one, three, cpuOne, cpuThree } = await clusterThroughput(rounds);
    const scale = three.rps / one.rps;
    return {
      setup:
        `Three BFF processes on Redis at 127.0.0.1:6379 with one key prefix and one APP_ORIGIN. Storms: the emulator ` +
        `(revoke-family, ${TOKEN_LATENCY_MS} ms token latency), a real sign-in through the first process, then ` +
        `${STORM_SIZE} concurrent calls inside the refresh buffer, call i to process i mod 3; ${storm.refreshes.length} storm(s). ` +
        `Throughput: the fast upstream, one minted session, ${rounds.rounds} alternating round(s) of ` +
        `${rounds.roundMs / 1000} s per side.`,
      figures: [
        {
          caption: `A storm of ${STORM_SIZE} spread over ${PROCESSES} processes`,
          table: {
            header: ['strategy', 'N', 'refreshes per storm', 'failed calls', 'signed out'],
            rows: [
              [
                storm.strategy,
                storm.n,
                perStorm(storm),
                total(storm.failed),
                `${storm.signedOut}/${storm.refreshes.length}`,
              ],
            ],
          },
          reading:
            `Calls of one session arriving at three processes at once still cost ${perStorm(storm)} refresh per storm: ` +
            `the first process to see the session due takes a lease in Redis, the others wait for it and then read the ` +
            `refreshed record instead of presenting the same refresh token again (which the strict emulator would ` +
            `answer by revoking the grant).`,
        },
        {
          caption: `Throughput: ${PROCESSES} processes vs 1, on the fast upstream`,
          table: {
            header: ['BFF', 'req/s', 'vs 1 process', 'p50 ms', 'p99 ms', 'errors', 'BFF CPU µs/call (all processes)'],
            rows: [one, three].map((r) => [
              r.name,
              r.rps,
              ratio(r.rps / one.rps),
              r.p50,
              r.p99,
              r.errors,
              r === one ? cpuOne : cpuThree,
            ]),
          },
          reading:
            `Three processes serve ${ratio(scale)}× the request rate of one, spending ${ratio(cpuThree / cpuOne)}× the ` +
            `BFF CPU per call between them. On this 2-core machine the load generator, the upstream, Redis and the BFFs ` +
            `share the same two cores, so more processes cannot add capacity here, only switches between more ` +
            `processes, and the CPU ratio says what those cost. Nothing on the call path coordinates ` +
            `across processes (only refreshes take the Redis lease), so on a machine with a core per process the rate ` +
            `would grow with the processes until Redis ` +
            `or the upstream becomes the limit.`,
        },
      ],
      headlines: [{ figure: `req/s, ${PROCESSES} processes vs 1`, value: scale, target: null, met: null }],
      invariants: [
        ...stormInvariants(storm, `N = ${STORM_SIZE} over ${PROCESSES} processes`),
        exactly('failed calls, throughput', one.errors + three.errors, 0),
      ],
    };
  },
};
