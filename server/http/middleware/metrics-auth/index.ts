import { timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../../env.ts';

/** Constant-time comparison of a presented bearer token with the configured one. */
function bearerMatches(header: string | undefined, expected: string): boolean {
  const presented = Buffer.from(header?.startsWith('Bearer ') ? header.slice(7) : '');
  const wanted = Buffer.from(expected);
  return presented.length === wanted.length && timingSafeEqual(presented, wanted);
}

/**
 * `/metrics` holds counts only, no secrets, but an operator may still want it off the public
 * internet: with a token configured, only `Authorization: Bearer <token>` gets through (401 otherwise).
 * `null` lets everyone through.
 */
export const metricsAuth = (bearerToken: string | null): MiddlewareHandler<AppEnv> =>
  async function metricsAuth(c, next) {
    if (bearerToken !== null && !bearerMatches(c.req.header('authorization'), bearerToken)) {
      c.header('WWW-Authenticate', 'Bearer');
      return c.json({ error: 'unauthorized' }, 401);
    }
    await next();
  };
