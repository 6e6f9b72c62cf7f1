import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { AppDeps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { readBodyWithin } from '../http/middleware/body-limit/index.ts';
import { hasCsrfHeader } from '../http/middleware/csrf-header/index.ts';
import { createForwardedReader } from '../http/middleware/forwarded/reader.ts';
import { carryError } from '../http/middleware/replay/index.ts';
import { SECURITY_HEADERS } from '../http/middleware/security-headers/index.ts';
import { sessionAnswerHeaders } from '../http/middleware/session/index.ts';
import { REQUEST_ID_HEADER, requestIdOf, runWithRequestId } from '../observability/request-id.ts';
import { inRequestSpan, tracingOn } from '../observability/tracing.ts';
import { callCustomerApi, MAX_GRAPHQL_BODY_BYTES } from './graphql.ts';

/**
 * The BFF's hot route, `POST <basePath>/api/customer/graphql`, answered on Node's own request and response. Web
 * `Request`/`Response`/`Headers` objects and Hono's layers cost the proxy several times the CPU of the
 * call itself (bench/README.md); this path does the same work with the same shared pieces — the CSRF
 * rule, the capped body read, the session lookup, `callCustomerApi`, the security and session headers —
 * and writes one plain answer.
 *
 * It answers only the successful call. Everything else goes to the Hono app (`hono`), unchanged:
 * a request it does not take (no `X-CSRF: 1`, plain http behind a trusted proxy) is handed over as it
 * came, and an error raised here travels with the request and is thrown inside Hono, so `toResponse`
 * stays the one place an error becomes an answer. The request id is kept on the request
 * (`requestIdOf`), so a request handed over is answered with the id it was logged and sent upstream with.
 *
 * @returns the Node request listener: the fast path first, Hono for the rest.
 */
export function withGraphqlFastPath(deps: AppDeps, hono: RequestListener): RequestListener {
  const { config, cookie, sessions } = deps;
  const path = `${config.basePath}/api/customer/graphql`;
  const readForwarded = createForwardedReader(config.trustProxy);
  const httpsOnly = new URL(config.appOrigin).protocol === 'https:';

  const takes = (request: IncomingMessage): boolean => {
    if (request.method !== 'POST') return false;
    const url = request.url ?? '';
    const query = url.indexOf('?');
    if ((query === -1 ? url : url.slice(0, query)) !== path) return false;
    if (!hasCsrfHeader(request.headers['x-csrf'])) return false;
    // Hono refuses (or redirects) plain http behind a trusted proxy; leave that to it.
    return !(httpsOnly && config.trustProxy !== null && readForwarded(request).forwardedProto === 'http');
  };

  const answer = async (request: IncomingMessage, response: ServerResponse, requestId: string): Promise<void> => {
    try {
      const bodyText = await readBodyWithin(request, MAX_GRAPHQL_BODY_BYTES);
      const sid = await cookie.readHeader(request.headers.cookie);
      const loaded = sid === null ? null : await sessions.load(sid);
      if (sid === null || loaded === null)
        throw new AppError('REAUTH_REQUIRED', 'no session', { reason: 'no_session' });
      const { answer, record } = await callCustomerApi(deps, { sid, record: loaded }, bodyText);
      response.writeHead(answer.status, {
        ...SECURITY_HEADERS,
        ...sessionAnswerHeaders(record),
        'content-type': answer.contentType,
        [REQUEST_ID_HEADER]: requestId,
      });
      response.end(answer.body);
      await sessions.touch(sid, record);
    } catch (error) {
      // Gone mid-upload: no one to answer. Hono logs it (at debug) like its own aborted requests.
      carryError(request, error);
      if (response.destroyed) return;
      await hono(request, response);
    }
  };

  return (request, response) => {
    if (takes(request)) {
      const requestId = requestIdOf(request);
      const run = () => answer(request, response, requestId);
      // Tracing off, the hot path builds nothing for a span it will not make.
      void runWithRequestId(
        requestId,
        tracingOn()
          ? () =>
              inRequestSpan(
                { method: 'POST', path, headers: request.headers, requestId, carrier: request },
                run,
                () => ({ status: response.statusCode, route: path }),
              )
          : run,
      );
    } else void hono(request, response);
  };
}
