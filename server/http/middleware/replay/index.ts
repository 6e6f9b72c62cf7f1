import type { IncomingMessage } from 'node:http';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../../env.ts';

const REPLAYED_ERROR = Symbol('replayed error');

type Carrier = IncomingMessage & { [REPLAYED_ERROR]?: unknown };

/**
 * Hands an error raised outside Hono (by the GraphQL fast path) to the Hono app, to be thrown there and
 * answered by `toResponse` like any other: one place maps errors to answers, whoever raised them.
 */
export function carryError(incoming: IncomingMessage, error: unknown): void {
  (incoming as Carrier)[REPLAYED_ERROR] = error;
}

/** Throws the error a request carries (see `carryError`); a no-op for every other request. */
export const replayCarriedError = (): MiddlewareHandler<AppEnv> =>
  async function replayCarriedError(c, next) {
    const incoming = c.env?.incoming as Carrier | undefined;
    if (incoming !== undefined && REPLAYED_ERROR in incoming) throw incoming[REPLAYED_ERROR];
    await next();
  };
