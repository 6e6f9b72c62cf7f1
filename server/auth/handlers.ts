import type { Handler } from 'hono';
import { detachCart } from '../cart/handlers.ts';
import type { AppDeps } from '../deps.ts';
import { AppError, isAppError } from '../errors.ts';
import type { AppEnv } from '../http/env.ts';
import { logEvent } from '../observability/events.ts';
import { sessionIdHash } from '../observability/ids.ts';
import { errorPage } from '../pages.ts';
import { safeReturnTo } from './return-to.ts';
import { encodeSessionView } from './session-view.ts';
import { signInHints } from './sign-in-hints.ts';
import { createSilentMarker, silentDecline } from './silent.ts';

/**
 * `GET /auth/login?returnTo=/path[&locale=fr-CA][&country=CA][&login_hint=…]`: a new attempt (state,
 * nonce, PKCE kept in a sealed cookie of this browser, nothing on the server), then Shopify's sign-in
 * page, in the storefront's language and market when it said which (see `signInHints`).
 * @throws AppError BAD_REQUEST for a malformed `locale` or `country`
 */
export const loginHandler = ({ config, pendingLogins, shopify, now, logger }: AppDeps): Handler<AppEnv> => {
  const marker = createSilentMarker({ secure: config.appOrigin.startsWith('https:') });
  return async function login(c) {
    const hints = signInHints((name) => c.req.query(name));
    const returnTo = safeReturnTo(c.req.query('returnTo'), config.appOrigin, config.basePath);
    const prompt = c.req.query('prompt');
    if (prompt !== undefined && prompt !== 'none') throw new AppError('BAD_REQUEST', 'prompt must be none');
    const silent = prompt === 'none';
    if (silent) {
      if (!config.silentSignIn) throw new AppError('BAD_REQUEST', 'prompt=none needs SILENT_SIGN_IN=1 on the BFF');
      // One silent attempt per browser session: the second goes straight back.
      if (marker.tried(c)) {
        logEvent(
          logger,
          'info',
          'auth.silent.skipped',
          { client: c.get('clientAddress') },
          'silent sign-in already tried',
        );
        return c.redirect(returnTo, 302);
      }
      marker.mark(c);
      hints.prompt = 'none';
    }
    const pending = shopify.newPendingAuthorization();
    const url = await shopify.authorizationUrl(pending, hints);
    await pendingLogins.write(c, pending.state, {
      codeVerifier: pending.codeVerifier,
      nonce: pending.nonce,
      returnTo,
      createdAtMs: now(),
      ...(silent ? { silent: true as const } : {}),
    });
    return c.redirect(url, 302);
  };
};

/**
 * `GET /auth/callback`: the one-time state, the code exchange, the id_token checks, then a new session.
 * @throws AppError LOGIN_FAILED (with the attempt's `returnTo`), UPSTREAM_UNAVAILABLE, UPSTREAM_INVALID
 */
export const callbackHandler = (deps: AppDeps): Handler<AppEnv> =>
  async function callback(c) {
    const { store, cookie, shopify, logger, now, pendingLogins } = deps;
    const params = new URL(c.req.url).searchParams;
    const state = params.get('state');
    // One-time: taking it clears the cookie, so a replayed callback finds nothing; another browser
    // (a login CSRF) never had it.
    const pending = state ? await pendingLogins.take(c, state) : null;
    try {
      if (state === null || pending === null) {
        throw new AppError('LOGIN_FAILED', 'This sign-in link has expired or was already used', {
          reason: 'unknown_state',
        });
      }
      // A silent attempt for a customer not signed in at Shopify: back where they were, signed out, no page.
      const declined = pending.silent === true ? silentDecline(params) : null;
      if (declined !== null) {
        logEvent(
          logger,
          'info',
          'auth.silent.not_signed_in',
          { answer: declined, client: c.get('clientAddress') },
          'silent sign-in: not signed in at Shopify',
        );
        return c.redirect(pending.returnTo, 302);
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
 * they are signed out in this browser. The customer lands on the storefront's home page
 * (`<appOrigin>/`, the logout URI to register at Shopify), whatever the BFF's base path: it is a page of
 * the storefront, not of the BFF.
 */
export const logoutHandler = (deps: AppDeps): Handler<AppEnv> =>
  async function logout(c) {
    const { config, cookie, sessions, store, shopify, logger } = deps;
    const sid = await cookie.read(c);
    cookie.clear(c);
    if (sid === null) return c.redirect('/', 303);
    // The id_token, for Shopify's end-session page; without the store there is none to send.
    const record = await store.get(sid).catch(() => null);
    // The session ends first: a slow Storefront API must not keep it usable while the cart is detached.
    const ended = await sessions.end(sid);
    await detachCart(deps, sid, record?.cartId);
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
