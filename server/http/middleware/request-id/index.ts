import type { MiddlewareHandler } from 'hono';
import { requestIdFrom, requestIdOf, REQUEST_ID_HEADER, runWithRequestId } from '../../../observability/request-id.ts';
import type { AppEnv } from '../../env.ts';

/**
 * Gives the request its id (`requestIdOf`: the incoming `X-Request-Id` when well-formed, else a new one),
 * sets `c.var.requestId`, answers it in `X-Request-Id` (error answers included), and runs the rest of the
 * request inside it, so every log line the request causes carries it.
 */
export const requestId = (): MiddlewareHandler<AppEnv> =>
  async function requestId(c, next) {
    const incoming = c.env?.incoming;
    const id = incoming === undefined ? requestIdFrom(c.req.header(REQUEST_ID_HEADER)) : requestIdOf(incoming);
    c.set('requestId', id);
    // Before the handler, like the security headers: part of the answer as it is built.
    c.header(REQUEST_ID_HEADER, id);
    await runWithRequestId(id, next);
  };
