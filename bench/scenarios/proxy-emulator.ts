/**
 * Scenario 2, the proxy on a real GraphQL upstream: the same query sent straight to the emulator's
 * GraphQL endpoint with the session's access token (the baseline), and through the BFF with the
 * session cookie. Unlike the fast upstream of scenario 1, the emulator parses, validates and executes
 * the query, so this says what the BFF's hop adds to an upstream that does real work.
 */
import { CUSTOMER_EMAIL, QUERY, USER_AGENT } from '../lib/constants.ts';
import { compareRounds, proxiedCall, roundsFor } from '../lib/load.ts';
import { exactly, ratio, type Scenario } from '../lib/report.ts';
import { startEmulatorStack } from '../lib/stacks.ts';
import type { BenchSession } from '../child.ts';

export const proxyEmulator: Scenario = {
  id: 'proxy-emulator',
  title: '2. Proxy cost on the emulator',
  async run({ quick }) {
    const rounds = roundsFor(quick);
    const stack = await startEmulatorStack();
    try {
      const bff = stack.bffs[0]!;
      const session = await bff.child.call<BenchSession>({ type: 'session', email: CUSTOMER_EMAIL });
      const [direct, proxied] = await compareRounds(
        [
          {
            name: 'direct to the emulator (baseline)',
            target: {
              url: stack.endpoints.graphql,
              // What the BFF itself sends upstream (server/shopify/graphql.ts).
              headers: {
                authorization: session.accessToken,
                'content-type': 'application/json',
                origin: stack.appOrigin,
                'user-agent': USER_AGENT,
              },
              body: QUERY,
            },
            processes: { emulator: stack.emulator },
          },
          {
            name: 'through the BFF',
            target: proxiedCall(bff.url, session.cookie),
            processes: { bff: bff.child, emulator: stack.emulator },
          },
        ],
        rounds,
      );
      const rps = proxied!.rps / direct!.rps;
      const upstreamCpu = direct!.cpuUsPerCall.emulator!;
      const bffCpu = proxied!.cpuUsPerCall.bff! / upstreamCpu;
      return {
        setup:
          `Three processes: the load generator, the emulator (GraphQL cost limits lifted) and one BFF (SQLite in ` +
          `memory) with one real sign-in. ${rounds.rounds} alternating round(s) of ${rounds.roundMs / 1000} s per ` +
          `side after a ${rounds.warmupMs / 1000} s warm-up each.`,
        figures: [
          {
            caption: '(a) Throughput: through the BFF vs straight at the upstream',
            table: {
              header: ['path', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'req/s vs direct'],
              rows: [direct!, proxied!].map((r) => [r.name, r.rps, r.p50, r.p99, r.errors, ratio(r.rps / direct!.rps)]),
            },
            reading:
              `A client gets ${ratio(rps)}× the request rate through the BFF that it gets calling the emulator directly. ` +
              `The emulator executes real GraphQL, so it is a slow upstream and the BFF's extra hop is a smaller share ` +
              `of each call than on the fast upstream of scenario 1. On a 2-core machine shared by the load generator, ` +
              `the emulator and the BFF, this ratio moves with whatever else runs; the CPU figures below are steadier.`,
          },
          {
            caption: "(a′) CPU per call, by process (the upstream's own cost is the baseline)",
            table: {
              header: ['process', 'CPU µs per call', 'vs upstream'],
              rows: [
                ['emulator, serving the direct calls (baseline)', upstreamCpu, ratio(1)],
                [
                  'emulator, serving the proxied calls',
                  proxied!.cpuUsPerCall.emulator!,
                  ratio(proxied!.cpuUsPerCall.emulator! / upstreamCpu),
                ],
                ['BFF, per proxied call', proxied!.cpuUsPerCall.bff!, ratio(bffCpu)],
              ],
            },
            reading:
              `The BFF spends ${ratio(bffCpu)}× the CPU the emulator spends answering the query itself ` +
              `(${Math.round(proxied!.cpuUsPerCall.bff!)} µs per call): the HTTP server, the session lookup and the ` +
              `undici client. The emulator usually costs less per proxied call than per direct call because the ` +
              `BFF's pool keeps a few connections busy instead of many.`,
          },
        ],
        headlines: [{ figure: 'req/s through the BFF vs direct to the emulator', value: rps, target: null, met: null }],
        invariants: [exactly('failed calls', direct!.errors + proxied!.errors, 0)],
      };
    } finally {
      await stack.stop();
    }
  },
};
