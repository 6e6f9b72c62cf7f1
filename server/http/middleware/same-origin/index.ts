import type { MiddlewareHandler } from 'hono';
import { AppError } from '../../../errors.ts';
import type { AppEnv } from '../../env.ts';

/**
 * For form posts (sign-out): the browser's `Origin` (or, without one, `Sec-Fetch-Site`) must say the
 * request came from our own pages.
 * @throws AppError CSRF
 */
export const sameOrigin = (appOrigin: string): MiddlewareHandler<AppEnv> =>
  async function sameOrigin(c, next) {
    const origin = c.req.header('origin');
    const site = c.req.header('sec-fetch-site');
    const ok = origin !== undefined ? origin === appOrigin : site === 'same-origin';
    if (!ok) throw new AppError('CSRF', 'cross-site request refused');
    await next();
  };
