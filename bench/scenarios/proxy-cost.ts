/**
 * Scenario 1, the proxy's own cost: the same GraphQL POST sent to a fast upstream (a canned answer)
 * directly, through a bare Node proxy (the floor: `node:http` + an undici pool, no session), and
 * through the BFF on SQLite and on Redis. The upstream spends almost nothing per call, so whatever a
 * proxy in front of it costs shows; the bare proxy is the baseline every BFF figure is divided by.
 */
import { QUERY } from '../lib/constants.ts';
import { compareRounds, CONNECTIONS, proxiedCall, roundsFor, type Side } from '../lib/load.ts';
import { spawnChild, stopAll } from '../lib/processes.ts';
import { exactly, ratio, type Scenario } from '../lib/report.ts';
import {
  clearRedisPrefix,
  FAST_UPSTREAM_TOKEN,
  mintFastSessions,
  REDIS_URL,
  redisPrefix,
  redisServerCpu,
  startBffProcess,
  startFastUpstream,
} from '../lib/stacks.ts';
import { GRAPHQL_PATH } from '../servers.ts';

const GOAL_CPU_SQLITE = 2;
const GOAL_CPU_REDIS = 2.5;
const GOAL_RPS = 0.6;

export const proxyCost: Scenario = {
  id: 'proxy-cost',
  title: '1. Proxy cost on a fast upstream',
  async run({ quick, bffExecArgv }) {
    const rounds = roundsFor(quick);
    const prefix = redisPrefix();
    const upstream = await startFastUpstream();
    const bare = await spawnChild('bare', bffExecArgv);
    const sqlite = await startBffProcess({ storefront: upstream.url, execArgv: bffExecArgv });
    const redis = await startBffProcess({ storefront: upstream.url, store: REDIS_URL, prefix, execArgv: bffExecArgv });
    const redisServer = redisServerCpu();
    try {
      const { url: bareUrl } = await bare.call<{ url: string }>({
        type: 'start-bare',
        upstream: upstream.url,
        token: FAST_UPSTREAM_TOKEN,
      });
      const [sqliteCookie] = await mintFastSessions(sqlite, 1);
      const [redisCookie] = await mintFastSessions(redis, 1);
      const sides: Side[] = [
        {
          name: 'direct to the fast upstream',
          target: {
            url: new URL(GRAPHQL_PATH, upstream.url),
            headers: { authorization: FAST_UPSTREAM_TOKEN, 'content-type': 'application/json' },
            body: QUERY,
          },
          processes: { upstream: upstream.child },
        },
        {
          name: 'bare Node proxy (baseline)',
          target: proxiedCall(bareUrl, '', '/'),
          processes: { proxy: bare, upstream: upstream.child },
        },
        {
          name: 'BFF, SQLite store',
          target: proxiedCall(sqlite.url, sqliteCookie!),
          processes: { proxy: sqlite.child, upstream: upstream.child },
        },
        {
          name: 'BFF, Redis store',
          target: proxiedCall(redis.url, redisCookie!),
          processes: { proxy: redis.child, upstream: upstream.child, redis: redisServer },
        },
      ];
      const [direct, bareRow, sqliteRow, redisRow] = await compareRounds(sides, rounds);
      const bareCpu = bareRow!.cpuUsPerCall.proxy!;
      const cpuRatio = (row: typeof sqliteRow) => row!.cpuUsPerCall.proxy! / bareCpu;
      const rpsRatio = (row: typeof sqliteRow) => row!.rps / bareRow!.rps;
      const rows = [direct!, bareRow!, sqliteRow!, redisRow!];
      const errors = rows.reduce((n, r) => n + r.errors, 0);
      return {
        setup:
          `Four processes on loopback: the load generator (${CONNECTIONS} closed loops on undici pools), the fast upstream, ` +
          `the bare proxy, and one BFF per store (SQLite in memory; Redis at 127.0.0.1:6379), each BFF holding one ` +
          `minted session. The four paths run in ${rounds.rounds} alternating round(s) of ${rounds.roundMs / 1000} s ` +
          `after a ${rounds.warmupMs / 1000} s warm-up each.`,
        figures: [
          {
            caption: 'Throughput, latency and CPU per call, by path',
            table: {
              header: [
                'path',
                'req/s',
                'req/s vs bare',
                'p50 ms',
                'p99 ms',
                'errors',
                'proxy CPU µs/call',
                'proxy CPU vs bare',
                'upstream CPU µs/call',
                'Redis server CPU µs/call',
              ],
              rows: rows.map((r) => [
                r.name,
                r.rps,
                ratio(r.rps / bareRow!.rps),
                r.p50,
                r.p99,
                r.errors,
                r.cpuUsPerCall.proxy ?? '—',
                r.cpuUsPerCall.proxy === undefined ? '—' : ratio(r.cpuUsPerCall.proxy / bareCpu),
                r.cpuUsPerCall.upstream!,
                r.cpuUsPerCall.redis ?? '—',
              ]),
            },
            reading:
              `Every proxied call here does the same upstream work, so what differs is what the proxy itself costs. ` +
              `A bare Node proxy spends ${Math.round(bareCpu)} µs of CPU per call; the BFF spends ` +
              `${ratio(cpuRatio(sqliteRow))}× that on SQLite and ${ratio(cpuRatio(redisRow))}× on Redis ` +
              `(goals: at most ${GOAL_CPU_SQLITE}× and ${GOAL_CPU_REDIS}×) — the price of reading the session cookie, ` +
              `looking the session up, checking the token's expiry and answering with the session headers. ` +
              `Throughput follows: the BFF serves ${ratio(rpsRatio(sqliteRow))}× the bare proxy's request rate on SQLite ` +
              `and ${ratio(rpsRatio(redisRow))}× on Redis (goal: at least ${GOAL_RPS}×). The CPU ratio is the steadier ` +
              `of the two: req/s also depends on which of the processes sharing the two cores is the bottleneck at ` +
              `that moment, while CPU per call does not. On Redis the session lookup is one HMGET a call (lookups made ` +
              `in one tick share a write); the Redis server spends ` +
              `${Math.round(redisRow!.cpuUsPerCall.redis!)} µs answering it, and the BFF ` +
              `${Math.round(redisRow!.cpuUsPerCall.proxy! - sqliteRow!.cpuUsPerCall.proxy!)} µs more than on SQLite: ` +
              `the client side of that round trip (ioredis encoding the command, a socket write, a read). Calling the upstream ` +
              `directly is shown for scale only; no deployment can skip the proxy.`,
          },
        ],
        headlines: [
          {
            figure: 'BFF (SQLite) CPU per call vs bare proxy',
            value: cpuRatio(sqliteRow),
            target: `≤ ${GOAL_CPU_SQLITE}`,
            met: cpuRatio(sqliteRow) <= GOAL_CPU_SQLITE,
          },
          {
            figure: 'BFF (Redis) CPU per call vs bare proxy',
            value: cpuRatio(redisRow),
            target: `≤ ${GOAL_CPU_REDIS}`,
            met: cpuRatio(redisRow) <= GOAL_CPU_REDIS,
          },
          {
            figure: 'BFF (SQLite) req/s vs bare proxy',
            value: rpsRatio(sqliteRow),
            target: `≥ ${GOAL_RPS}`,
            met: rpsRatio(sqliteRow) >= GOAL_RPS,
          },
          {
            figure: 'BFF (Redis) req/s vs bare proxy',
            value: rpsRatio(redisRow),
            target: `≥ ${GOAL_RPS}`,
            met: rpsRatio(redisRow) >= GOAL_RPS,
          },
        ],
        invariants: [exactly('failed calls', errors, 0)],
      };
    } finally {
      redisServer.close();
      await stopAll([upstream.child, bare, sqlite.child, redis.child]);
      await clearRedisPrefix(prefix);
    }
  },
};
