import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { SessionCookie } from '../sessions/cookie.ts';
import type { SessionService } from '../sessions/session-service.ts';
import type { SessionRecord } from '../sessions/types.ts';
import { AppError } from '../errors.ts';

/**
 * API routes answer only requests carrying `X-CSRF: 1`. A cross-site form cannot set a custom header,
 * and a cross-site fetch with one needs a CORS preflight that this BFF never grants.
 */
export const requireCsrfHeader = (): MiddlewareHandler =>
  async function csrfHeader(c, next) {
    if (c.req.header('x-csrf') !== '1') throw new AppError('CSRF', 'missing X-CSRF: 1 header');
    await next();
  };

/**
 * For form posts (sign-out): the browser's `Origin` (or `Sec-Fetch-Site`) must say the request came from
 * our own pages.
 */
export const requireSameOrigin = (appOrigin: string): MiddlewareHandler =>
  async function sameOrigin(c, next) {
    const origin = c.req.header('origin');
    const site = c.req.header('sec-fetch-site');
    const ok = origin !== undefined ? origin === appOrigin : site === 'same-origin';
    if (!ok) throw new AppError('CSRF', 'cross-site request refused');
    await next();
  };

/** Caps a request body; a larger one is refused with PAYLOAD_TOO_LARGE before it is read. */
export const limitBody = (maxBytes: number): MiddlewareHandler =>
  bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new AppError('PAYLOAD_TOO_LARGE', `body exceeds ${maxBytes} bytes`);
    },
  });

/**
 * The request body as a JSON object; an empty body reads as `{}` when `emptyIsObject`.
 * @throws AppError BAD_REQUEST for anything else.
 */
export async function readJsonObject(c: Context, { emptyIsObject = false } = {}): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (emptyIsObject && text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AppError('BAD_REQUEST', 'body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AppError('BAD_REQUEST', 'body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/**
 * Reads the caller's live session once per request: the cookie, then the record with the idle and
 * absolute timeouts applied. Hand the record on (the token manager's `loaded`) instead of reading again.
 * @throws AppError REAUTH_REQUIRED when there is none.
 */
export const sessionReader =
  (cookie: SessionCookie, sessions: SessionService) =>
  async (c: Context): Promise<{ sid: string; record: SessionRecord }> => {
    const sid = await cookie.read(c);
    const record = sid === null ? null : await sessions.load(sid);
    if (sid === null || record === null) throw new AppError('REAUTH_REQUIRED', 'no session');
    return { sid, record };
  };
