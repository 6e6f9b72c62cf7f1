/**
 * `npm run bench`: benchmarks that print RATIOS against a baseline measured in the same run, on the
 * same machine, over loopback. No absolute timing is a pass or fail; the two correctness invariants of
 * the storm (one refresh per storm, no sign-out) are, and set the exit code.
 *
 * Processes: this one generates load (undici Pool), one child runs the emulator, one the BFF.
 * See bench/README.md for what each number means.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { unsealData } from 'iron-session';
import { Pool } from 'undici';
import { createSealer } from '../server/sessions/seal.ts';
import { freePort } from '../tests/helpers/stack.ts';
import { BENCH_CLIENT_ID, type BenchSession, type ChildRequest } from './child.ts';

const CONNECTIONS = 32;
const WARMUP_MS = 500;
const ROUND_MS = 2_500;
const ROUNDS = 2;
const STORM_SIZES = [5, 200];
const STORMS_PER_SIZE = 3;
const STORM_TOKEN_LATENCY_MS = 50;
const QUERY = JSON.stringify({ query: '{ customer { id displayName emailAddress { emailAddress } } }' });
const USER_AGENT = 'bench/1.0';

// ── processes ────────────────────────────────────────────────────────────────────────────────────

interface Child {
  call<T>(request: ChildRequest): Promise<T>;
  process: ChildProcess;
}

function spawnChild(role: 'emulator' | 'bff'): Promise<Child> {
  const child = fork(new URL('./child.ts', import.meta.url), [role], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
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

// ── load ─────────────────────────────────────────────────────────────────────────────────────────

interface Target {
  url: URL;
  headers: Record<string, string>;
  body: string;
}

interface Run {
  requests: number;
  errors: number;
  seconds: number;
  latenciesMs: number[];
}

/** `connections` closed loops hammering one target for `durationMs`; a fixed, bounded amount of work. */
async function hammer(target: Target, durationMs: number, connections = CONNECTIONS): Promise<Run> {
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

const percentile = (values: number[], p: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

function combine(runs: Run[]): { rps: number; p50: number; p99: number; errors: number; requests: number } {
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

// ── output ───────────────────────────────────────────────────────────────────────────────────────

function table(title: string, header: string[], rows: Array<Array<string | number>>): void {
  const cells = [header, ...rows.map((row) => row.map((cell) => (typeof cell === 'number' ? format(cell) : cell)))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => String(row[i]).length)));
  const line = (row: Array<string | number>) =>
    `| ${row.map((cell, i) => String(cell).padEnd(widths[i]!)).join(' | ')} |`;
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
  for (const row of cells.slice(1)) console.log(line(row));
}

function format(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return String(n);
  if (Math.abs(n) >= 100) return n.toFixed(0);
  if (Math.abs(n) >= 1) return n.toFixed(2);
  return n.toFixed(3);
}

// ── the benchmarks ───────────────────────────────────────────────────────────────────────────────

interface Env {
  appOrigin: string;
  emulatorUrl: string;
  bff: Child;
  emulator: Child;
  graphqlApiUrl: URL;
  tokenEndpoint: URL;
}

async function admin(env: Env, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${env.emulatorUrl}/__emulator${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`emulator ${path}: ${response.status}`);
  return response.json();
}

const refreshCount = async (env: Env) =>
  ((await admin(env, '/stats')) as { token: { refresh_token: number } }).token.refresh_token;

/** (a) Requests per second through the BFF proxy vs. straight at the upstream GraphQL endpoint. */
async function proxyThroughput(env: Env) {
  const session = await env.bff.call<BenchSession>({ type: 'session', email: 'alice@example.com' });
  const direct: Target = {
    url: env.graphqlApiUrl,
    // What the BFF itself sends upstream (server/shopify/graphql.ts).
    headers: {
      authorization: session.accessToken,
      'content-type': 'application/json',
      origin: env.appOrigin,
      'user-agent': USER_AGENT,
    },
    body: QUERY,
  };
  const proxied: Target = {
    url: new URL('/api/customer/graphql', env.appOrigin),
    headers: { cookie: `csess=${session.cookie}`, 'x-csrf': '1', 'content-type': 'application/json' },
    body: QUERY,
  };
  await hammer(direct, WARMUP_MS);
  await hammer(proxied, WARMUP_MS);
  // Alternating rounds, so a drift in machine load hits both sides alike. Each server process also
  // reports the CPU it spent, which says what a request costs whichever process is the bottleneck.
  const cpu = async () => {
    const [bff, emulator] = await Promise.all([
      env.bff.call<{ cpuUs: number }>({ type: 'cpu' }),
      env.emulator.call<{ cpuUs: number }>({ type: 'cpu' }),
    ]);
    return { bff: bff.cpuUs, emulator: emulator.cpuUs };
  };
  const directRuns: Run[] = [];
  const proxiedRuns: Run[] = [];
  const cpuUs = { direct: { bff: 0, emulator: 0 }, proxied: { bff: 0, emulator: 0 } };
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [side, target, runs] of [
      ['direct', direct, directRuns],
      ['proxied', proxied, proxiedRuns],
    ] as const) {
      const before = await cpu();
      runs.push(await hammer(target, ROUND_MS));
      const after = await cpu();
      cpuUs[side].bff += after.bff - before.bff;
      cpuUs[side].emulator += after.emulator - before.emulator;
    }
  }
  const directResult = combine(directRuns);
  const proxiedResult = combine(proxiedRuns);
  return {
    direct: { ...directResult, emulatorCpuUs: cpuUs.direct.emulator / directResult.requests },
    proxied: {
      ...proxiedResult,
      bffCpuUs: cpuUs.proxied.bff / proxiedResult.requests,
      emulatorCpuUs: cpuUs.proxied.emulator / proxiedResult.requests,
    },
  };
}

/** (b) N concurrent calls of one session inside the refresh buffer: through the BFF vs. naive. */
async function storms(env: Env) {
  await admin(env, '/config', { refreshTokenReuse: 'revoke-family', tokenLatencyMs: STORM_TOKEN_LATENCY_MS });
  const rows: Array<{ strategy: string; n: number; refreshes: number[]; loggedOut: number; failedCalls: number }> = [];
  const pool = new Pool(env.appOrigin, { connections: Math.max(...STORM_SIZES), pipelining: 1 });
  const bffCall = async (cookie: string, path: string, body: string) => {
    const response = await pool.request({
      path,
      method: 'POST',
      headers: { cookie: `csess=${cookie}`, 'x-csrf': '1', 'content-type': 'application/json' },
      body,
    });
    return { status: response.statusCode, body: await response.body.text() };
  };

  for (const n of STORM_SIZES) {
    // Through the BFF: one session, N concurrent API calls right after its expiry entered the buffer.
    const bff = { strategy: 'BFF (this repo)', n, refreshes: [] as number[], loggedOut: 0, failedCalls: 0 };
    for (let storm = 0; storm < STORMS_PER_SIZE; storm += 1) {
      const session = await env.bff.call<BenchSession>({ type: 'session', email: 'alice@example.com' });
      // Warm sockets outside the buffer, so the storm arrives at once.
      await Promise.all(Array.from({ length: n }, () => bffCall(session.cookie, '/api/customer/graphql', QUERY)));
      await bffCall(session.cookie, '/demo/expire-soon', '');
      const before = await refreshCount(env);
      const answers = await Promise.all(
        Array.from({ length: n }, () => bffCall(session.cookie, '/api/customer/graphql', QUERY)),
      );
      bff.refreshes.push((await refreshCount(env)) - before);
      bff.failedCalls += answers.filter((a) => a.status !== 200).length;
      // Signed out = the session no longer works afterwards (the next call is 401 reauth_required).
      const after = await bffCall(session.cookie, '/api/customer/graphql', QUERY);
      if (after.status === 401) bff.loggedOut += 1;
    }
    rows.push(bff);

    // Naive (what Hydrogen does): every request that sees the token near expiry refreshes it itself,
    // with the refresh token it read — all N with the same one.
    const naive = {
      strategy: 'naive: one refresh per request',
      n,
      refreshes: [] as number[],
      loggedOut: 0,
      failedCalls: 0,
    };
    for (let storm = 0; storm < STORMS_PER_SIZE; storm += 1) {
      const session = await env.bff.call<BenchSession>({ type: 'session', email: 'alice@example.com' });
      const before = await refreshCount(env);
      const answers = await Promise.all(
        Array.from({ length: n }, async () => {
          const response = await fetch(env.tokenEndpoint, {
            method: 'POST',
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              origin: env.appOrigin,
              'user-agent': USER_AGENT,
            },
            body: new URLSearchParams({
              grant_type: 'refresh_token',
              client_id: BENCH_CLIENT_ID,
              refresh_token: session.refreshToken,
            }),
          });
          return { status: response.status, body: (await response.json()) as { access_token?: string } };
        }),
      );
      naive.refreshes.push((await refreshCount(env)) - before);
      naive.failedCalls += answers.filter((a) => a.status !== 200).length;
      // Whichever request "won" stores its tokens; is that session still alive?
      const winner = answers.find((a) => a.body.access_token !== undefined)?.body.access_token;
      const probe = winner
        ? await fetch(env.graphqlApiUrl, {
            method: 'POST',
            headers: {
              authorization: winner,
              'content-type': 'application/json',
              origin: env.appOrigin,
              'user-agent': USER_AGENT,
            },
            body: QUERY,
          })
        : null;
      await probe?.body?.cancel();
      if (probe === null || probe.status === 401) naive.loggedOut += 1;
    }
    rows.push(naive);
  }
  await pool.close();
  await admin(env, '/config', { tokenLatencyMs: 0 });
  return rows;
}

/** (c) The cost of reading the session cookie: iron-session unseal (key derivation) vs. the sealer's cache. */
async function unsealCost() {
  const password = 'bench-session-password-0123456789abcdef0123';
  const sealer = createSealer([password]);
  const sealed = await sealer.seal({ sid: 'x'.repeat(43) }, 3600);
  const parse = (value: unknown) => (value as { sid?: string }).sid ?? null;
  const uncachedOps = 300;
  let t0 = performance.now();
  for (let i = 0; i < uncachedOps; i += 1) await unsealData(sealed, { password: sealer.ironPasswords });
  const uncachedUs = ((performance.now() - t0) * 1000) / uncachedOps;
  await sealer.unseal(sealed, parse); // the one miss that fills the cache
  const cachedOps = 100_000;
  t0 = performance.now();
  for (let i = 0; i < cachedOps; i += 1) await sealer.unseal(sealed, parse);
  const cachedUs = ((performance.now() - t0) * 1000) / cachedOps;
  return { uncachedUs, cachedUs };
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  const port = await freePort();
  const appOrigin = `http://localhost:${port}`;
  const [emulatorChild, bffChild] = await Promise.all([spawnChild('emulator'), spawnChild('bff')]);
  try {
    const { url: emulatorUrl } = await emulatorChild.call<{ url: string }>({ type: 'start-emulator', appOrigin });
    await bffChild.call({ type: 'start-bff', port, emulatorUrl });
    const discovery = (await (await fetch(`${emulatorUrl}/.well-known/openid-configuration`)).json()) as {
      token_endpoint: string;
    };
    const api = (await (await fetch(`${emulatorUrl}/.well-known/customer-account-api`)).json()) as {
      graphql_api: string;
    };
    const env: Env = {
      appOrigin,
      emulatorUrl,
      bff: bffChild,
      emulator: emulatorChild,
      graphqlApiUrl: new URL(api.graphql_api),
      tokenEndpoint: new URL(discovery.token_endpoint),
    };

    console.log(
      `bench: ${CONNECTIONS} connections, ${ROUNDS}×${ROUND_MS} ms per side after ${WARMUP_MS} ms warm-up; loopback; load generator, BFF and emulator in 3 processes`,
    );

    const throughput = await proxyThroughput(env);
    table(
      '(a) Customer Account API call: through the BFF vs. straight at the upstream (same run, same machine)',
      ['path', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'req/s ratio vs direct'],
      [
        [
          'direct to emulator GraphQL (baseline)',
          throughput.direct.rps,
          throughput.direct.p50,
          throughput.direct.p99,
          throughput.direct.errors,
          1,
        ],
        [
          'BFF proxy (cookie → session → token → upstream)',
          throughput.proxied.rps,
          throughput.proxied.p50,
          throughput.proxied.p99,
          throughput.proxied.errors,
          throughput.proxied.rps / throughput.direct.rps,
        ],
      ],
    );
    table(
      "(a′) CPU per request, by process (the upstream's own cost is the baseline)",
      ['process', 'CPU µs per request', 'ratio vs upstream'],
      [
        ['emulator, serving the direct calls (baseline)', throughput.direct.emulatorCpuUs, 1],
        [
          'emulator, serving the proxied calls',
          throughput.proxied.emulatorCpuUs,
          throughput.proxied.emulatorCpuUs / throughput.direct.emulatorCpuUs,
        ],
        [
          'BFF, per proxied call',
          throughput.proxied.bffCpuUs,
          throughput.proxied.bffCpuUs / throughput.direct.emulatorCpuUs,
        ],
      ],
    );

    const stormRows = await storms(env);
    table(
      `(b) Storm: N concurrent calls of one session inside the refresh buffer, emulator in revoke-family mode, token latency ${STORM_TOKEN_LATENCY_MS} ms (${STORMS_PER_SIZE} storms each)`,
      ['strategy', 'N', 'refresh calls per storm', 'failed calls', 'logout rate'],
      stormRows.map((r) => [
        r.strategy,
        r.n,
        r.refreshes.every((x) => x === r.refreshes[0]) ? r.refreshes[0]! : r.refreshes.join('/'),
        r.failedCalls,
        `${r.loggedOut}/${STORMS_PER_SIZE}`,
      ]),
    );

    const unseal = await unsealCost();
    const bffCpuUs = throughput.proxied.bffCpuUs;
    table(
      '(c) Reading the session cookie, per request',
      ['unseal', 'µs per op', 'vs BFF CPU per proxied call in (a′)', 'speed-up vs uncached'],
      [
        [
          'iron-session unsealData (key derivation every time)',
          unseal.uncachedUs,
          `${((100 * unseal.uncachedUs) / bffCpuUs).toFixed(0)} %`,
          '1×',
        ],
        [
          'sealer LRU cache hit (what the BFF does)',
          unseal.cachedUs,
          `${((100 * unseal.cachedUs) / bffCpuUs).toFixed(2)} %`,
          `${(unseal.uncachedUs / unseal.cachedUs).toFixed(0)}×`,
        ],
      ],
    );

    const bffRows = stormRows.filter((r) => r.strategy.startsWith('BFF'));
    const invariantsHold = bffRows.every(
      (r) => r.refreshes.every((x) => x === 1) && r.loggedOut === 0 && r.failedCalls === 0,
    );
    console.log(
      `\nstorm invariants (1 refresh per storm, 0 failed calls, 0 logouts through the BFF): ${invariantsHold ? 'hold' : 'BROKEN'}`,
    );
    console.log(`total ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
    if (!invariantsHold) process.exitCode = 1;
  } finally {
    await Promise.allSettled([bffChild.call({ type: 'stop' }), emulatorChild.call({ type: 'stop' })]);
  }
}

await main();
