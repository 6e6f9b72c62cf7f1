import type { SessionRecord, SessionStore } from '../sessions/types.ts';
import type { RefreshResult } from './types.ts';

/** How the write of freshly refreshed tokens ended. */
export type WriteOutcome =
  /** Our tokens are stored; `record` is what the store holds now. */
  | { kind: 'written'; record: SessionRecord }
  /** Someone else stored newer tokens meanwhile (the refresh token moved on): theirs win. */
  | { kind: 'theirs'; record: SessionRecord }
  /** The session was deleted meanwhile (a sign-out): it must not come back. */
  | { kind: 'gone' }
  /** Every compare-and-set lost to another write; nothing was stored. */
  | { kind: 'contended' };

// Each lost CAS is retried on top of the newer record; after this many in a row the caller answers
// "try again shortly" instead of looping.
export const CAS_ATTEMPTS = 3;

/**
 * Stores the tokens of a successful refresh on top of `base` with compare-and-set on its version, so a
 * refresh that lands after a sign-out can never bring the session back. A lost CAS means the record
 * changed: gone → `gone`; refreshed by someone else → `theirs`; any other write → our tokens go on top
 * of it, because dropping them would leave the already-used refresh token in the store.
 * `expiresAtMs` is computed from `nowMs()` at each write.
 */
export async function writeTokens(
  store: Pick<SessionStore, 'get' | 'compareAndSet'>,
  sid: string,
  base: SessionRecord,
  fresh: Extract<RefreshResult, { kind: 'success' }>,
  nowMs: () => number,
): Promise<WriteOutcome> {
  let expected = base;
  for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt += 1) {
    const next: SessionRecord = {
      ...expected,
      accessToken: fresh.accessToken,
      refreshToken: fresh.refreshToken,
      expiresAtMs: nowMs() + fresh.expiresInSeconds * 1000,
    };
    const written = await store.compareAndSet(sid, expected.version, next);
    if (written !== null) return { kind: 'written', record: written };
    const latest = await store.get(sid);
    if (latest === null) return { kind: 'gone' };
    // An earlier write of these very tokens landed although its answer was lost (the store failed after
    // taking it): they are stored.
    if (latest.refreshToken === fresh.refreshToken) return { kind: 'written', record: latest };
    if (latest.refreshToken !== base.refreshToken) return { kind: 'theirs', record: latest };
    expected = latest;
  }
  return { kind: 'contended' };
}
