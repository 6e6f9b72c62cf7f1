/**
 * The end-session endpoint. It ends the emulator's browser session only: like Shopify's hosted logout,
 * it never reaches tokens a headless storefront holds.
 */
import { Hono } from 'hono';
import { deleteCookie } from 'hono/cookie';
import { escapeHtml, htmlPage, type EmulatorContext, type EmulatorEnv } from './http.ts';
import { sessionCookieName, type Runtime } from './runtime.ts';

export function logoutRoutes(rt: Runtime): Hono<EmulatorEnv> {
  const app = new Hono<EmulatorEnv>();
  const errorPage = (c: EmulatorContext, message: string) =>
    c.html(htmlPage('Sign-out error', `<h1>Cannot sign out</h1><p>${escapeHtml(message)}</p>`), 400);

  app.get(`/authentication/${rt.shopId}/logout`, async (c) => {
    const hint = c.req.query('id_token_hint');
    if (hint === undefined || hint === '') return errorPage(c, 'id_token_hint is required.');
    // Expired hints are fine (the customer may return long after the token expired); forged are not.
    const claims = await rt.keys.verifySignature(hint);
    if (claims === null || claims.iss !== rt.endpoints.issuer) return errorPage(c, 'id_token_hint is not valid.');
    const audience = Array.isArray(claims.aud) ? claims.aud[0] : claims.aud;
    const client = typeof audience === 'string' ? rt.clients.get(audience) : undefined;
    if (client === undefined) return errorPage(c, 'id_token_hint was issued to an unknown client.');
    const target = c.req.query('post_logout_redirect_uri');
    if (target !== undefined && !client.logoutUris.includes(target)) {
      return errorPage(c, 'post_logout_redirect_uri is not registered for this client.');
    }

    for (const [cookieValue, session] of rt.store.sessions) {
      if (session.sid === claims.sid) rt.store.sessions.delete(cookieValue);
    }
    deleteCookie(c, sessionCookieName(rt.shopId), { path: `/authentication/${rt.shopId}` });
    rt.store.stats.endSession++;

    if (target === undefined) return c.html(htmlPage('Signed out', '<h1>You are signed out.</h1>'));
    const url = new URL(target);
    const state = c.req.query('state');
    if (state !== undefined) url.searchParams.set('state', state);
    return c.redirect(url.href, 302);
  });
  return app;
}
