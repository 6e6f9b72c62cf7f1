import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { requestIdFrom, requestIdOf, REQUEST_ID_HEADER, runWithRequestId } from '../../../observability/request-id.ts';
import { inRequestSpan } from '../../../observability/tracing.ts';
import type { AppEnv } from '../../env.ts';

/**
 * Gives the request its id (`requestIdOf`: the incoming `X-Request-Id` when well-formed, else a new one),
 * sets `c.var.requestId`, answers it in `X-Request-Id` (error answers included), and runs the rest of the
 * request inside it, so every log line the request causes carries it; and, tracing, inside the request's
 * span (`inRequestSpan`), named by the route that answered.
 */
export const requestId = (): MiddlewareHandler<AppEnv> =>
  async function requestId(c, next) {
    const incoming = c.env?.incoming;
    const id = incoming === undefined ? requestIdFrom(c.req.header(REQUEST_ID_HEADER)) : requestIdOf(incoming);
    c.set('requestId', id);
    // Before the handler, like the security headers: part of the answer as it is built.
    c.header(REQUEST_ID_HEADER, id);
    await runWithRequestId(id, () =>
      inRequestSpan(
        {
          method: c.req.method,
          path: c.req.path,
          headers: incoming?.headers ?? c.req.raw.headers,
          requestId: id,
          carrier: incoming,
        },
        next,
        // After `next`, the route index is the handler that answered (`-1` would be the last route that
        // matched the path, e.g. the static files' `*` behind every route).
        () => ({ status: c.res.status, route: routePath(c) }),
      ),
    );
  };
