import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../../env.ts';

/**
 * The headers every answer carries, error pages included. Also written as they are by the GraphQL fast
 * path (`server/api/fast-path.ts`), which answers without Hono.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
  // Narrow on purpose: the pages are same-origin modules; nothing may frame them or rebase their URLs.
  'content-security-policy': "frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
});

/** Puts `SECURITY_HEADERS` on every answer. */
export const securityHeaders = (): MiddlewareHandler<AppEnv> =>
  async function securityHeaders(c, next) {
    // Set before the handler runs, so they are part of the answer as it is built (error pages included):
    // a header added to a finished answer makes Hono rebuild it, the slow way.
    for (const name in SECURITY_HEADERS) c.header(name, SECURITY_HEADERS[name]);
    await next();
  };
