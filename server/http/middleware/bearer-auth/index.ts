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
 * Operator routes: with a token configured, only `Authorization: Bearer <token>` gets through (401 with
 * `WWW-Authenticate: Bearer` otherwise), compared in constant time. `null` lets everyone through (used by
 * `/metrics`, which holds counts only, when the operator set no token).
 */
export const bearerAuth = (bearerToken: string | null): MiddlewareHandler<AppEnv> =>
  async function bearerAuth(c, next) {
    if (bearerToken !== null && !bearerMatches(c.req.header('authorization'), bearerToken)) {
      c.header('WWW-Authenticate', 'Bearer');
      return c.json({ error: 'unauthorized' }, 401);
    }
    await next();
  };
