/**
 * In-memory test doubles for the token manager's collaborators. Not for production: the real
 * `SessionStore` and `RefreshLock` live in `server/sessions/`; these only honour the same contract
 * closely enough (copies in and out, CAS on version, per-sid lock with a bounded wait).
 */
import type { PendingLogin, RefreshLock, SessionRecord, SessionStore } from '../sessions/types.ts';
import type { RefreshGrant, RefreshResult } from './types.ts';

export interface MemorySessionStore extends SessionStore {
  /** The raw map, for assertions and for simulating another instance's writes. */
  readonly records: Map<string, SessionRecord>;
  /** Writes `record` as-is (version included), bypassing CAS: "another instance wrote this". */
  put(sid: string, record: SessionRecord): void;
}

export function createMemorySessionStore(): MemorySessionStore {
  const records = new Map<string, SessionRecord>();
  const pending = new Map<string, PendingLogin>();
  const copy = (record: SessionRecord): SessionRecord => ({ ...record });
  return {
    records,
    put(sid, record) {
      records.set(sid, copy(record));
    },
    async get(sid) {
      const record = records.get(sid);
      return record === undefined ? null : copy(record);
    },
    async create(sid, record) {
      if (records.has(sid)) throw new Error('session exists');
      records.set(sid, { ...record, version: 1 });
      return copy(records.get(sid)!);
    },
    async compareAndSet(sid, expectedVersion, next) {
      const stored = records.get(sid);
      if (stored === undefined || stored.version !== expectedVersion) return null;
      records.set(sid, { ...next, version: expectedVersion + 1 });
      return copy(records.get(sid)!);
    },
    async delete(sid) {
      records.delete(sid);
    },
    async putPendingLogin(state, login) {
      pending.set(state, { ...login });
    },
    async takePendingLogin(state) {
      const login = pending.get(state) ?? null;
      pending.delete(state);
      return login;
    },
    async ping() {},
    async close() {},
  };
}

export interface MemoryRefreshLock extends RefreshLock {
  /** How many times the lock was granted. */
  readonly acquisitions: number;
  /** Runs after the lock is granted and before `acquire` resolves: simulates what another instance did while we waited. */
  onAcquired: ((sid: string) => Promise<void> | void) | null;
}

/** A per-sid mutex; waiters queue in order and give up after `waitMs`. Shared by several managers it stands in for Redis. */
export function createMemoryRefreshLock(): MemoryRefreshLock {
  const held = new Set<string>();
  const queues = new Map<string, Array<() => void>>();
  let acquisitions = 0;

  const grant = async (lock: MemoryRefreshLock, sid: string) => {
    held.add(sid);
    acquisitions += 1;
    await lock.onAcquired?.(sid);
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      const next = queues.get(sid)?.shift();
      if (next === undefined) held.delete(sid);
      else next(); // hand over without unlocking, so nobody jumps the queue
    };
  };

  const lock: MemoryRefreshLock = {
    get acquisitions() {
      return acquisitions;
    },
    onAcquired: null,
    async acquire(sid, { waitMs }) {
      if (!held.has(sid)) return grant(lock, sid);
      const handedOver = await new Promise<boolean>((resolve) => {
        const queue = queues.get(sid) ?? [];
        queues.set(sid, queue);
        const wake = () => {
          clearTimeout(timer);
          resolve(true);
        };
        const timer = setTimeout(() => {
          queue.splice(queue.indexOf(wake), 1);
          resolve(false);
        }, waitMs);
        queue.push(wake);
      });
      if (!handedOver) return null;
      held.delete(sid);
      return grant(lock, sid);
    },
  };
  return lock;
}

export type ScriptStep = RefreshResult | ((refreshToken: string, signal: AbortSignal) => Promise<RefreshResult>);

export interface ScriptedRefreshGrant {
  readonly grant: RefreshGrant;
  /** Refresh tokens presented, one per call. */
  readonly calls: string[];
}

/**
 * A RefreshGrant that plays `steps` in order, one per call, repeating the last one when they run out.
 * A `success` step without explicit tokens is not possible: tests name the tokens they expect.
 */
export function createScriptedRefreshGrant(steps: ScriptStep[]): ScriptedRefreshGrant {
  if (steps.length === 0) throw new Error('a script needs at least one step');
  const calls: string[] = [];
  return {
    calls,
    grant: async (refreshToken, signal) => {
      const step = steps[Math.min(calls.length, steps.length - 1)]!;
      calls.push(refreshToken);
      return typeof step === 'function' ? step(refreshToken, signal) : step;
    },
  };
}

/** A promise with its resolver outside, to hold a refresh in flight while a test piles requests on it. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}
