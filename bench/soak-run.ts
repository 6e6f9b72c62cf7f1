/**
 * One soak run: sign the sessions in, run the traffic with its episodes on the timeline of
 * `planTimeline` (faults, revocations, the SQLite disk-full episode, the Redis restart, the footprint
 * samples), then check every session once more and hand back what was counted.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { PROFILE_QUERY, createSoakClient, emulatorAdmin, type EmulatorStats } from './soak-client.ts';
import {
  diskFullEpisode,
  redisRestartEpisode,
  sampleFootprints,
  seriesValue,
  startProgress,
  type EpisodeDeps,
  type SettledFootprint,
} from './soak-episodes.ts';
import { createLedger, type Ledger, type SoakSession } from './soak-ledger.ts';
import { planTimeline, type SoakOptions, type SoakTimeline } from './soak-plan.ts';
import { createPool, eachLimited, type SoakPool } from './soak-pool.ts';
import { startSoakStack, type BffInstance } from './soak-stack.ts';
import { startFaults, startTraffic } from './soak-traffic.ts';

export type { SettledFootprint } from './soak-episodes.ts';

const FINAL_CONCURRENCY = 16;
/** `POST /auth/refresh {force:true}` within 10 s of a refresh reuses it (server/tokens/session-timers.ts). */
const FORCE_QUIET_MS = 11_000;

export type SampleName = 'start' | 'middle' | 'end';

export interface SoakResult {
  options: SoakOptions;
  timeline: SoakTimeline;
  signIns: SoakPool['signIns'];
  ledger: Ledger;
  /** Every session signed in, replacements included. */
  sessions: SoakSession[];
  /** Answers of the traffic alone (the final check's are in `final`). */
  traffic: Ledger['answers'];
  /** The ledger's tally when the traffic ended. */
  trafficTally: Ledger['tally'];
  actions: { started: number; skipped: number };
  controls: SoakPool['controls'];
  faults: Record<string, number>;
  revocations: Array<{ atSeconds: number; via: string; sessions: number }>;
  diskFull: Awaited<ReturnType<typeof diskFullEpisode>> | { skipped: string };
  redisRestart: Awaited<ReturnType<typeof redisRestartEpisode>>;
  /** Per process name (each BFF, and the emulator for reference). */
  samples: Partial<Record<SampleName, Record<string, SettledFootprint>>>;
  final: Awaited<ReturnType<typeof finalCheck>>;
  emulator: EmulatorStats;
  /** Per BFF: how many times it logged each event. */
  events: Record<string, Record<string, number>>;
  /** Summed over the BFFs' `/metrics`. */
  metrics: { refreshSuccess: number; coalesced: number };
}

function eventCounts(bff: BffInstance): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of bff.server.events()) {
    // An event with a reason is counted under both, e.g. `token.refresh.write_abandoned (gone)`.
    const names = [String(line.event), ...(typeof line.reason === 'string' ? [`${line.event} (${line.reason})`] : [])];
    for (const name of names) counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

export async function runSoak(options: SoakOptions, say: (line: string) => void): Promise<SoakResult> {
  const timeline = planTimeline(options.minutes);
  say('starting the emulator, a private Redis and three compiled BFFs');
  const stack = await startSoakStack();
  const client = createSoakClient();
  try {
    const admin = emulatorAdmin(stack.emulatorUrl);
    const groups = {
      sqlite: stack.groups.find((g) => g.store === 'sqlite')!,
      redis: stack.groups.find((g) => g.store === 'redis')!,
    };
    const ledger = createLedger();
    let trafficStartedAt = performance.now();
    const elapsedSeconds = () => (performance.now() - trafficStartedAt) / 1000;
    const pool = createPool({ client, admin, groups, ledger, elapsedSeconds });

    await pool.signInAll(options.sessions);
    say(
      `signed in ${options.sessions} sessions in ${pool.signIns.initialSeconds.toFixed(1)} s; traffic for ${options.minutes} min`,
    );
    trafficStartedAt = performance.now();
    const during = (line: string) => say(`${elapsedSeconds().toFixed(0)} s: ${line}`);
    const episodes = await runTraffic({ stack, pool, ledger, admin, say: during }, options, timeline);
    const traffic = { ...ledger.answers };
    const trafficTally = { ...ledger.tally };
    say(`traffic over: ${episodes.actions.started} actions; final check of every session`);

    const final = await finalCheck(pool, ledger, admin, elapsedSeconds);
    const events: SoakResult['events'] = {};
    const metrics = { refreshSuccess: 0, coalesced: 0 };
    for (const bff of stack.groups.flatMap((group) => group.bffs)) {
      events[bff.name] = eventCounts(bff);
      const text = await (await fetch(`${bff.url}/metrics`)).text();
      metrics.refreshSuccess += seriesValue(text, 'bff_token_refresh_total{outcome="success"}');
      metrics.coalesced += seriesValue(text, 'bff_refresh_coalesced_total');
    }
    return {
      options,
      timeline,
      signIns: pool.signIns,
      ledger,
      sessions: pool.sessions,
      traffic,
      trafficTally,
      controls: pool.controls,
      ...episodes,
      final,
      emulator: await admin.stats(),
      events,
      metrics,
    };
  } finally {
    await client.close();
    await stack.stop();
  }
}

/** The traffic, the faults and the progress line for the whole run, with the episodes in order. */
async function runTraffic(deps: EpisodeDeps, options: SoakOptions, timeline: SoakTimeline) {
  const { stack, pool, say } = deps;
  const startedAt = performance.now();
  const traffic = startTraffic(pool, options.ratePerSecond);
  const faults = startFaults(deps.admin, timeline.faultEveryMs, say);
  const progress = startProgress(stack, deps.ledger, Math.max(5_000, timeline.trafficMs / 20), say);

  const samples: SoakResult['samples'] = {};
  const revocations: SoakResult['revocations'] = [];
  let diskFull: SoakResult['diskFull'] = { skipped: 'the soak is not root: no tmpfs to fill' };
  let redisRestart: SoakResult['redisRestart'] = { downSeconds: Number.NaN, readyAfterSeconds: Number.NaN };
  const sample = (name: SampleName) => async () => {
    samples[name] = await sampleFootprints(stack, (line) => say(`${name} ${line}`));
  };
  const revoke = (via: 'demo' | 'admin') => async () => {
    const done = await pool.revokeBob(via);
    const atSeconds = (performance.now() - startedAt) / 1000;
    revocations.push({ atSeconds, ...done });
    say(`revoked Bob's grants (${done.sessions} more sessions) via ${done.via}`);
  };
  // In order; an episode that runs long only delays the next one.
  const steps: Array<[number, () => Promise<void>]> = [
    [timeline.startSampleAtMs, sample('start')],
    [
      timeline.diskFullAtMs,
      async () => {
        if (stack.sqliteOnTmpfs) diskFull = await diskFullEpisode(deps, timeline.diskFullForMs);
      },
    ],
    [timeline.revocationsAtMs[0]!, revoke('demo')],
    [timeline.middleSampleAtMs, sample('middle')],
    [
      timeline.redisKillAtMs,
      async () => {
        redisRestart = await redisRestartEpisode(deps, timeline.redisDownForMs);
      },
    ],
    [timeline.revocationsAtMs[1]!, revoke('admin')],
    [timeline.revocationsAtMs[2]!, revoke('demo')],
    [timeline.endSampleAtMs, sample('end')],
  ];
  steps.sort((a, b) => a[0] - b[0]);
  let injected: Record<string, number>;
  let actions: { started: number; skipped: number };
  try {
    for (const [atMs, step] of steps) {
      await sleep(Math.max(0, atMs - (performance.now() - startedAt)));
      await step();
    }
    await sleep(Math.max(0, timeline.trafficMs - (performance.now() - startedAt)));
  } finally {
    injected = faults.stop();
    progress.stop();
    actions = await traffic.stop();
    await pool.stopReplacing();
  }
  return { actions, faults: injected, samples, revocations, diskFull, redisRestart };
}

/**
 * After the traffic, with no fault left: every live session is called (past transient answers, up to 20
 * tries), then refreshed with `{"force": true}` — which presents the refresh token its store holds, so a
 * spent one would be refused and, under `revoke-family`, kill the grant — and called again.
 */
async function finalCheck(pool: SoakPool, ledger: Ledger, admin: EpisodeDeps['admin'], elapsedSeconds: () => number) {
  await admin.clearFaults();
  const live = () => pool.slots.filter((s) => s.state === 'live');
  const checked = live();
  let alive = 0;
  await eachLimited(checked, FINAL_CONCURRENCY, async (session) => {
    for (let attempt = 1; attempt <= 20; attempt += 1) {
      const kind = await pool.call(session, PROFILE_QUERY);
      if (kind === 'ok') return void (alive += 1);
      if (kind === 'reauth') return;
      await sleep(1_000);
    }
    ledger.end(session, elapsedSeconds(), 'no 200 within 20 tries at the final check');
  });
  // The pass above refreshed the sessions still in an episode: let the last of those age past the window
  // in which a forced refresh reuses a fresh one, so every forced refresh below reaches Shopify.
  await sleep(FORCE_QUIET_MS);
  const before = await admin.stats();
  let forcedOk = 0;
  let answeredAfter = 0;
  await eachLimited(live(), FINAL_CONCURRENCY, async (session) => {
    const forced = await pool.forceRefresh(session);
    if (forced.status !== 200) {
      return ledger.end(session, elapsedSeconds(), `forced refresh at the final check answered ${forced.status}`);
    }
    forcedOk += 1;
    const after = await pool.callUnrecorded(session);
    if (after.status === 200) answeredAfter += 1;
    else ledger.end(session, elapsedSeconds(), `call after the forced refresh answered ${after.status}`);
  });
  const forcedRefreshes = (await admin.stats()).refresh.succeeded - before.refresh.succeeded;
  return { checked: checked.length, alive, forcedOk, forcedRefreshes, answeredAfter };
}
