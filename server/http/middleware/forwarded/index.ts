import type { MiddlewareHandler } from 'hono';
import type { TrustProxy } from '../../../config.ts';
import { AppError } from '../../../errors.ts';
import type { AppEnv } from '../../env.ts';
import { createForwardedReader } from './reader.ts';

/**
 * Sets `c.var.clientAddress` from the socket, or from `X-Forwarded-For` when `trustProxy` allows, and
 * keeps plain http away from an https site: behind a TLS-terminating proxy we trust, a GET that arrived
 * over http is redirected (308) to `appOrigin`, anything else refused. The browser would not send the
 * Secure cookie over http anyway, and anything answered could be read on the wire.
 * @throws AppError BAD_REQUEST for a non-GET over plain http to an https site
 */
export const forwarded = (trustProxy: TrustProxy, appOrigin: string): MiddlewareHandler<AppEnv> => {
  const read = createForwardedReader(trustProxy);
  const httpsOnly = new URL(appOrigin).protocol === 'https:';
  return async function forwarded(c, next) {
    const { clientAddress, forwardedProto } = read(c.env?.incoming);
    c.set('clientAddress', clientAddress);
    if (httpsOnly && forwardedProto === 'http') {
      if (c.req.method === 'GET' || c.req.method === 'HEAD') {
        const url = new URL(c.req.url);
        return c.redirect(`${appOrigin}${url.pathname}${url.search}`, 308);
      }
      throw new AppError('BAD_REQUEST', 'this site is served over https only');
    }
    await next();
  };
};
