import { Hono } from 'hono';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../http/env.ts';
import { bearerAuth } from '../http/middleware/bearer-auth/index.ts';
import { noStore } from '../http/middleware/no-store/index.ts';
import { adminHandlers } from './handlers.ts';

/** The admin API's root below the base path: a storefront's own `/admin/*` pages stay its own. */
export const ADMIN_ROUTE = '/admin/customers';

/**
 * `/admin/customers/:customerId/sessions[/:id]`, behind `Authorization: Bearer <ADMIN_TOKEN>`. Mounted at
 * `<basePath>/admin/customers`, so that its guard covers no path of the host's (see api/routes.ts).
 */
export function adminRoutes(deps: AppDeps, adminToken: string): Hono<AppEnv> {
  const { list, revokeOne, revokeAll } = adminHandlers(deps);
  const app = new Hono<AppEnv>();
  app.use('*', bearerAuth(adminToken), noStore());
  app.get('/:customerId/sessions', list);
  app.delete('/:customerId/sessions', revokeAll);
  app.delete('/:customerId/sessions/:id', revokeOne);
  return app;
}
