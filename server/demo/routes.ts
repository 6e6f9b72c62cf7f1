import { Hono } from 'hono';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../http/env.ts';
import { bodyLimit } from '../http/middleware/body-limit/index.ts';
import { csrfHeader } from '../http/middleware/csrf-header/index.ts';
import { session } from '../http/middleware/session/index.ts';
import { demoHandlers } from './handlers.ts';

/** Emulator mode only: `POST /demo/expire-soon`, `/demo/revoke`, `/demo/outage`, for the signed-in customer. */
export function demoRoutes(deps: AppDeps, emulatorAdminOrigin: string): Hono<AppEnv> {
  const { expireSoon, revoke, outage } = demoHandlers(deps, emulatorAdminOrigin);
  const app = new Hono<AppEnv>();
  app.use(
    '*',
    csrfHeader(),
    bodyLimit(1024),
    session({ cookie: deps.cookie, sessions: deps.sessions, required: true }),
  );
  app.post('/expire-soon', expireSoon);
  app.post('/revoke', revoke);
  app.post('/outage', outage);
  return app;
}
