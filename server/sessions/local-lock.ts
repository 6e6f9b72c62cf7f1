import type { RefreshLock } from './types.ts';

/**
 * A `RefreshLock` inside one process, for single-instance deployments (with several instances use
 * `createRedisRefreshLock`). One holder per sid; a waiter gets in when the holder releases or its
 * lease ends, and gives up after its own `waitMs`.
 *
 * Waits and leases run on real timers, so a frozen test clock cannot hang a waiter; `nowMs` (the
 * app's injectable clock) can additionally end a lease early, when a test moves it past the lease.
 */
export function createLocalRefreshLock(nowMs: () => number = Date.now): RefreshLock {
  interface Holder {
    expiresAtMs: number;
    released: Promise<void>;
    end: () => void;
  }
  const holders = new Map<string, Holder>();

  function take(sid: string, leaseMs: number): () => Promise<void> {
    let resolveReleased!: () => void;
    const released = new Promise<void>((resolve) => {
      resolveReleased = resolve;
    });
    // The lease timer stands in for a holder that died; unref so it never keeps a process alive.
    const leaseTimer = setTimeout(() => holder.end(), leaseMs);
    leaseTimer.unref();
    const holder: Holder = {
      expiresAtMs: nowMs() + leaseMs,
      released,
      end: () => {
        clearTimeout(leaseTimer);
        // Only the current holder clears the entry: one whose lease ran out must not free its successor.
        if (holders.get(sid) === holder) holders.delete(sid);
        resolveReleased();
      },
    };
    holders.set(sid, holder);
    return async () => holder.end();
  }

  function currentHolder(sid: string): Holder | undefined {
    const holder = holders.get(sid);
    if (holder !== undefined && holder.expiresAtMs <= nowMs()) {
      holder.end();
      return undefined;
    }
    return holder;
  }

  return {
    async acquire(sid, { leaseMs, waitMs }) {
      let timedOut = false;
      let waitTimer: ReturnType<typeof setTimeout> | undefined;
      const deadline = new Promise<void>((resolve) => {
        waitTimer = setTimeout(() => {
          timedOut = true;
          resolve();
        }, waitMs);
      });
      try {
        for (;;) {
          const holder = currentHolder(sid);
          if (holder === undefined) return take(sid, leaseMs);
          if (timedOut) return null;
          await Promise.race([holder.released, deadline]);
        }
      } finally {
        clearTimeout(waitTimer);
      }
    },
  };
}
