/**
 * The soak's pure decisions (`npm run soak`, bench/soak.ts): its options, when each episode happens,
 * how an answer is classed, and whether the targets of issue 11 hold. No clock, no socket, no process:
 * each rule is tested alone in `soak-plan.test.ts`.
 */

export interface SoakOptions {
  /** How long the traffic runs; sign-in before it and the final check after it come on top. */
  minutes: number;
  /** Sessions signed in before the traffic starts. */
  sessions: number;
  /** Customer actions started per second (an action is one call, or an expiry followed by a burst). */
  ratePerSecond: number;
}

export const DEFAULT_OPTIONS: SoakOptions = { minutes: 10, sessions: 1_000, ratePerSecond: 80 };

export const USAGE = `usage: npm run soak -- [--minutes N] [--quick] [--sessions N] [--rate N]
  --minutes N   traffic for N minutes (default 10; 0.5 to 600)
  --quick       the same as --minutes 1
  --sessions N  sessions signed in before the traffic (default 1000; 20 to 10000)
  --rate N      customer actions started per second (default 80; 1 to 1000)`;

const numberIn = (name: string, raw: string | undefined, min: number, max: number, integer: boolean): number => {
  const value = Number(raw);
  if (raw === undefined || raw.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    throw new Error(`${name} must be a number from ${min} to ${max}, got "${raw ?? ''}"`);
  }
  if (integer && !Number.isInteger(value)) throw new Error(`${name} must be a whole number, got "${raw}"`);
  return value;
};

/**
 * Reads the command line (`--name value` or `--name=value`).
 * @throws Error with one line naming the bad argument (the caller prints it with `USAGE`).
 */
export function parseSoakArgs(argv: readonly string[]): SoakOptions {
  const options = { ...DEFAULT_OPTIONS };
  for (let at = 0; at < argv.length; at += 1) {
    const arg = argv[at] ?? '';
    const [flag, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg];
    const value = () => inline ?? argv[++at];
    switch (flag) {
      case '--quick':
        options.minutes = 1;
        break;
      case '--minutes':
        options.minutes = numberIn('--minutes', value(), 0.5, 600, false);
        break;
      case '--sessions':
        options.sessions = numberIn('--sessions', value(), 20, 10_000, true);
        break;
      case '--rate':
        options.ratePerSecond = numberIn('--rate', value(), 1, 1_000, false);
        break;
      default:
        throw new Error(`unknown argument "${arg}"`);
    }
  }
  return options;
}

/** When things happen, in ms from the start of the traffic. */
export interface SoakTimeline {
  trafficMs: number;
  /** The first RSS/fd sample: every session signed in and this much traffic behind it. */
  startSampleAtMs: number;
  middleSampleAtMs: number;
  /** The last sample, taken while the traffic still runs (the three samples see the same load). */
  endSampleAtMs: number;
  diskFullAtMs: number;
  diskFullForMs: number;
  redisKillAtMs: number;
  /** How long the private Redis stays down before it is started again on the same data. */
  redisDownForMs: number;
  revocationsAtMs: number[];
  /** One Shopify fault (a few calls) every this long. */
  faultEveryMs: number;
}

/**
 * The episodes spread over the run so that none overlaps another and each has traffic on both sides:
 * warm-up (15 %), the start sample, the SQLite disk-full episode (from 25 %, 8 % of the run, 5–30 s),
 * the middle sample (50 %), the Redis restart (60 %), revocations (35, 70, 85 %), the end sample (97 %).
 */
export function planTimeline(minutes: number): SoakTimeline {
  const trafficMs = Math.round(minutes * 60_000);
  const at = (share: number) => Math.round(trafficMs * share);
  return {
    trafficMs,
    startSampleAtMs: at(0.15),
    middleSampleAtMs: at(0.5),
    endSampleAtMs: at(0.97),
    diskFullAtMs: at(0.25),
    diskFullForMs: Math.min(30_000, Math.max(5_000, at(0.08))),
    redisKillAtMs: at(0.6),
    redisDownForMs: 3_000,
    revocationsAtMs: [at(0.35), at(0.7), at(0.85)],
    faultEveryMs: Math.min(10_000, Math.max(2_000, at(1 / 12))),
  };
}

/** The classes the report counts a customer call's answer in. */
export const ANSWER_CLASSES = [
  'ok',
  'reauth',
  'upstream_unavailable',
  'session_store_unavailable',
  'too_many_requests',
  'network',
  'other',
] as const;
export type AnswerClass = (typeof ANSWER_CLASSES)[number];

/** The `error` member of a BFF error answer, or `null` when the body is not one. */
function errorOf(body: string): string | null {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    return typeof parsed.error === 'string' ? parsed.error : null;
  } catch {
    return null;
  }
}

/** Classes one answer; `status` 0 is a request that got no HTTP answer at all (refused, reset, timed out). */
export function classifyAnswer(status: number, body: string): AnswerClass {
  if (status === 0) return 'network';
  if (status === 200) return 'ok';
  if (status === 429) return 'too_many_requests';
  const error = errorOf(body);
  if (status === 401 && error === 'reauth_required') return 'reauth';
  if (status === 503 && error === 'upstream_unavailable') return 'upstream_unavailable';
  if (status === 503 && error === 'session_store_unavailable') return 'session_store_unavailable';
  return 'other';
}

/** A process's footprint at one moment. */
export interface Footprint {
  rssBytes: number;
  fds: number;
}

/**
 * "Flat after warm-up", from the start sample to the end sample, each taken after the BFF's unseal
 * cache was emptied and its heap collected (soak-stack.ts, `settledFootprint`): RSS grows by at most
 * 10 % plus 16 MB, open file descriptors by at most max(16, 25 %). The 16 MB covers the one other
 * bounded cache that fills for longer than a soak (10,000 storage keys, about 2.5 MB) and the
 * allocator's slack; a leak of one kilobyte per call would exceed the bound within 30,000 calls. The
 * descriptors' slack covers the keep-alive sockets of a load that is the same on average, not at every
 * instant.
 */
export const RSS_GROWTH_LIMIT = { share: 0.1, bytes: 16 * 2 ** 20 };
export const FD_GROWTH_LIMIT = { share: 0.25, atLeast: 16 };

export function footprintFlat(start: Footprint, end: Footprint): { rss: boolean; fds: boolean } {
  return {
    rss: end.rssBytes - start.rssBytes <= start.rssBytes * RSS_GROWTH_LIMIT.share + RSS_GROWTH_LIMIT.bytes,
    fds: end.fds - start.fds <= Math.max(FD_GROWTH_LIMIT.atLeast, Math.ceil(start.fds * FD_GROWTH_LIMIT.share)),
  };
}

/** What the emulator counted for refreshes, and what the soak itself did to cause them. */
export interface RefreshCounts {
  /** Expiry episodes that ended in fresh tokens the soak saw (`X-Session-Expires-At` a day ahead again). */
  episodesRefreshed: number;
  /**
   * Episodes whose session ended before fresh tokens were seen (a deliberately revoked session): each
   * may have cost one refresh or none, so each is allowed one.
   */
  episodesUnresolved: number;
  /** Forced refreshes the final check asked for, each allowed exactly one refresh. */
  forced: number;
  /** Refreshes the emulator answered with new tokens, over the traffic and the final check. */
  succeeded: number;
  /** A spent refresh token presented again (under `revoke-family` it also kills the grant). */
  reused: number;
}

/**
 * Refreshes beyond one per expiry episode. Every refresh the soak causes belongs to an expiry episode
 * (the session's token moved inside the refresh buffer, until an answer carries a fresh expiry) or is a
 * forced one of the final check; Shopify's tokens live a day here, so none expires by itself. A refresh
 * beyond those, and each spent token presented again, is a duplicate.
 */
export function duplicateRefreshes(counts: RefreshCounts): number {
  const allowed = counts.episodesRefreshed + counts.episodesUnresolved + counts.forced;
  return Math.max(0, counts.succeeded - allowed) + counts.reused;
}
