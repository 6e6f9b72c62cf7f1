/**
 * Routing decides *whether* the SW answers a request; handlers decide *how*. Anything not matched
 * here gets no `respondWith`: the browser handles it exactly as without a SW (or as the storefront's
 * own SW routes decide, when `installCustomerSession` runs inside one).
 */

export type Route = 'customer-api' | 'shell' | null;

export interface RouteRequest {
  readonly method: string;
  readonly url: URL;
  readonly mode: RequestMode;
}

/** What the customer API route needs to know (`installCustomerSession`). */
export interface CustomerApiContext {
  /** The SW's own origin (the BFF's). */
  readonly origin: string;
  /** The BFF's GraphQL path on that origin (`bffPaths(basePath).graphql`). */
  readonly graphqlPath: string;
  /** The store's real Customer Account API GraphQL URL, from the SW's config. */
  readonly graphqlApiUrl: URL | null;
}

/** What the offline shell route needs to know (the ready-made SW, main.ts). */
export interface ShellContext {
  readonly origin: string;
  /** Same-origin paths of the precached app shell (pages and built assets). */
  readonly shellPaths: ReadonlySet<string>;
  /** The SW's `navigator.onLine`: the shell is served from cache only when offline. */
  readonly online: boolean;
}

export type RouteContext = CustomerApiContext & ShellContext;

/**
 * A customer API call: a `POST` (not a navigation) to the BFF's GraphQL path or to the store's real
 * Customer Account API URL.
 */
export function isCustomerApiCall(request: RouteRequest, context: CustomerApiContext): boolean {
  const { url } = request;
  if (request.method !== 'POST' || request.mode === 'navigate') return false;
  if (url.origin === context.origin && url.pathname === context.graphqlPath) return true;
  const api = context.graphqlApiUrl;
  return api !== null && url.origin === api.origin && url.pathname === api.pathname;
}

/** A `GET` of a precached shell path while offline. */
export function isShellRequest(request: RouteRequest, context: ShellContext): boolean {
  const { url } = request;
  return (
    request.method === 'GET' && !context.online && url.origin === context.origin && context.shellPaths.has(url.pathname)
  );
}

/** `customer-api` (see `isCustomerApiCall`), `shell` (see `isShellRequest`), else `null`. */
export function matchRoute(request: RouteRequest, context: RouteContext): Route {
  if (isCustomerApiCall(request, context)) return 'customer-api';
  if (isShellRequest(request, context)) return 'shell';
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
  context: Pick<CustomerApiContext, 'origin' | 'graphqlPath'>,
  sessionFresh: boolean,
): boolean {
  return (
    sessionFresh &&
    request.csrfHeader === '1' &&
    request.url.origin === context.origin &&
    request.url.pathname === context.graphqlPath
  );
}
