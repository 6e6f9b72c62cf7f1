import type { Context } from 'hono';
import { loginUrlFor, safeReturnTo } from '../auth/return-to.ts';
import { isAppError, type AnyAppError } from '../errors.ts';
import { logEvent } from '../observability/events.ts';
import type { Logger } from '../observability/logger.ts';
import { errorPage } from '../pages.ts';
import type { SessionCookie } from '../sessions/cookie.ts';
import type { AppEnv } from './env.ts';
import { ClientAbortedError } from './middleware/body-limit/index.ts';

export interface ErrorResponseDeps {
  appOrigin: string;
  /** The path the BFF's routes live under (`''`, the default, for the root): the sign-in URLs follow it. */
  basePath?: string;
  cookie: Pick<SessionCookie, 'clear'>;
  logger: Logger;
}

/** Retry-After when an upstream failure names none. */
const DEFAULT_RETRY_AFTER_SECONDS = 5;
/** How soon a sign-in that met a busy Shopify may be tried again. */
const SIGN_IN_RETRY_AFTER_SECONDS = 5;

/** A page load (the browser will render what we answer) rather than a `fetch` from a page or the SW. */
const isNavigation = (c: Context<AppEnv>): boolean =>
  c.req.method === 'GET' &&
  (c.req.header('sec-fetch-mode') === 'navigate' || (c.req.header('accept') ?? '').includes('text/html'));

/** Where a page that got "sign in again" should come back to: the page that made the call. */
function returnToFor(c: Context<AppEnv>, appOrigin: string, basePath: string): string {
  if (
    c.req.method === 'GET' &&
    !c.req.path.startsWith(`${basePath}/api/`) &&
    !c.req.path.startsWith(`${basePath}/auth/`)
  ) {
    return safeReturnTo(c.req.path, appOrigin, basePath);
  }
  const referer = c.req.header('referer');
  if (!referer) return '/';
  try {
    const url = new URL(referer);
    return url.origin === appOrigin ? safeReturnTo(url.pathname + url.search, appOrigin, basePath) : '/';
  } catch {
    return '/';
  }
}

/**
 * The one place an error becomes an HTTP answer (`app.onError` calls it). An `AppError` maps to its
 * status, body and headers by code; anything else is logged and answered `500 {"error":"internal"}`
 * with nothing of the error in the body.
 */
export function toResponse(error: unknown, c: Context<AppEnv>, deps: ErrorResponseDeps): Response {
  // The session middleware stamped the expiry it read; a failed call vouches for nothing. And no cache
  // may keep an error: the next try must reach us.
  c.header('X-Session-Expires-At', undefined);
  c.header('Cache-Control', 'no-store');
  if (error instanceof ClientAbortedError) {
    // Nobody is left to read an answer; a client closing a tab mid-upload is no server error.
    logEvent(deps.logger, 'debug', 'http.client_aborted', { path: c.req.path, client: c.get('clientAddress') });
    return c.body(null, 400);
  }
  if (!isAppError(error)) {
    const err =
      error instanceof Error ? { name: error.name, message: error.message } : { name: 'unknown', message: '' };
    logEvent(deps.logger, 'error', 'http.unhandled_error', { path: c.req.path, client: c.get('clientAddress'), err });
    return c.json({ error: 'internal' }, 500);
  }
  return appErrorResponse(error, c, deps);
}

function appErrorResponse(error: AnyAppError, c: Context<AppEnv>, deps: ErrorResponseDeps): Response {
  const basePath = deps.basePath ?? '';
  switch (error.code) {
    case 'REAUTH_REQUIRED': {
      deps.cookie.clear(c);
      const loginUrl = loginUrlFor(returnToFor(c, deps.appOrigin, basePath), basePath);
      if (isNavigation(c)) return c.redirect(loginUrl, 302);
      return c.json({ error: 'reauth_required', loginUrl }, 401);
    }
    case 'UPSTREAM_INVALID':
    case 'UPSTREAM_UNAVAILABLE': {
      // A bad discovery document at run time is treated like an outage: never a sign-out.
      if (error.details.stage === 'discovery') {
        logEvent(
          deps.logger,
          'error',
          'shopify.discovery_failed',
          { message: error.message },
          'Shopify discovery failed',
        );
      }
      const retryAfterSeconds =
        error.code === 'UPSTREAM_UNAVAILABLE' ? error.details.retryAfterSeconds : DEFAULT_RETRY_AFTER_SECONDS;
      c.header('Retry-After', String(Math.max(1, Math.ceil(retryAfterSeconds))));
      if (isNavigation(c)) {
        return c.html(
          errorPage('Shopify is not answering', 'Your session is safe. Please try again in a moment.', {
            href: c.req.path === `${basePath}/auth/callback` ? `${basePath}/auth/login` : c.req.path,
            label: 'Try again',
          }),
          503,
        );
      }
      const rateLimited = error.code === 'UPSTREAM_UNAVAILABLE' && error.details.rateLimited === true;
      return c.json({ error: 'upstream_unavailable' }, rateLimited ? 429 : 503);
    }
    case 'SESSION_STORE_UNAVAILABLE':
      // Never a sign-out: the session is most likely intact, the store just cannot be asked now.
      c.header('Retry-After', String(Math.max(1, Math.ceil(error.details.retryAfterSeconds))));
      return c.json({ error: 'session_store_unavailable' }, 503);
    case 'RATE_LIMITED':
      c.header('Retry-After', String(error.details.retryAfterSeconds));
      if (isNavigation(c)) {
        return c.html(
          errorPage('Too many attempts', 'Please wait a minute before trying to sign in again.', {
            href: '/',
            label: 'Back to the shop',
          }),
          429,
        );
      }
      return c.json({ error: 'rate_limited' }, 429);
    case 'CSRF':
      return c.json({ error: 'csrf' }, 403);
    case 'BAD_REQUEST':
      return c.json({ error: 'bad_request', message: error.message }, 400);
    case 'PAYLOAD_TOO_LARGE':
      return c.json({ error: 'payload_too_large', message: error.message }, 413);
    case 'LOGIN_FAILED': {
      const details = error.details;
      // A Shopify outage during the code exchange is a gateway failure, and a busy Shopify (429, a 401
      // with an empty error code) a 503 to retry: neither is the customer's mistake.
      const busy = details.reason === 'token_endpoint' && details.busy === true;
      const status = busy ? 503 : details.reason === 'token_endpoint' && (details.status ?? 0) >= 500 ? 502 : 400;
      if (busy) c.header('Retry-After', String(SIGN_IN_RETRY_AFTER_SECONDS));
      const href = loginUrlFor(details.returnTo ?? '/', basePath);
      return c.html(errorPage('Sign-in failed', error.message, { href, label: 'Sign in again' }), status);
    }
    case 'CONFIG':
      // Configuration is checked at start; one reaching a request is a bug, answered like any other.
      return toResponse(new Error(error.message), c, deps);
  }
}
