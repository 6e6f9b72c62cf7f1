import type { MiddlewareHandler } from 'hono';
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
