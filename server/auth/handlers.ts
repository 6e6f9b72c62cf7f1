import type { Context, Handler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { AppDeps } from '../deps.ts';
import { AppError, isAppError } from '../errors.ts';
import type { AppEnv } from '../http/env.ts';
import { logEvent } from '../observability/events.ts';
import { sessionIdHash } from '../observability/ids.ts';
import { newSessionId } from '../sessions/cookie.ts';
import { PASSTHROUGH_PARAMS } from '../shopify/client.ts';
import { errorPage } from '../pages.ts';
import { safeReturnTo } from './return-to.ts';
import { encodeSessionView } from './session-view.ts';

// Long enough to read a one-time code from an e-mail, short enough that abandoned attempts vanish.
const PENDING_LOGIN_TTL_MS = 10 * 60 * 1000;
const BINDING_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * Binds a sign-in attempt to the browser that started it. Without this, a callback URL carrying an
 * attacker's own code and state, opened in a victim's browser, would sign the victim in to the
 * attacker's account (login CSRF). One value per browser, shared by all its tabs, so several
 * sign-ins at once still work.
 */
function existingBinding(c: Context, secure: boolean): string | null {
  const existing = getCookie(c, secure ? '__Host-csess_login' : 'csess_login');
  return existing !== undefined && BINDING_PATTERN.test(existing) ? existing : null;
}

function bindingFor(c: Context, secure: boolean): string {
  const existing = existingBinding(c, secure);
  if (existing !== null) return existing;
  const value = newSessionId(); // any 256-bit CSPRNG value will do; this is the one the project has
  setCookie(c, secure ? '__Host-csess_login' : 'csess_login', value, {
    httpOnly: true,
    secure,
    sameSite: 'Lax',
    path: '/',
    maxAge: PENDING_LOGIN_TTL_MS / 1000,
  });
  return value;
}

/** Pending logins are found by state and browser together: the state alone opens nothing. */
const pendingKey = (state: string, binding: string) => `${state}.${binding}`;

/** `GET /auth/login?returnTo=/path`: a new attempt (state, nonce, PKCE kept server-side), then Shopify's sign-in page. */
export const loginHandler = ({ config, store, cookie, shopify, now }: AppDeps): Handler<AppEnv> =>
  async function login(c) {
    const returnTo = safeReturnTo(c.req.query('returnTo'), config.appOrigin);
    const pending = shopify.newPendingAuthorization();
    const passthrough: Record<string, string> = {};
    for (const name of PASSTHROUGH_PARAMS) {
      const value = c.req.query(name);
      if (value) passthrough[name] = value.slice(0, 256);
    }
    // Keyed by state, so sign-ins started in several tabs at once never overwrite each other.
    await store.putPendingLogin(
      pendingKey(pending.state, bindingFor(c, cookie.attributes.secure === true)),
      { codeVerifier: pending.codeVerifier, nonce: pending.nonce, returnTo, createdAtMs: now() },
      PENDING_LOGIN_TTL_MS,
    );
    return c.redirect(await shopify.authorizationUrl(pending, passthrough), 302);
  };

/**
 * `GET /auth/callback`: the one-time state, the code exchange, the id_token checks, then a new session.
 * @throws AppError LOGIN_FAILED (with the attempt's `returnTo`), UPSTREAM_UNAVAILABLE, UPSTREAM_INVALID
 */
export const callbackHandler = (deps: AppDeps): Handler<AppEnv> =>
  async function callback(c) {
    const { store, cookie, shopify, logger, now } = deps;
    const params = new URL(c.req.url).searchParams;
    const state = params.get('state');
    const binding = existingBinding(c, cookie.attributes.secure === true);
    // One-time: taking it deletes it, so a replayed callback finds nothing.
    const pending = state && binding ? await store.takePendingLogin(pendingKey(state, binding)) : null;
    try {
      if (state === null || pending === null) {
        throw new AppError('LOGIN_FAILED', 'This sign-in link has expired or was already used', {
          reason: 'unknown_state',
        });
      }
      const tokens = await shopify.exchangeCode(params, {
        state,
        nonce: pending.nonce,
        codeVerifier: pending.codeVerifier,
      });

      // A fresh id for every sign-in (no session fixation); an older session in this browser ends here.
      const previousSid = await cookie.read(c);
      if (previousSid !== null) await store.delete(previousSid);
      const sid = deps.newSessionId();
      const at = now();
      await store.create(sid, {
        accessToken: tokens.accessToken,
        refreshToken: tokens.refreshToken,
        idToken: tokens.idToken,
        expiresAtMs: at + tokens.expiresInSeconds * 1000,
        customerId: tokens.customerId,
        email: tokens.email,
        version: 1,
        createdAtMs: at,
        lastSeenAtMs: at,
      });
      await cookie.write(c, sid);
      const client = c.get('clientAddress');
      logEvent(logger, 'info', 'auth.login.succeeded', { session: sessionIdHash(sid), client }, 'customer signed in');
      return c.redirect(pending.returnTo, 302);
    } catch (error) {
      if (!isAppError(error, 'LOGIN_FAILED')) throw error;
      logEvent(
        logger,
        'warn',
        'auth.login.failed',
        { ...error.details, client: c.get('clientAddress') },
        error.message,
      );
      // "Sign in again" goes back to where this attempt started.
      throw new AppError(
        'LOGIN_FAILED',
        error.message,
        { ...error.details, returnTo: pending?.returnTo ?? '/' },
        {
          cause: error,
        },
      );
    }
  };

/**
 * `POST /auth/logout` (same origin): the session ends here, then at Shopify's end-session page. It
 * fails closed: the cookie goes first, whatever happens next; a store that cannot delete the record now
 * gets the delete retried (and this process refuses the session meanwhile), and the customer is told
 * they are signed out in this browser.
 */
export const logoutHandler = ({ config, cookie, sessions, store, shopify, logger }: AppDeps): Handler<AppEnv> =>
  async function logout(c) {
    const sid = await cookie.read(c);
    cookie.clear(c);
    if (sid === null) return c.redirect('/', 303);
    // The id_token, for Shopify's end-session page; without the store there is none to send.
    const record = await store.get(sid).catch(() => null);
    const ended = await sessions.end(sid);
    logEvent(
      logger,
      'info',
      'auth.logout',
      { session: sessionIdHash(sid), client: c.get('clientAddress'), deleted: ended === 'deleted' },
      'customer signed out',
    );
    if (ended === 'pending' || record === null) {
      if (ended === 'deleted') return c.redirect('/', 303);
      return c.html(
        errorPage(
          'Signed out in this browser',
          'You are signed out here. Our session service is briefly unavailable, so your sign-in elsewhere ends in a moment.',
          { href: '/', label: 'Continue shopping' },
        ),
        200,
      );
    }
    // Shopify's own session ends too; it needs the id_token as a hint, and this Location is the only place
    // an id_token ever leaves the BFF.
    return c.redirect(await shopify.endSessionUrl(record.idToken, `${config.appOrigin}/`), 303);
  };

/** `GET /auth/session`: the public view of the caller's session (never a token). */
export const sessionViewHandler = ({ config, shopify }: AppDeps): Handler<AppEnv> =>
  async function sessionView(c) {
    const graphqlApiUrl = await shopify.endpoints().then(
      (found) => found.graphqlApiUrl.href,
      () => null,
    );
    const record = c.get('session')?.record ?? null;
    return c.json(
      encodeSessionView(record, {
        graphqlApiUrl,
        refreshBufferSeconds: config.refreshBufferSeconds,
        demo: config.emulatorAdminOrigin !== null,
      }),
    );
  };
