/**
 * The soak's one table: what was done, what was counted, and each target of issue 11 with its verdict.
 * `soakTable` is pure (a result in, rows out); `bench/soak.ts` prints it.
 */
import { fmt, markdownTable, verdict, type Cell, type Table } from './lib/report.ts';
import type { ClassCounts } from './soak-ledger.ts';
import type { SampleName, SettledFootprint, SoakResult } from './soak-run.ts';
import { FD_GROWTH_LIMIT, RSS_GROWTH_LIMIT, duplicateRefreshes, footprintFlat } from './soak-plan.ts';

const MiB = 2 ** 20;
const seconds = (s: number) => `${s.toFixed(1)} s`;
const sum = (counts: ClassCounts) => Object.values(counts).reduce((a, b) => a + b, 0);

/** A class count as `name n, …`, zeros left out. */
function classes(counts: ClassCounts | null): string {
  if (counts === null) return '—';
  const names: Record<keyof ClassCounts, string> = {
    ok: '200',
    reauth: '401 reauth',
    upstream_unavailable: '503 upstream',
    session_store_unavailable: '503 store',
    too_many_requests: '429',
    network: 'no answer',
    other: 'other',
  };
  const parts = (Object.keys(names) as Array<keyof ClassCounts>)
    .filter((name) => counts[name] > 0)
    .map((name) => `${names[name]} ${fmt(counts[name])}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

/** A count of one log event summed over the BFFs whose names start with `prefix`. */
function eventTotal(result: SoakResult, prefix: string, event: string): number {
  return Object.entries(result.events)
    .filter(([name]) => name.startsWith(prefix))
    .reduce((total, [, counts]) => total + (counts[event] ?? 0), 0);
}

const heldWrites = (result: SoakResult, prefix: string) => {
  const reasons = ['gone', 'theirs', 'error']
    .map((reason) => [reason, eventTotal(result, prefix, `token.refresh.write_abandoned (${reason})`)] as const)
    .filter(([, n]) => n > 0)
    .map(([reason, n]) => `${reason} ${n}`);
  return (
    `held tokens: write failed ${eventTotal(result, prefix, 'token.refresh.write_failed')}, recovered ` +
    `${eventTotal(result, prefix, 'token.refresh.write_recovered')}, abandoned ` +
    `${eventTotal(result, prefix, 'token.refresh.write_abandoned')}` +
    (reasons.length > 0 ? ` (${reasons.join(', ')})` : '')
  );
};

/** Log events worth a look after a soak (server/observability/events.ts has them all). */
const WATCHED_EVENTS = [
  'token.refresh.failed',
  'token.refresh.lock_timeout',
  'token.refresh.failure_spike',
  'session.touch_failed',
  'http.unhandled_error',
];

const storeEvents = (result: SoakResult, prefix: string) =>
  `store.unavailable logged ${eventTotal(result, prefix, 'store.unavailable')}, store.recovered ` +
  `${eventTotal(result, prefix, 'store.recovered')}`;

export interface SoakVerdict {
  table: Table;
  /** Every target held. */
  passed: boolean;
}

export function soakTable(result: SoakResult): SoakVerdict {
  const { ledger, traffic, emulator, final, options } = result;
  const rows: Cell[][] = [];
  let passed = true;
  /** A row with a target: its verdict counts toward the exit code. */
  const target = (figure: string, value: string, goal: string, met: boolean) => {
    rows.push([figure, value, goal, verdict(met)]);
    passed &&= met;
  };
  const info = (figure: string, value: string) => rows.push([figure, value, '—', '']);

  const sqliteSessions = result.sessions.filter((s) => s.store === 'sqlite').length;
  info(
    'run',
    `${options.minutes} min of traffic at ${fmt(options.ratePerSecond)} actions/s; ${fmt(result.actions.started)} actions ` +
      `(${fmt(result.actions.skipped)} skipped at the in-flight bound)`,
  );
  info(
    'sessions signed in',
    `${fmt(result.signIns.initial)} at the start in ${seconds(result.signIns.initialSeconds)}, ` +
      `${fmt(result.signIns.replacements)} during the run (replacing revoked ones); ${fmt(sqliteSessions)} on SQLite, ` +
      `${fmt(result.sessions.length - sqliteSessions)} on the Redis pair; ${fmt(result.signIns.failed)} sign-in attempts failed`,
  );
  info('customer calls during the traffic', fmt(sum(traffic)));
  info('served (200)', fmt(traffic.ok));
  info(
    '401 reauth_required',
    `${fmt(traffic.reauth)} (${fmt(result.trafficTally.reauthRevoked)} for sessions revoked on purpose)`,
  );
  info('503 upstream_unavailable', fmt(traffic.upstream_unavailable));
  info('503 session_store_unavailable', fmt(traffic.session_store_unavailable));
  info('429', fmt(traffic.too_many_requests));
  info('no HTTP answer', fmt(traffic.network));
  info('other answers', fmt(traffic.other));
  info(
    'by store, traffic and final check',
    `SQLite: ${classes(ledger.byStore.sqlite)}; Redis: ${classes(ledger.byStore.redis)}`,
  );
  target(
    '200 answers about another customer, or none',
    fmt(ledger.tally.wrongCustomer + ledger.tally.noCustomer),
    '0',
    ledger.tally.wrongCustomer + ledger.tally.noCustomer === 0,
  );

  const revokedSessions = result.revocations.reduce((total, r) => total + r.sessions, 0);
  info(
    'revoked on purpose',
    `${fmt(revokedSessions)} sessions in ${result.revocations.length} revocations ` +
      `(${result.revocations.map((r) => `${r.atSeconds.toFixed(0)} s via ${r.via}`).join('; ')}); ${fmt(ledger.tally.revokedEnded)} ended`,
  );
  target(
    'sessions lost (not revoked, yet 401 or not working at the end)',
    fmt(ledger.lost.length),
    '0',
    ledger.lost.length === 0,
  );

  const counts = {
    episodesRefreshed: ledger.tally.episodesRefreshed,
    episodesUnresolved: ledger.unresolvedEpisodes(result.sessions),
    forced: final.forcedOk,
    succeeded: emulator.refresh.succeeded,
    reused: emulator.refresh.reused,
  };
  const duplicates = duplicateRefreshes(counts);
  info(
    'expiry episodes',
    `${fmt(ledger.tally.episodesOpened)} opened; ${fmt(counts.episodesRefreshed)} ended with fresh tokens, ` +
      `${fmt(counts.episodesUnresolved)} unresolved (the session ended first)`,
  );
  info(
    'refreshes at Shopify',
    `${fmt(emulator.refresh.succeeded)} succeeded (${fmt(final.forcedRefreshes)} of them the final check's ` +
      `${fmt(final.forcedOk)} forced ones), ${fmt(emulator.refresh.failed)} failed; ` +
      `${fmt(emulator.token.refresh_token)} token requests received; BFFs counted ${fmt(result.metrics.refreshSuccess)}`,
  );
  info('calls that joined a refresh in flight', fmt(result.metrics.coalesced));
  target(
    'duplicate refreshes (beyond one per episode, plus spent tokens presented again)',
    `${fmt(duplicates)} (reused ${fmt(emulator.refresh.reused)}, family revocations ${fmt(emulator.revocations.family)})`,
    '0',
    duplicates === 0 && emulator.revocations.family === 0 && final.forcedRefreshes === final.forcedOk,
  );

  info(
    'Shopify faults injected',
    Object.entries(result.faults)
      .map(([label, n]) => `${label} ×${n}`)
      .join(', ') + ` (the emulator counted ${fmt(emulator.faults.injected)} failed calls)`,
  );
  info(
    'SQLite disk full',
    'skipped' in result.diskFull
      ? `skipped: ${result.diskFull.skipped}`
      : `tmpfs full for ${seconds(result.diskFull.heldSeconds)}; SQLite answers meanwhile: ` +
          `${classes(ledger.windowCounts('disk-full'))}; sign-ins meanwhile: ` +
          `${Object.entries(result.diskFull.signInsMeanwhile)
            .map(([outcome, n]) => `${outcome} ${n}`)
            .join(', ')}; ${storeEvents(result, 'sqlite')}; ${heldWrites(result, 'sqlite')}`,
  );
  info(
    'Redis restart (SIGKILL, same data)',
    `down ${seconds(result.redisRestart.downSeconds)}, both BFFs ready ${seconds(result.redisRestart.readyAfterSeconds)} ` +
      `later; Redis answers meanwhile: ${classes(ledger.windowCounts('redis-restart'))}; ${storeEvents(result, 'redis')}; ` +
      heldWrites(result, 'redis'),
  );

  info(
    'BFF log events (all three)',
    WATCHED_EVENTS.map((event) => `${event} ${fmt(eventTotal(result, '', event))}`).join(', '),
  );

  const names = Object.keys(result.samples.start ?? {});
  for (const name of names) {
    const at = (sample: SampleName): SettledFootprint | null => result.samples[sample]?.[name] ?? null;
    const [start, middle, end] = [at('start'), at('middle'), at('end')];
    const shown = (pick: (f: SettledFootprint) => string) =>
      [start, middle, end].map((f) => (f === null ? '—' : pick(f))).join(' / ');
    const rss = shown((f) => `${(f.rssBytes / MiB).toFixed(0)} MB`);
    const fds = shown((f) => String(f.fds));
    if (name === 'emulator' || start === null || end === null) {
      info(`RSS / fds, ${name}, not a target (start / middle / end)`, `${rss}; ${fds}`);
      continue;
    }
    const flat = footprintFlat(start, end);
    target(
      `RSS after a full GC, BFF ${name} (start / middle / end)`,
      rss,
      `end ≤ start + ${RSS_GROWTH_LIMIT.share * 100} % + ${RSS_GROWTH_LIMIT.bytes / MiB} MB`,
      flat.rss,
    );
    info(
      `V8 heap after a full GC, BFF ${name} (unseal cache entries emptied first)`,
      shown((f) => `${(f.heapUsedBytes / MiB).toFixed(1)} MB (${fmt(f.sealCacheEntries)})`),
    );
    target(
      `open fds, BFF ${name} (start / middle / end)`,
      fds,
      `end ≤ start + max(${FD_GROWTH_LIMIT.atLeast}, ${FD_GROWTH_LIMIT.share * 100} %)`,
      flat.fds,
    );
  }
  info(
    'final check',
    `${fmt(final.checked)} live sessions called: ${fmt(final.alive)} answered 200; ${fmt(final.forcedOk)} forced refreshes ` +
      `answered 200 and ${fmt(final.answeredAfter)} calls after them 200`,
  );
  return { table: { header: ['figure', 'value', 'target', ''], rows }, passed };
}

/** The table and, when sessions were lost, which and how (the first ten). */
export function renderSoak(result: SoakResult): { text: string; passed: boolean } {
  const { table, passed } = soakTable(result);
  const lost = result.ledger.lost
    .slice(0, 10)
    .map((l) => `- session ${l.session} (${l.store}) at ${l.atSeconds.toFixed(1)} s: ${l.how}`);
  return {
    text: [markdownTable(table), ...(lost.length > 0 ? ['', 'Lost sessions:', ...lost] : [])].join('\n'),
    passed,
  };
}
