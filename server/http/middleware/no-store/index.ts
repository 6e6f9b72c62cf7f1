import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../../env.ts';

/**
 * `Cache-Control: no-store` on the answer, for routes whose answer is about this moment (`/readyz`) and
 * must not be served from any cache. Session routes get it from the session middleware.
 */
export const noStore = (): MiddlewareHandler<AppEnv> =>
  async function noStore(c, next) {
    c.header('Cache-Control', 'no-store');
    await next();
  };
