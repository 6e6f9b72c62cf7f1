import type { MiddlewareHandler } from 'hono';
import { AppError } from '../../../errors.ts';
import type { AppEnv } from '../../env.ts';

/**
 * The rule: API routes answer only requests carrying `X-CSRF: 1`. A cross-site form cannot set a custom
 * header, and a cross-site fetch with one needs a CORS preflight that this BFF never grants.
 */
export const hasCsrfHeader = (value: string | string[] | undefined): boolean => value === '1';

/**
 * Applies `hasCsrfHeader` to a route.
 * @throws AppError CSRF
 */
export const csrfHeader = (): MiddlewareHandler<AppEnv> =>
  async function csrfHeader(c, next) {
    if (!hasCsrfHeader(c.req.header('x-csrf'))) throw new AppError('CSRF', 'missing X-CSRF: 1 header');
    await next();
  };
