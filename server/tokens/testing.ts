/**
 * Helpers for the token manager's tests. There are no stand-ins for the store or the lock here: the
 * tests run on the real SQLite store (in memory) and the real local lock, which pass the contract
 * suites in `server/sessions/`. What is left is not a double of any contract: a scripted token
 * endpoint, a deferred promise, and a way to write as another instance would.
 */
import { createSealer } from '../sessions/seal.ts';
import { createSqliteStore, type SqliteSessionStore } from '../sessions/sqlite-store.ts';
import type { SessionRecord, SessionStore } from '../sessions/types.ts';
import type { RefreshGrant, RefreshResult } from './types.ts';

const TEST_PASSWORD = 'token-manager-tests-password-of-32-characters-or-more';
// Long enough that no test's clock ever reaches a record's absolute lifetime.
const TEST_ABSOLUTE_TIMEOUT_MS = 30 * 24 * 3_600_000;

/** The real SQLite store on `:memory:`, on the test's clock, without a purge timer. Close it after the test. */
export function createTestStore(nowMs: () => number): SqliteSessionStore {
  return createSqliteStore({
    path: ':memory:',
    sealer: createSealer([TEST_PASSWORD]),
    absoluteTimeoutMs: TEST_ABSOLUTE_TIMEOUT_MS,
    nowMs,
    purgeIntervalMs: 0,
  });
}

/**
 * Stores `record` under `sid` as another instance would have: created if absent, then written with
 * compare-and-set until the stored version is `record.version` (a real store numbers versions itself,
 * so version 5 over version 1 means four writes). Returns what is stored.
 */
export async function storeAsAnotherInstance(
  store: SessionStore,
  sid: string,
  record: SessionRecord,
): Promise<SessionRecord> {
  const existing = await store.get(sid);
  let stored = existing ?? (await store.create(sid, record));
  while (stored === existing || stored.version < record.version) {
    const next = await store.compareAndSet(sid, stored.version, record);
    if (next === null) throw new Error('storeAsAnotherInstance: the record changed under it');
    stored = next;
  }
  if (stored.version !== record.version) {
    throw new Error(
      `storeAsAnotherInstance: cannot store version ${record.version}, the store is at ${stored.version}`,
    );
  }
  return stored;
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
