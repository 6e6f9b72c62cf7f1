/**
 * A sign-in in progress (PKCE verifier, nonce, where to come back to) lives in a short-lived sealed
 * cookie of the browser that started it, one cookie per attempt, named after its `state`:
 *
 * - no storage for strangers: `/auth/login` writes nothing on the server, so a flood of it costs the
 *   store nothing (it used to write one row per attempt);
 * - no login CSRF: a callback URL opened in another browser finds no attempt there;
 * - several tabs signing in at once never overwrite each other's attempt;
 * - one use: the callback clears the cookie it reads.
 */
import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import { setCookie } from 'hono/cookie';
import { cookieScope, cookieValue } from '../sessions/cookie.ts';
import { parsePendingLogin } from '../sessions/records.ts';
import type { Sealer } from '../sessions/seal.ts';
import type { PendingLogin } from '../sessions/types.ts';

// Long enough to read a one-time code from an e-mail, short enough that abandoned attempts vanish.
export const PENDING_LOGIN_TTL_SECONDS = 10 * 60;
// A sealed attempt is about 400 characters with a long returnTo; anything far longer is not ours.
const MAX_VALUE_LENGTH = 4_096;

export interface PendingLogins {
  /** Adds the attempt's cookie to the answer being built. */
  write(c: Context, state: string, login: PendingLogin): Promise<void>;
  /** The attempt for `state` from this browser's cookie, cleared as it is read; `null` if none is valid. */
  take(c: Context, state: string): Promise<PendingLogin | null>;
}

export interface PendingLoginsOptions {
  sealer: Sealer;
  /** The BFF is served over https: the cookies are Secure and prefixed (see `cookieScope`). */
  secure: boolean;
  /** The path the BFF's routes live under (`''` for the root): the cookies' `Path`, as the session cookie's. */
  basePath?: string;
  nowMs?: () => number;
}

export function createPendingLogins(options: PendingLoginsOptions): PendingLogins {
  const { sealer, secure } = options;
  const nowMs = options.nowMs ?? Date.now;
  // `__Host-` on https at the root, `__Secure-` under a base path: a plain-http page cannot plant an
  // attempt (and one planted by a sibling subdomain would not unseal).
  const { name: prefix, path } = cookieScope('csess_login_', secure, options.basePath ?? '');
  // The state travels in the callback URL; its hash names the cookie, so the two can be matched.
  const nameFor = (state: string) => prefix + createHash('sha256').update(state).digest('hex').slice(0, 16);
  const attributes = { httpOnly: true, secure, sameSite: 'Lax', path } as const;

  return {
    async write(c, state, login) {
      // The seal carries its own expiry (iron's TTL) and the state it was made for.
      const sealed = await sealer.seal({ state, login }, PENDING_LOGIN_TTL_SECONDS);
      setCookie(c, nameFor(state), sealed, { ...attributes, maxAge: PENDING_LOGIN_TTL_SECONDS });
    },
    async take(c, state) {
      const name = nameFor(state);
      const value = cookieValue(c.req.header('cookie'), name);
      if (value === null) return null;
      setCookie(c, name, '', { ...attributes, maxAge: 0 });
      if (value.length > MAX_VALUE_LENGTH) return null;
      const login = await sealer.unseal(value, (raw) => {
        if (typeof raw !== 'object' || raw === null || (raw as { state?: unknown }).state !== state) return null;
        return parsePendingLogin((raw as { login?: unknown }).login);
      });
      if (login === null || nowMs() - login.createdAtMs > PENDING_LOGIN_TTL_SECONDS * 1000) return null;
      return login;
    },
  };
}
