/**
 * The token manager's two per-session timers, keyed by sid and nothing else: the cooldown after a
 * failed refresh, and when the session last refreshed. Both run on the injected clock and live in one
 * map with one sweep, so sessions that never come back do not accumulate.
 */

// A client-requested force (`POST /auth/refresh {force:true}`) within this long of the last refresh is
// answered with the fresh token already held: a page looping on it must not hammer Shopify's token
// endpoint (and spend the app's rate limit for every customer).
export const FORCE_MIN_INTERVAL_MS = 10_000;

export interface SessionTimers {
  /** How long `sid` still cools down; 0 when it does not. */
  cooldownLeftMs(sid: string): number;
  /** Starts `sid`'s cooldown now (a 0 ms cooldown starts none). */
  startCooldown(sid: string): void;
  endCooldown(sid: string): void;
  /** `sid` refreshed less than `FORCE_MIN_INTERVAL_MS` ago. */
  refreshedRecently(sid: string): boolean;
  /** Records that `sid` has just refreshed, which also ends its cooldown. */
  noteRefreshed(sid: string): void;
  /** Sessions holding a timer; for tests of the sweep. */
  readonly size: number;
}

interface Timers {
  /** `null`: not cooling down. */
  cooldownUntilMs: number | null;
  /** `null`: no refresh within `FORCE_MIN_INTERVAL_MS`. */
  refreshedAtMs: number | null;
}

const NONE: Timers = { cooldownUntilMs: null, refreshedAtMs: null };

export function createSessionTimers(options: { now: () => number; cooldownMs: number }): SessionTimers {
  const { now, cooldownMs } = options;
  const bySid = new Map<string, Timers>();

  /** The timers still running at `nowMs`; a lapsed one becomes `null`. */
  const live = (timers: Timers, nowMs: number): Timers => ({
    cooldownUntilMs: timers.cooldownUntilMs !== null && timers.cooldownUntilMs > nowMs ? timers.cooldownUntilMs : null,
    refreshedAtMs:
      timers.refreshedAtMs !== null && nowMs - timers.refreshedAtMs < FORCE_MIN_INTERVAL_MS
        ? timers.refreshedAtMs
        : null,
  });
  const isEmpty = (timers: Timers) => timers.cooldownUntilMs === null && timers.refreshedAtMs === null;

  /** Applies `change` to `sid`'s timers, after one sweep that drops every session whose timers have all lapsed. */
  const write = (sid: string, change: Partial<Timers>) => {
    const nowMs = now();
    for (const [key, timers] of bySid) if (isEmpty(live(timers, nowMs))) bySid.delete(key);
    const next = live({ ...NONE, ...bySid.get(sid), ...change }, nowMs);
    if (isEmpty(next)) bySid.delete(sid);
    else bySid.set(sid, next);
  };

  return {
    cooldownLeftMs(sid) {
      const nowMs = now();
      const until = live(bySid.get(sid) ?? NONE, nowMs).cooldownUntilMs;
      return until === null ? 0 : until - nowMs;
    },
    startCooldown(sid) {
      write(sid, { cooldownUntilMs: now() + cooldownMs });
    },
    endCooldown(sid) {
      write(sid, { cooldownUntilMs: null });
    },
    refreshedRecently(sid) {
      return live(bySid.get(sid) ?? NONE, now()).refreshedAtMs !== null;
    },
    noteRefreshed(sid) {
      write(sid, { cooldownUntilMs: null, refreshedAtMs: now() });
    },
    get size() {
      return bySid.size;
    },
  };
}
