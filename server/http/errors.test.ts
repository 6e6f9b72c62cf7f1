import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { createCapturingDestination, createLogger } from '../observability/logger.ts';
import type { AppEnv } from './env.ts';
import { toResponse } from './errors.ts';

/** A one-route app that throws `error`, answered by `toResponse` as the BFF's `onError` does. */
function answer(error: unknown, init: RequestInit & { path?: string } = {}) {
  const logs = createCapturingDestination();
  let cleared = 0;
  const app = new Hono<AppEnv>();
  app.use('*', async (c, next) => {
    c.set('clientAddress', null);
    c.header('X-Session-Expires-At', '1800000000000'); // as the session middleware stamps it
    await next();
  });
  app.all('*', () => {
    throw error;
  });
  app.onError((err, c) =>
    toResponse(err, c, {
      appOrigin: 'https://shop.example.com',
      cookie: { clear: () => void (cleared += 1) },
      logger: createLogger({ destination: logs }),
    }),
  );
  const response = app.request(`https://shop.example.com${init.path ?? '/api/x'}`, init);
  return { response, logs, cleared: () => cleared };
}

const navigation = { headers: { 'sec-fetch-mode': 'navigate', accept: 'text/html' } };

describe('toResponse: every AppError code', () => {
  it('REAUTH_REQUIRED: 401 with a loginUrl back to the calling page, the cookie cleared; a navigation gets a 302', async () => {
    const error = new AppError('REAUTH_REQUIRED', 'gone', { reason: 'dead_grant' });
    const api = answer(error, { method: 'POST', headers: { referer: 'https://shop.example.com/account?x=1' } });
    const response = await api.response;
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      error: 'reauth_required',
      loginUrl: '/auth/login?returnTo=%2Faccount%3Fx%3D1',
    });
    expect(api.cleared()).toBe(1);
    // A failed call vouches for no session: whatever expiry was stamped before is gone.
    expect(response.headers.get('x-session-expires-at')).toBeNull();
    expect(response.headers.get('cache-control')).toBe('no-store');
    // A referer from elsewhere never becomes the way back.
    const foreign = await answer(error, { method: 'POST', headers: { referer: 'https://evil.example/x' } }).response;
    expect(((await foreign.json()) as { loginUrl: string }).loginUrl).toBe('/auth/login?returnTo=%2F');
    const page = await answer(error, { ...navigation, path: '/orders' }).response;
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe('/auth/login?returnTo=%2Forders');
  });

  it('UPSTREAM_UNAVAILABLE: 503 upstream_unavailable with Retry-After rounded up; a navigation gets a page', async () => {
    const error = new AppError('UPSTREAM_UNAVAILABLE', 'down', { retryAfterSeconds: 2.2 });
    const response = await answer(error, { method: 'POST' }).response;
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('3');
    expect(await response.json()).toEqual({ error: 'upstream_unavailable' });
    const page = await answer(error, navigation).response;
    expect(page.status).toBe(503);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('Your session is safe');
  });

  it('UPSTREAM_INVALID: answered like an outage (503, Retry-After 5) and logged as a discovery failure', async () => {
    const { response, logs } = answer(
      new AppError('UPSTREAM_INVALID', 'discovery: issuer is wrong', { stage: 'discovery' }),
    );
    const res = await response;
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toEqual({ error: 'upstream_unavailable' });
    expect(logs.events()).toEqual([
      expect.objectContaining({ event: 'shopify.discovery_failed', message: 'discovery: issuer is wrong', level: 50 }),
    ]);
  });

  it('SESSION_STORE_UNAVAILABLE: 503 session_store_unavailable with Retry-After, the cookie kept', async () => {
    const failing = answer(new AppError('SESSION_STORE_UNAVAILABLE', 'redis down', { retryAfterSeconds: 2 }), {
      method: 'POST',
    });
    const response = await failing.response;
    expect([response.status, response.headers.get('retry-after'), await response.json()]).toEqual([
      503,
      '2',
      { error: 'session_store_unavailable' },
    ]);
    expect(failing.cleared()).toBe(0);
  });

  it('RATE_LIMITED: 429 rate_limited with Retry-After; a navigation gets a page', async () => {
    const error = new AppError('RATE_LIMITED', 'too many', { retryAfterSeconds: 42 });
    const api = await answer(error, { method: 'POST' }).response;
    expect([api.status, api.headers.get('retry-after'), await api.json()]).toEqual([
      429,
      '42',
      { error: 'rate_limited' },
    ]);
    const page = await answer(error, navigation).response;
    expect(page.status).toBe(429);
    expect(await page.text()).toContain('Too many attempts');
  });

  it('CSRF 403, BAD_REQUEST 400 and PAYLOAD_TOO_LARGE 413, each with its stable body', async () => {
    const csrf = await answer(new AppError('CSRF', 'no header')).response;
    expect([csrf.status, await csrf.json()]).toEqual([403, { error: 'csrf' }]);
    const bad = await answer(new AppError('BAD_REQUEST', '"query" must be a string')).response;
    expect([bad.status, await bad.json()]).toEqual([
      400,
      { error: 'bad_request', message: '"query" must be a string' },
    ]);
    const large = await answer(new AppError('PAYLOAD_TOO_LARGE', 'body exceeds 10 bytes', { limitBytes: 10 })).response;
    expect([large.status, await large.json()]).toEqual([
      413,
      { error: 'payload_too_large', message: 'body exceeds 10 bytes' },
    ]);
  });

  it('LOGIN_FAILED: an HTML page, 502 for a Shopify outage and 400 otherwise, "Sign in again" back to returnTo', async () => {
    const outage = await answer(
      new AppError('LOGIN_FAILED', 'Shopify could not complete the sign-in', {
        reason: 'token_endpoint',
        status: 503,
        returnTo: '/orders',
      }),
    ).response;
    expect(outage.status).toBe(502);
    expect(await outage.text()).toContain('href="/auth/login?returnTo=%2Forders"');
    const refused = await answer(
      new AppError('LOGIN_FAILED', 'The ID token did not pass its checks', { reason: 'id_token' }),
    ).response;
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('The ID token did not pass its checks');
  });

  it('CONFIG at run time and any other error: 500 internal, nothing of the error in the body, one log line', async () => {
    for (const error of [new AppError('CONFIG', 'token manager: bad'), new TypeError('secret-looking detail')]) {
      const { response, logs } = answer(error);
      const res = await response;
      expect(res.status).toBe(500);
      expect(await res.text()).toBe('{"error":"internal"}');
      expect(logs.events()).toEqual([expect.objectContaining({ event: 'http.unhandled_error', path: '/api/x' })]);
    }
  });
});
