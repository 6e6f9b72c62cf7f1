import type { Context } from 'hono';
import { setCookie } from 'hono/cookie';
import type { SessionOptions } from 'iron-session';
import { requireSecureOrigin } from '../secure-origin.ts';
import { AppError } from '../errors.ts';
import type { Sealer } from './seal.ts';

export { sessionIdHash } from '../observability/ids.ts';

/** Cookie attributes as iron-session's serializer takes them. */
export type SessionCookieAttributes = NonNullable<SessionOptions['cookieOptions']>;

export interface SessionCookieOptions {
  /** The origin browsers use to reach the BFF; `https:` makes the cookie `Secure` and `__Host-` named. */
  appOrigin: string;
  /**
   * The path the BFF's routes live under (`''` for the root): the cookie's `Path`, so it rides only
   * the BFF's own requests. With one, an https cookie is `__Secure-` named instead of `__Host-`.
   */
  basePath?: string;
  /** The same sealer (password set) the store uses. */
  sealer: Sealer;
  /** The absolute session lifetime: the cookie's Max-Age and the expiry sealed into it. */
  absoluteTimeoutSeconds: number;
}

export interface SessionCookie {
  /** `__Host-csess` on https (`__Secure-csess` under a base path), `csess` on plain-http localhost. */
  readonly name: string;
  readonly attributes: Readonly<SessionCookieAttributes>;
  /**
   * The session id the request's cookie carries, or `null` when there is none, or it is tampered,
   * truncated, expired, sealed with a retired password, or not shaped like a sealed `{ sid }`.
   * Never throws. A repeated cookie value is served from the sealer's cache (no key derivation).
   */
  read(c: Context): Promise<string | null>;
  /** The same, from a raw `Cookie` header (the GraphQL fast path has no Hono context). */
  readHeader(cookieHeader: string | undefined): Promise<string | null>;
  /** Appends a `Set-Cookie` sealing `{ sid }` to the response being built. */
  write(c: Context, sid: string): Promise<void>;
  /** Appends a `Set-Cookie` that expires the cookie now. */
  clear(c: Context): void;
}

const PLAIN_NAME = 'csess';
// A sealed `{ sid }` is about 250 characters. Anything far longer is not ours: reject it before
// spending key derivation on it.
const MAX_COOKIE_VALUE_LENGTH = 1_024;
const SID_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;

/**
 * The session cookie. It seals only `{ sid }` with iron-session's format and password set; the
 * tokens stay in the store (too valuable and too large for a cookie, and parallel responses would
 * race on a rotated refresh token: the last Set-Cookie wins).
 *
 * Why not `getIronSession()`: it unseals the cookie every time it is called (about 1.5 ms of CPU)
 * with no cache, and its `save()` seals with the highest numeric password id rather than the current
 * one. This module seals with iron's own `sealData`/`unsealData` through the `Sealer` (so a cookie
 * seen before costs a cache lookup) and reads and writes the header with Hono's cookie helpers.
 *
 * Route code must build its response with `c.json`, `c.body`, `c.text` or `c.redirect`: the
 * Set-Cookie is added to the answer Hono builds, and a handler that returns its own
 * `new Response(...)` (a proxied upstream response, say) would drop it.
 *
 * @throws AppError `CONFIG` if `appOrigin` is plain http anywhere but loopback (the cookie would
 *   travel in clear), or is not a URL.
 */
export function createSessionCookie(options: SessionCookieOptions): SessionCookie {
  const { sealer, absoluteTimeoutSeconds } = options;
  let origin: URL;
  try {
    origin = new URL(options.appOrigin);
  } catch {
    throw new AppError('CONFIG', 'session cookie: appOrigin is not a URL');
  }
  requireSecureOrigin(origin, (rule) => {
    throw new AppError('CONFIG', `session cookie: appOrigin ${rule}`);
  });
  const secure = origin.protocol === 'https:';
  const { name, path } = cookieScope(PLAIN_NAME, secure, options.basePath ?? '');
  const attributes: SessionCookieAttributes = Object.freeze({
    httpOnly: true,
    // Lax: the cookie rides top-level navigations (the OAuth callback comes back as one) but not
    // cross-site subrequests or form posts.
    sameSite: 'lax',
    secure,
    path,
    maxAge: absoluteTimeoutSeconds,
  });

  // Hono's cookie helpers read the request's header and append to the answer being built; touching
  // `c.res` before the handler answers would make Hono rebuild the answer (the slow path).
  const honoAttributes = {
    httpOnly: true,
    sameSite: 'Lax',
    secure,
    path,
  } as const;

  return {
    name,
    attributes,
    async readHeader(cookieHeader) {
      const value = cookieValue(cookieHeader, name);
      if (!value || value.length > MAX_COOKIE_VALUE_LENGTH) return null;
      return sealer.unseal(value, parseSidPayload);
    },
    read(c) {
      return this.readHeader(c.req.header('cookie'));
    },
    async write(c, sid) {
      // The expiry sealed in matches Max-Age, so a cookie kept past its lifetime no longer unseals.
      const sealed = await sealer.seal({ sid }, absoluteTimeoutSeconds);
      setCookie(c, name, sealed, { ...honoAttributes, maxAge: absoluteTimeoutSeconds });
    },
    clear(c) {
      setCookie(c, name, '', { ...honoAttributes, maxAge: 0 });
    },
  };
}

/**
 * The name and `Path` of one of the BFF's cookies (`base` is its plain name), shared by the session
 * cookie and the sign-in attempts' cookies.
 *
 * At the root on https: `__Host-`, which browsers accept only with Secure, `Path=/` and no Domain, so
 * neither a sibling subdomain nor a plain-http page can plant or overwrite it. Under a base path
 * `__Host-` is impossible (it requires `Path=/`), and a root cookie would ride every request of the
 * storefront: `Path=<basePath>` with `__Secure-`, which still makes browsers refuse it from plain http.
 * What it gives up: a sibling subdomain under the attacker's control can set a `__Secure-` cookie for
 * this path, and although it cannot forge one, it can plant its own valid cookie (from signing in
 * itself), so the victim's browser would act as the attacker's account (a session swap; README, known
 * limits). Mount at the root to keep `__Host-` where sibling subdomains are not trusted. Plain http
 * (localhost only) takes no prefix: browsers refuse both there.
 */
export function cookieScope(base: string, secure: boolean, basePath: string): { name: string; path: string } {
  if (!secure) return { name: base, path: basePath || '/' };
  return basePath === '' ? { name: `__Host-${base}`, path: '/' } : { name: `__Secure-${base}`, path: basePath };
}

/**
 * A new session id: 32 bytes from the CSPRNG, base64url (43 characters). Opaque on purpose: it
 * carries nothing but entropy, so it can neither be guessed nor decoded.
 */
export function newSessionId(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');
}

function parseSidPayload(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return null;
  const { sid } = value as { sid?: unknown };
  return typeof sid === 'string' && SID_PATTERN.test(sid) ? sid : null;
}

/**
 * The value of cookie `name` in a `Cookie` header, or `null`. Only our own cookie is looked for (the
 * header may hold dozens of a storefront's cookies, and this runs on every API call); its sealed value
 * is URL-safe, so no decoding is needed. The first one wins, as with every cookie parser: browsers send
 * the most specific path first.
 */
export function cookieValue(header: string | undefined, name: string): string | null {
  if (header === undefined) return null;
  for (let start = 0; start < header.length;) {
    const end = header.indexOf(';', start);
    const pair = header.slice(start, end === -1 ? header.length : end).trim();
    if (pair.length > name.length + 1 && pair.startsWith(name) && pair[name.length] === '=')
      return pair.slice(name.length + 1);
    if (end === -1) break;
    start = end + 1;
  }
  return null;
}
