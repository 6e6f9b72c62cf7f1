import { Hono } from 'hono';
import type { AppDeps } from '../deps.ts';
import { MAX_GRAPHQL_BODY_BYTES } from '../api/graphql.ts';
import type { AppEnv } from '../http/env.ts';
import { bodyLimit } from '../http/middleware/body-limit/index.ts';
import { csrfHeader } from '../http/middleware/csrf-header/index.ts';
import { session } from '../http/middleware/session/index.ts';
import type { StorefrontApi } from '../shopify/storefront.ts';
import { buyerIdentityHandler, storefrontGraphqlHandler } from './handlers.ts';

/** The cart routes below the base path, mounted only with a Storefront API token (`config.storefrontApi`). */
export const STOREFRONT_GRAPHQL_ROUTE = '/api/storefront/graphql';
export const BUYER_IDENTITY_ROUTE = '/api/cart/buyer-identity';

/**
 * `POST /api/storefront/graphql` (no session needed: carts start signed out) and
 * `POST /api/cart/buyer-identity` (a live session), both behind the CSRF header and a capped body.
 * Middleware on the routes themselves, as in `api/routes.ts`.
 */
export function cartRoutes(deps: AppDeps, storefront: StorefrontApi): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post(
    STOREFRONT_GRAPHQL_ROUTE,
    csrfHeader(),
    bodyLimit(MAX_GRAPHQL_BODY_BYTES),
    storefrontGraphqlHandler(storefront),
  );
  app.post(
    BUYER_IDENTITY_ROUTE,
    csrfHeader(),
    bodyLimit(1024),
    session({ cookie: deps.cookie, sessions: deps.sessions, required: true }),
    buyerIdentityHandler(deps, storefront),
  );
  return app;
}
