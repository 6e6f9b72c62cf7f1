import type { MiddlewareHandler } from 'hono';
import { AppError } from '../../../errors.ts';
import type { SessionCookie } from '../../../sessions/cookie.ts';
import type { SessionService } from '../../../sessions/session-service.ts';
import type { SessionRecord } from '../../../sessions/types.ts';
import type { Context } from 'hono';
import type { AppEnv, LiveSession } from '../../env.ts';

export interface SessionMiddlewareOptions {
  cookie: SessionCookie;
  sessions: SessionService;
  /** `true`: no live session is REAUTH_REQUIRED. `false`: `c.var.session` is `null` instead. */
  required: boolean;
}

/**
 * Reads the caller's session once per request (the cookie, then the record with the idle and absolute
 * timeouts applied) into `c.var.session`, and is the only place that stamps a session answer: it is
 * `Cache-Control: no-store`, and `X-Session-Expires-At` carries the session's expiry (a handler that
 * refreshed calls `updateSession`, which stamps the new one). After the handler the session is touched
 * (its idle timeout restarts). A cookie whose session is gone is cleared.
 *
 * Headers go on before the handler builds its answer: a header added to a finished answer makes Hono
 * rebuild it through web streams, the proxy's slow path.
 * @throws AppError REAUTH_REQUIRED when `required` and there is no live session
 */
export const session = ({ cookie, sessions, required }: SessionMiddlewareOptions): MiddlewareHandler<AppEnv> =>
  async function session(c, next) {
    const sid = await cookie.read(c);
    const record = sid === null ? null : await sessions.load(sid);
    // Session answers are per customer: no cache, shared or private, may keep one.
    c.header('Cache-Control', 'no-store');
    if (sid === null || record === null) {
      if (required) throw new AppError('REAUTH_REQUIRED', 'no session', { reason: 'no_session' });
      if (sid !== null) cookie.clear(c);
      c.set('session', null);
    } else {
      updateSession(c, { sid, record });
    }
    await next();
    const live = c.get('session');
    if (live !== null && c.error === undefined) await sessions.touch(live.sid, live.record);
  };

/** Replaces the live session (after a refresh), so the answer carries its expiry and the touch its record. */
export function updateSession(c: Context<AppEnv>, live: LiveSession): void {
  c.set('session', live);
  c.header(EXPIRES_AT_HEADER, String(live.record.expiresAtMs));
}

const EXPIRES_AT_HEADER = 'x-session-expires-at';

/**
 * The stamp of a successful session answer, as plain headers: what this middleware and `updateSession`
 * put on an answer Hono builds, for the GraphQL fast path that answers without Hono.
 */
export const sessionAnswerHeaders = (record: SessionRecord): Record<string, string> => ({
  'cache-control': 'no-store',
  [EXPIRES_AT_HEADER]: String(record.expiresAtMs),
});

/**
 * The live session a `required` session middleware put in front of this handler.
 * @throws AppError REAUTH_REQUIRED if there is none (a route wired without the middleware)
 */
export function liveSession(c: Context<AppEnv>): LiveSession {
  const live = c.get('session');
  if (live === null || live === undefined)
    throw new AppError('REAUTH_REQUIRED', 'no session', { reason: 'no_session' });
  return live;
}
