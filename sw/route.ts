/**
 * Routing decides *whether* the SW answers a request; handlers decide *how*. Anything not matched
 * here gets no `respondWith`: the browser handles it exactly as without a SW.
 */
import { BFF_GRAPHQL_PATH } from '../client/core/policy.ts';

export type Route = 'customer-api' | 'shell' | null;

export interface RouteRequest {
  readonly method: string;
  readonly url: URL;
  readonly mode: RequestMode;
}

export interface RouteContext {
  /** The SW's own origin (the BFF's). */
  readonly origin: string;
  /** The store's real Customer Account API GraphQL URL, from the SW's config. */
  readonly graphqlApiUrl: URL | null;
  /** Same-origin paths of the precached app shell (pages and built assets). */
  readonly shellPaths: ReadonlySet<string>;
  /** The SW's `navigator.onLine`: the shell is served from cache only when offline. */
  readonly online: boolean;
}

/**
 * `customer-api`: a `POST` (not a navigation) to the BFF's GraphQL path or to the store's real
 * Customer Account API URL. `shell`: a `GET` of a precached shell path while offline. Else `null`.
 */
export function matchRoute(request: RouteRequest, context: RouteContext): Route {
  const { url } = request;
  if (request.method === 'POST' && request.mode !== 'navigate') {
    if (url.origin === context.origin && url.pathname === BFF_GRAPHQL_PATH) return 'customer-api';
    const api = context.graphqlApiUrl;
    if (api !== null && url.origin === api.origin && url.pathname === api.pathname) return 'customer-api';
    return null;
  }
  if (
    request.method === 'GET' &&
    !context.online &&
    url.origin === context.origin &&
    context.shellPaths.has(url.pathname)
  ) {
    return 'shell';
  }
  return null;
}

/**
 * Whether a customer API call matched above may go to the network untouched (no `respondWith`): a call
 * to the BFF itself that already carries `X-CSRF: 1`, while the session is known to be fresh. Nothing is
 * left for the SW to do for it, and answering it through the SW would cost every call a second fetch
 * and the answer's trip through the worker. The page that made it observes the answer (`query()` in
 * `client/lib`). Calls to Shopify's real URL always go through the SW, which sends them to the BFF.
 */
export function goesStraight(
  request: { url: URL; csrfHeader: string | null },
  context: Pick<RouteContext, 'origin'>,
  sessionFresh: boolean,
): boolean {
  return (
    sessionFresh &&
    request.csrfHeader === '1' &&
    request.url.origin === context.origin &&
    request.url.pathname === BFF_GRAPHQL_PATH
  );
}
