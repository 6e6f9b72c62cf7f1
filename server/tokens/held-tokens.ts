/**
 * Tokens Shopify has issued that the session store could not take (disk full, Redis gone). With
 * single-use refresh tokens, losing them loses the customer's session: the store still holds the
 * refresh token Shopify has just spent, and presenting it again would be refused (or, under
 * `revoke-family`, kill the whole sign-in). So they are held here, owned by the process that refreshed:
 * every call of that session uses them (the old refresh token is never presented again), and a writer
 * retries the store with backoff until it takes them or the session is gone.
 *
 * Across instances: the refresh lock is kept until the write succeeds, so no other instance refreshes
 * with the spent token while its lease lasts. If this process dies first, the held tokens die with it
 * (README, "Known limits").
 */
import { isAppError } from '../errors.ts';
import { logEvent } from '../observability/events.ts';
import type { Logger } from '../observability/logger.ts';
import { sessionIdHash } from '../observability/ids.ts';
import type { SessionRecord, SessionStore } from '../sessions/types.ts';
import type { RefreshResult } from './types.ts';
import { writeTokens } from './write-tokens.ts';

type Fresh = Extract<RefreshResult, { kind: 'success' }>;

export interface HeldTokensDeps {
  store: Pick<SessionStore, 'get' | 'compareAndSet'>;
  log: Logger;
  now: () => number;
  /** First pause between write attempts; doubles up to `maxDelayMs`. Default 250. */
  baseDelayMs?: number;
  /** Default 5000. */
  maxDelayMs?: number;
}

export interface HeldTokens {
  /** The record to use for `sid` instead of the stored one, while its tokens wait for the store. */
  get(sid: string): SessionRecord | null;
  /**
   * Holds `fresh` (issued at `issuedAtMs`) on top of `base`, the record the store still has, and starts
   * the writer. `release` (the refresh lock) is called once the store has the tokens or the session is
   * gone. Returns the record the caller goes on with.
   */
  hold(
    sid: string,
    base: SessionRecord,
    fresh: Fresh,
    issuedAtMs: number,
    release: (() => Promise<void>) | null,
  ): SessionRecord;
  /**
   * The refresh lock a held write keeps, handed to a new refresh of the same session in this process
   * (which would otherwise wait for the lock its own process holds); `null` when there is none.
   */
  takeLock(sid: string): (() => Promise<void>) | null;
  /** A newer write has stored this session's tokens: the held ones are obsolete. */
  forget(sid: string): void;
  /** Resolves once every held write has ended (taken, or the session gone). Never rejects. */
  drain(): Promise<void>;
  readonly size: number;
}

interface Entry {
  base: SessionRecord;
  fresh: Fresh;
  issuedAtMs: number;
  record: SessionRecord;
  release: (() => Promise<void>) | null;
  done: Promise<void>;
}

export function createHeldTokens(deps: HeldTokensDeps): HeldTokens {
  const baseDelayMs = deps.baseDelayMs ?? 250;
  const maxDelayMs = deps.maxDelayMs ?? 5_000;
  const held = new Map<string, Entry>();
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      setTimeout(resolve, ms).unref();
    });

  async function persist(sid: string, entry: Entry): Promise<void> {
    const session = sessionIdHash(sid);
    for (let attempt = 1; ; attempt += 1) {
      await pause(Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)));
      if (held.get(sid) !== entry) {
        // A newer refresh took over this session's held tokens (and writes them); this lock is done.
        await entry.release?.().catch(() => {});
        return;
      }
      let outcome: Awaited<ReturnType<typeof writeTokens>>;
      try {
        outcome = await writeTokens(deps.store, sid, entry.base, entry.fresh, () => entry.issuedAtMs);
      } catch (error) {
        if (isAppError(error, 'SESSION_STORE_UNAVAILABLE')) continue;
        throw error;
      }
      if (outcome.kind === 'contended') continue;
      held.delete(sid);
      const heldMs = deps.now() - entry.issuedAtMs;
      if (outcome.kind === 'written') {
        logEvent(deps.log, 'info', 'token.refresh.write_recovered', { session, attempts: attempt, heldMs });
      } else {
        // `gone`: signed out meanwhile. `theirs`: another writer stored other tokens; ours are dropped.
        logEvent(deps.log, 'warn', 'token.refresh.write_abandoned', { session, reason: outcome.kind, heldMs });
      }
      await entry.release?.().catch(() => {});
      return;
    }
  }

  return {
    get: (sid) => held.get(sid)?.record ?? null,
    takeLock(sid) {
      const entry = held.get(sid);
      if (entry === undefined) return null;
      const release = entry.release;
      entry.release = null;
      return release;
    },
    forget(sid) {
      held.delete(sid);
    },
    hold(sid, base, fresh, issuedAtMs, release) {
      // A second refresh while tokens are held builds on the same stored record: the store never saw the first.
      const storedBase = held.get(sid)?.base ?? base;
      const record: SessionRecord = {
        ...storedBase,
        accessToken: fresh.accessToken,
        refreshToken: fresh.refreshToken,
        expiresAtMs: issuedAtMs + fresh.expiresInSeconds * 1000,
      };
      const entry = { base: storedBase, fresh, issuedAtMs, record, release } as Entry;
      held.set(sid, entry);
      entry.done = persist(sid, entry).catch((error: unknown) => {
        if (held.get(sid) === entry) held.delete(sid);
        const message = error instanceof Error ? error.message : String(error);
        logEvent(deps.log, 'error', 'token.refresh.write_abandoned', {
          session: sessionIdHash(sid),
          reason: 'error',
          heldMs: deps.now() - issuedAtMs,
          err: { message },
        });
      });
      logEvent(deps.log, 'error', 'token.refresh.write_failed', { session: sessionIdHash(sid) });
      return record;
    },
    async drain() {
      while (held.size > 0) await Promise.allSettled([...held.values()].map((entry) => entry.done));
    },
    get size() {
      return held.size;
    },
  };
}

/**
 * Stores a refresh's tokens (see `writeTokens`), or holds them when the store fails: Shopify has already
 * rotated the refresh token, so the new pair must outlive the store's failure. A stored write makes any
 * tokens held for the session obsolete.
 */
export async function storeOrHold(
  held: HeldTokens,
  store: Pick<SessionStore, 'get' | 'compareAndSet'>,
  sid: string,
  current: SessionRecord,
  fresh: Fresh,
  issuedAtMs: number,
  handOverLock: () => (() => Promise<void>) | null,
): Promise<Awaited<ReturnType<typeof writeTokens>> | { kind: 'held'; record: SessionRecord }> {
  try {
    const written = await writeTokens(store, sid, current, fresh, () => issuedAtMs);
    held.forget(sid);
    return written;
  } catch (error) {
    if (!isAppError(error, 'SESSION_STORE_UNAVAILABLE')) throw error;
    return { kind: 'held', record: held.hold(sid, current, fresh, issuedAtMs, handOverLock()) };
  }
}
