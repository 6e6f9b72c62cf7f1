import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../../env.ts';

/** The headers every answer carries, error pages included. */
export const securityHeaders = (): MiddlewareHandler<AppEnv> =>
  async function securityHeaders(c, next) {
    // Set before the handler runs, so they are part of the answer as it is built (error pages included):
    // a header added to a finished answer makes Hono rebuild it, the slow way.
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'same-origin');
    c.header('X-Frame-Options', 'DENY');
    // Narrow on purpose: the pages are same-origin modules; nothing may frame them or rebase their URLs.
    c.header('Content-Security-Policy', "frame-ancestors 'none'; base-uri 'none'; object-src 'none'");
    await next();
  };
