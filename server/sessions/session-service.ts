import { inSpan, spanAttributes } from '../observability/tracing.ts';
import type { SessionRecord, SessionStore } from './types.ts';

export interface SessionServiceOptions {
  store: SessionStore;
  /** A session not seen for this long is over. */
  idleTimeoutMs: number;
  /** A session older than this (from `createdAtMs`) is over, however active. */
  absoluteTimeoutMs: number;
  /** Injected clock; defaults to `Date.now`. */
  nowMs?: () => number;
  /** `lastSeenAtMs` is rewritten at most this often. Default 60 s. */
  touchIntervalMs?: number;
  /** Told when a touch could not be written (the store failed); the call it belonged to is unaffected. */
  onTouchFailed?: (sid: string, error: unknown) => void;
  /** Told when a sign-out's delete failed and is being retried, and when a retried delete succeeded. */
  onEndPending?: (sid: string, error: unknown) => void;
  onEndCompleted?: (sid: string, attempts: number) => void;
  /** First pause between retried deletes; doubles up to 30 s. Default 500. */
  endRetryBaseMs?: number;
}

export interface SessionService {
  /** The live record, or `null` when there is none or it timed out (a timed-out record is deleted). */
  load(sid: string): Promise<SessionRecord | null>;
  /**
   * Records activity by moving `lastSeenAtMs` to now, with compare-and-set on `record.version`, and
   * only when the stored value is at least `touchIntervalMs` old — so most requests write nothing.
   * A lost race (the record changed or went meanwhile) is ignored: the writer that won holds newer
   * data, and the next request will touch again. Never rejects: a store failure goes to
   * `onTouchFailed`, because the call this touch belongs to has already been answered.
   */
  touch(sid: string, record: SessionRecord): Promise<void>;
  /**
   * Ends a session (a sign-out), failing closed: when the store cannot delete the record now, the
   * session is refused by this process from this moment (`load` answers `null`) and the delete is retried
   * with backoff until the store takes it. Never rejects for a store failure.
   * @returns `deleted`, or `pending` when the delete waits for the store.
   */
  end(sid: string): Promise<'deleted' | 'pending'>;
}

const DEFAULT_TOUCH_INTERVAL_MS = 60_000;

/** Idle timeout and absolute lifetime on top of a `SessionStore`. */
export function createSessionService(options: SessionServiceOptions): SessionService {
  const { store, idleTimeoutMs, absoluteTimeoutMs } = options;
  const nowMs = options.nowMs ?? Date.now;
  const touchIntervalMs = options.touchIntervalMs ?? DEFAULT_TOUCH_INTERVAL_MS;
  // A burst of one session's requests all find lastSeenAtMs stale at once; one write is enough, and
  // each write pays a seal (key derivation), so the others skip while it is in flight.
  const touching = new Set<string>();
  // Sessions signed out whose record the store could not delete yet: refused here until it does.
  const ending = new Set<string>();
  const endRetryBaseMs = options.endRetryBaseMs ?? 500;

  async function retryEnd(sid: string): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      await new Promise<void>((resolve) => {
        setTimeout(resolve, Math.min(30_000, endRetryBaseMs * 2 ** (attempt - 1))).unref();
      });
      try {
        await store.delete(sid);
        ending.delete(sid);
        options.onEndCompleted?.(sid, attempt + 1);
        return;
      } catch {
        // still unavailable: try again later
      }
    }
  }

  return {
    async end(sid) {
      try {
        await store.delete(sid);
        return 'deleted';
      } catch (error) {
        ending.add(sid);
        options.onEndPending?.(sid, error);
        void retryEnd(sid);
        return 'pending';
      }
    },

    load: (sid) =>
      inSpan('session.read', async () => {
        if (ending.has(sid)) return found(null);
        const record = await store.get(sid);
        if (record === null) return found(null);
        const now = nowMs();
        if (now - record.createdAtMs >= absoluteTimeoutMs || now - record.lastSeenAtMs >= idleTimeoutMs) {
          // Deleting, not just refusing: the tokens of a timed-out session have no reason to stay stored.
          await store.delete(sid);
          return found(null);
        }
        return found(record);
      }),

    async touch(sid, record) {
      const now = nowMs();
      if (now - record.lastSeenAtMs < touchIntervalMs || touching.has(sid)) return;
      touching.add(sid);
      try {
        await inSpan('session.touch', () => store.compareAndSet(sid, record.version, { ...record, lastSeenAtMs: now }));
      } catch (error) {
        options.onTouchFailed?.(sid, error);
      } finally {
        touching.delete(sid);
      }
    },
  };
}

/** `record`, noted on the current span (`session.read`) as found or not. */
function found(record: SessionRecord | null): SessionRecord | null {
  spanAttributes({ 'bff.session.found': record !== null });
  return record;
}
