/**
 * The cross-context refresh lock, shared by the SW and the pages (one name, so they exclude each
 * other): Web Locks where they exist (a holder that dies releases the lock natively), else the
 * broadcast-channel package's leader election used as a mutex (a dead leader is replaced by its
 * fallback interval). The fallback is a dynamic `import()`, so it stays out of every main chunk:
 * only a context without Web Locks loads it. In a SW, `import()` is disallowed by the HTML spec, so a
 * SW without Web Locks gets a rejected task (no refresh of its own; the call goes on to the BFF,
 * which refreshes under its own lock). Waiting is bounded; the task itself must bound its own I/O.
 */

/** Raised (code `LOCK_TIMEOUT`) when the lock was not granted in time. */
export class LockTimeoutError extends Error {
  override readonly name = 'LockTimeoutError';
  readonly code = 'LOCK_TIMEOUT';
}

export type WithLock = <T>(task: () => Promise<T>) => Promise<T>;

/**
 * A lock function for `name`. `locks` is injectable for tests; `null` selects the fallback.
 * @throws LockTimeoutError when waiting exceeds `timeoutMs`.
 */
export function createLock(name: string, timeoutMs: number, locks: LockManager | null): WithLock {
  if (locks !== null) {
    return async <T>(task: () => Promise<T>): Promise<T> => {
      let started = false;
      try {
        return await locks.request(name, { signal: AbortSignal.timeout(timeoutMs) }, () => {
          started = true;
          return task();
        });
      } catch (error) {
        if (!started) throw new LockTimeoutError(`lock ${name} not granted within ${timeoutMs} ms`);
        throw error;
      }
    };
  }
  return (task) => withElection(name, timeoutMs, task);
}

async function withElection<T>(name: string, timeoutMs: number, task: () => Promise<T>): Promise<T> {
  const { BroadcastChannel: ElectionChannel, createLeaderElection } = await import('broadcast-channel');
  const channel = new ElectionChannel(name);
  const elector = createLeaderElection(channel, { fallbackInterval: 1000, responseTime: 150 });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      elector.awaitLeadership(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new LockTimeoutError(`lock ${name} not granted within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
    return await task();
  } finally {
    clearTimeout(timer);
    await elector.die().catch(() => undefined);
    await channel.close().catch(() => undefined);
  }
}
