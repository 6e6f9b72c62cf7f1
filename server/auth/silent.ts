/**
 * Silent sign-in (`GET /auth/login?prompt=none`, with `SILENT_SIGN_IN=1`): one top-level round trip
 * to Shopify's authorize endpoint that answers at once, without a page: a code when the customer is
 * signed in at Shopify (after checkout, say), else an error that brings them back where they were.
 *
 * At most one attempt per browser session: a marker cookie (no `Max-Age`: it ends with the browser
 * session) is set on the way out, and a second `prompt=none` in the same browser session goes straight
 * back to `returnTo` without leaving the storefront. That is what keeps a page that asks on every
 * signed-out load from looping.
 */
import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { cookieScope } from '../sessions/cookie.ts';

/**
 * The answers that mean "not signed in at Shopify, and no page may be shown" (OpenID Connect Core
 * 3.1.2.6). Shopify's exact shape for `login_required` is unknown (SHOPIFY.md): it may come as
 * `error=login_required` or as `code=login_required`, so both are read.
 */
const NOT_SIGNED_IN = new Set([
  'login_required',
  'interaction_required',
  'consent_required',
  'account_selection_required',
]);

/** The error a silent attempt came back with, when it means "not signed in there"; else `null`. */
export function silentDecline(params: URLSearchParams): string | null {
  for (const name of ['error', 'code']) {
    const value = params.get(name);
    if (value !== null && NOT_SIGNED_IN.has(value)) return value;
  }
  return null;
}

export function createSilentMarker(options: { secure: boolean }) {
  // Path `/` whatever the base path: the marker must be seen by every later sign-in of this browser.
  const { name, path } = cookieScope('csess_silent', options.secure, '');
  return {
    /** Whether this browser session already made its one silent attempt. */
    tried: (c: Context): boolean => getCookie(c, name) !== undefined,
    mark(c: Context): void {
      setCookie(c, name, '1', { httpOnly: true, secure: options.secure, sameSite: 'Lax', path });
    },
  };
}
