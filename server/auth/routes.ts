import { Hono, type Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { AppError, isAppError } from '../errors.ts';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../http/env.ts';
import { sessionIdHash } from '../observability/ids.ts';
import { PASSTHROUGH_PARAMS } from '../shopify/client.ts';
import { errorPage } from '../pages.ts';
import { loginUrlFor, safeReturnTo } from './return-to.ts';
import { requireSameOrigin } from '../api/guards.ts';
import { newSessionId } from '../sessions/cookie.ts';

// Long enough to read a one-time code from an e-mail, short enough that abandoned attempts vanish.
const PENDING_LOGIN_TTL_MS = 10 * 60 * 1000;
const BINDING_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * Binds a sign-in attempt to the browser that started it. Without this, a callback URL carrying an
 * attacker's own code and state, opened in a victim's browser, would sign the victim in to the
 * attacker's account (login CSRF). One value per browser, shared by all its tabs, so several
 * sign-ins at once still work.
 */
function loginBinding(c: Context, secure: boolean, create: boolean): string | null {
  const name = secure ? '__Host-csess_login' : 'csess_login';
  const existing = getCookie(c, name);
  if (existing !== undefined && BINDING_PATTERN.test(existing)) return existing;
  if (!create) return null;
  const value = newSessionId(); // any 256-bit CSPRNG value will do; this is the one the project has
  setCookie(c, name, value, {
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

/** `/auth/login`, `/auth/callback`, `/auth/logout`, `/auth/session`. */
export function authRoutes(deps: AppDeps): Hono<AppEnv> {
  const { config, store, cookie, sessions, shopify, logger, now } = deps;
  const secure = cookie.attributes.secure === true;
  const app = new Hono<AppEnv>();

  app.get('/login', async (c) => {
    const returnTo = safeReturnTo(c.req.query('returnTo'), config.appOrigin);
    const pending = shopify.newPendingAuthorization();
    const passthrough: Record<string, string> = {};
    for (const name of PASSTHROUGH_PARAMS) {
      const value = c.req.query(name);
      if (value) passthrough[name] = value.slice(0, 256);
    }
    // Keyed by state, so sign-ins started in several tabs at once never overwrite each other.
    await store.putPendingLogin(
      pendingKey(pending.state, loginBinding(c, secure, true)!),
      { codeVerifier: pending.codeVerifier, nonce: pending.nonce, returnTo, createdAtMs: now() },
      PENDING_LOGIN_TTL_MS,
    );
    return c.redirect(await shopify.authorizationUrl(pending, passthrough), 302);
  });

  app.get('/callback', async (c) => {
    const params = new URL(c.req.url).searchParams;
    const state = params.get('state');
    const binding = loginBinding(c, secure, false);
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
      logger.info(
        { event: 'auth.login.succeeded', session: sessionIdHash(sid), client: c.get('clientAddress') },
        'customer signed in',
      );
      return c.redirect(pending.returnTo, 302);
    } catch (error) {
      if (!isAppError(error, 'LOGIN_FAILED')) throw error;
      logger.warn({ event: 'auth.login.failed', ...error.details, client: c.get('clientAddress') }, error.message);
      const returnTo = pending?.returnTo ?? '/';
      const status = error.details.reason === 'token_endpoint' && Number(error.details.status ?? 0) >= 500 ? 502 : 400;
      return c.html(
        errorPage('Sign-in failed', error.message, { href: loginUrlFor(returnTo), label: 'Sign in again' }),
        status,
      );
    }
  });

  app.post('/logout', requireSameOrigin(config.appOrigin), async (c) => {
    const sid = await cookie.read(c);
    const record = sid === null ? null : await store.get(sid);
    if (sid !== null) await store.delete(sid);
    cookie.clear(c);
    if (sid !== null) {
      logger.info(
        { event: 'auth.logout', session: sessionIdHash(sid), client: c.get('clientAddress') },
        'customer signed out',
      );
    }
    if (record === null) return c.redirect('/', 303);
    // Shopify's own session ends too; it needs the id_token as a hint, and this Location is the only place
    // an id_token ever leaves the BFF.
    return c.redirect(await shopify.endSessionUrl(record.idToken, `${config.appOrigin}/`), 303);
  });

  app.get('/session', async (c) => {
    const { graphqlApiUrl } = await shopify.endpoints().catch(() => ({ graphqlApiUrl: null }));
    const sid = await cookie.read(c);
    const record = sid === null ? null : await sessions.load(sid);
    if (sid !== null && record === null) cookie.clear(c);
    if (sid !== null && record !== null) {
      await sessions.touch(sid, record);
      c.header('X-Session-Expires-At', String(record.expiresAtMs));
    }
    c.header('Cache-Control', 'no-store');
    return c.json({
      authenticated: record !== null,
      customer: record === null ? null : { id: record.customerId, email: record.email },
      expiresAt: record?.expiresAtMs ?? null,
      graphqlApiUrl,
      refreshBufferSeconds: config.refreshBufferSeconds,
      demo: config.emulatorAdminOrigin !== null,
    });
  });

  return app;
}
