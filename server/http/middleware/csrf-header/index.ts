import type { MiddlewareHandler } from 'hono';
import { AppError } from '../../../errors.ts';
import type { AppEnv } from '../../env.ts';

/**
 * API routes answer only requests carrying `X-CSRF: 1`. A cross-site form cannot set a custom header,
 * and a cross-site fetch with one needs a CORS preflight that this BFF never grants.
 * @throws AppError CSRF
 */
export const csrfHeader = (): MiddlewareHandler<AppEnv> =>
  async function csrfHeader(c, next) {
    if (c.req.header('x-csrf') !== '1') throw new AppError('CSRF', 'missing X-CSRF: 1 header');
    await next();
  };
