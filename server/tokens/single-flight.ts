export interface SingleFlight<T> {
  /** Joins the flight in progress for `key` (one more waiter), or `null` when there is none. */
  join(key: string): Promise<T> | null;
  /**
   * Starts `run` as `key`'s flight: registered before `run` reaches its first `await`, so every later
   * `join` finds it, and removed once it settles. `waiters()` tells `run` how many requests joined.
   */
  start(key: string, run: (waiters: () => number) => Promise<T>): Promise<T>;
  /** Resolves once no flight is left, including flights started while waiting. Never rejects. */
  drain(): Promise<void>;
  /** Flights in progress. */
  readonly size: number;
}

interface Flight<T> {
  promise: Promise<T>;
  /** Requests that joined instead of starting a flight of their own. */
  waiters: number;
}

/**
 * One promise per key (a session id) at a time, shared by every request that arrives while it runs;
 * two keys never share one. `onJoin` runs on every join (the coalescing metric).
 */
export function createSingleFlight<T>(onJoin: () => void = () => {}): SingleFlight<T> {
  const inflight = new Map<string, Flight<T>>();
  return {
    join(key) {
      const flight = inflight.get(key);
      if (flight === undefined) return null;
      flight.waiters += 1;
      onJoin();
      return flight.promise;
    },
    start(key, run) {
      // `run` only reads `waiters()` after its first await, by which time `flight` exists.
      const promise: Promise<T> = run(() => flight.waiters).finally(() => {
        if (inflight.get(key) === flight) inflight.delete(key);
      });
      const flight: Flight<T> = { promise, waiters: 0 };
      inflight.set(key, flight);
      return promise;
    },
    async drain() {
      // A request still running may start a new flight while we wait, so look again until none is left.
      while (inflight.size > 0) await Promise.allSettled([...inflight.values()].map((flight) => flight.promise));
    },
    get size() {
      return inflight.size;
    },
  };
}

/**
 * `promise`'s value if it settles within `ms` (its rejection too), else `fallback`; an infinite `ms`
 * waits for it. A promise left behind keeps running, and its rejection is no one's unhandled error.
 */
export async function settleWithin<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  if (!Number.isFinite(ms)) return promise;
  const late = Symbol('late');
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<typeof late>((resolve) => {
    timer = setTimeout(() => resolve(late), ms);
  });
  try {
    const settled = await Promise.race([promise, deadline]);
    if (settled !== late) return settled;
    promise.catch(() => {});
    return fallback;
  } finally {
    clearTimeout(timer);
  }
}
