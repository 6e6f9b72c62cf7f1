import { Hono } from 'hono';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../http/env.ts';
import { bodyLimit } from '../http/middleware/body-limit/index.ts';
import { csrfHeader } from '../http/middleware/csrf-header/index.ts';
import { session } from '../http/middleware/session/index.ts';
import { graphqlHandler, MAX_GRAPHQL_BODY_BYTES, refreshHandler } from './graphql.ts';

/** The proxy's path below the base path. */
export const BFF_GRAPHQL_ROUTE = '/api/customer/graphql';

/**
 * `POST /api/customer/graphql` and `POST /auth/refresh`: the CSRF header, a capped body, a live session.
 * Middleware sits on the routes themselves, never on `*`: mounted in a storefront's Hono app at the
 * root, a `use('*')` here would cover the host's own `/api/*` routes too.
 */
export function apiRoutes(deps: AppDeps): { api: Hono<AppEnv>; refresh: Hono<AppEnv> } {
  const liveSession = session({ cookie: deps.cookie, sessions: deps.sessions, required: true });

  const api = new Hono<AppEnv>();
  api.post('/customer/graphql', csrfHeader(), bodyLimit(MAX_GRAPHQL_BODY_BYTES), liveSession, graphqlHandler(deps));

  const refresh = new Hono<AppEnv>();
  refresh.post('/', csrfHeader(), bodyLimit(1024), liveSession, refreshHandler(deps));

  return { api, refresh };
}
