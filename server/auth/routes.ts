import { Hono } from 'hono';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../http/env.ts';
import { rateLimit } from '../http/middleware/rate-limit/index.ts';
import { sameOrigin } from '../http/middleware/same-origin/index.ts';
import { session } from '../http/middleware/session/index.ts';
import { callbackHandler, loginHandler, logoutHandler, sessionViewHandler } from './handlers.ts';

/** `/auth/login`, `/auth/callback`, `/auth/logout`, `/auth/session`. */
export function authRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/login', rateLimit(deps.loginLimiter), loginHandler(deps));
  app.get('/callback', callbackHandler(deps));
  app.post('/logout', sameOrigin(deps.config.appOrigin), logoutHandler(deps));
  app.get(
    '/session',
    session({ cookie: deps.cookie, sessions: deps.sessions, required: false }),
    sessionViewHandler(deps),
  );
  return app;
}
