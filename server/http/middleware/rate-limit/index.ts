import type { MiddlewareHandler } from 'hono';
import { AppError } from '../../../errors.ts';
import type { AppEnv } from '../../env.ts';

/** Counts hits per key in fixed windows; `allowed` false once a key passed its limit in this window. */
export interface RateLimiter {
  hit(key: string): Promise<{ allowed: boolean; retryAfterSeconds: number }>;
}

/** The window's pure decision: a hit number against the limit, and the wait to the next window. */
export function rateDecision(count: number, limit: number, windowEndsInMs: number) {
  return { allowed: count <= limit, retryAfterSeconds: Math.max(1, Math.ceil(windowEndsInMs / 1000)) };
}

/**
 * An in-process limiter (one BFF instance, or each instance on its own): `limit` hits per key per
 * `windowMs`. Keys of past windows are dropped as the map is used.
 */
export function createMemoryRateLimiter(limit: number, windowMs: number, nowMs: () => number = Date.now): RateLimiter {
  const windows = new Map<string, { startMs: number; count: number }>();
  return {
    async hit(key) {
      const now = nowMs();
      const startMs = now - (now % windowMs);
      if (windows.size > 10_000) {
        for (const [k, w] of windows) if (w.startMs < startMs) windows.delete(k);
      }
      const current = windows.get(key);
      const window = current !== undefined && current.startMs === startMs ? current : { startMs, count: 0 };
      window.count += 1;
      windows.set(key, window);
      return rateDecision(window.count, limit, startMs + windowMs - now);
    },
  };
}

/**
 * Applies `limiter` to a route, keyed by the client's address (`c.var.clientAddress`; nothing to key
 * on in-process). A limiter that fails lets the request through: an outage of the store behind it must
 * not stop sign-ins.
 * @throws AppError RATE_LIMITED with `retryAfterSeconds`
 */
export const rateLimit = (limiter: RateLimiter): MiddlewareHandler<AppEnv> =>
  async function rateLimit(c, next) {
    const address = c.get('clientAddress');
    if (address !== null) {
      const verdict = await limiter.hit(address).catch(() => ({ allowed: true, retryAfterSeconds: 0 }));
      if (!verdict.allowed) {
        throw new AppError('RATE_LIMITED', 'too many requests from this address', {
          retryAfterSeconds: verdict.retryAfterSeconds,
        });
      }
    }
    await next();
  };
