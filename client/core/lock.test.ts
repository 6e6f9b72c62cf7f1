import { describe, expect, it } from 'vitest';
import { createLock, LockTimeoutError } from './lock.ts';

/** A LockManager stand-in: grants in order; like Web Locks, the signal only aborts the wait. */
function fakeLocks(): LockManager {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    request(_name: string, options: LockOptions, callback: LockGrantedCallback<unknown>) {
      const signal = options.signal;
      return new Promise((resolve, reject) => {
        let granted = false;
        signal?.addEventListener('abort', () => {
          if (!granted) reject(signal.reason);
        });
        const run = tail.then(async () => {
          if (signal?.aborted) return;
          granted = true;
          try {
            resolve(await callback(null));
          } catch (error) {
            reject(error);
          }
        });
        tail = run;
      });
    },
    query: () => Promise.resolve({ held: [], pending: [] }),
  } as unknown as LockManager;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('createLock with Web Locks', () => {
  it('runs tasks one at a time', async () => {
    const withLock = createLock('l', 1000, fakeLocks());
    const log: string[] = [];
    const task = (id: string) => async () => {
      log.push(`start ${id}`);
      await sleep(5);
      log.push(`end ${id}`);
      return id;
    };
    expect(await Promise.all([withLock(task('a')), withLock(task('b'))])).toEqual(['a', 'b']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b']);
  });

  it('gives up waiting with LOCK_TIMEOUT', async () => {
    const withLock = createLock('l', 20, fakeLocks());
    const holder = withLock(() => sleep(100));
    const waiter = withLock(() => Promise.resolve('never'));
    await expect(waiter).rejects.toBeInstanceOf(LockTimeoutError);
    await expect(waiter).rejects.toMatchObject({ code: 'LOCK_TIMEOUT' });
    await holder;
  });

  it("passes the task's own failure through unchanged", async () => {
    const withLock = createLock('l', 1000, fakeLocks());
    const failure = new Error('task failed');
    await expect(withLock(() => Promise.reject(failure))).rejects.toBe(failure);
  });
});

describe('createLock fallback (broadcast-channel leader election)', () => {
  it('runs tasks one at a time across electors', async () => {
    const name = `test-lock-${Math.random().toString(36).slice(2)}`;
    const a = createLock(name, 5000, null);
    const b = createLock(name, 5000, null);
    let inside = 0;
    let maxInside = 0;
    const task = async () => {
      inside += 1;
      maxInside = Math.max(maxInside, inside);
      await sleep(30);
      inside -= 1;
    };
    await Promise.all([a(task), b(task)]);
    expect(maxInside).toBe(1);
  });
});
