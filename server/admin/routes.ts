import { Hono } from 'hono';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../http/env.ts';
import { bearerAuth } from '../http/middleware/bearer-auth/index.ts';
import { noStore } from '../http/middleware/no-store/index.ts';
import { adminHandlers } from './handlers.ts';

/** `/admin/customers/:customerId/sessions[/:id]`, behind `Authorization: Bearer <ADMIN_TOKEN>`. */
export function adminRoutes(deps: AppDeps, adminToken: string): Hono<AppEnv> {
  const { list, revokeOne, revokeAll } = adminHandlers(deps);
  const app = new Hono<AppEnv>();
  app.use('*', bearerAuth(adminToken), noStore());
  app.get('/customers/:customerId/sessions', list);
  app.delete('/customers/:customerId/sessions', revokeAll);
  app.delete('/customers/:customerId/sessions/:id', revokeOne);
  return app;
}
