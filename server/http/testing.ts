import { Hono, type MiddlewareHandler } from 'hono';
import { isAppError } from '../errors.ts';
import type { AppEnv } from './env.ts';

/**
 * An app with `middleware` in front of one handler that answers 200 `ok`: what a middleware test needs.
 * A thrown AppError is answered `599 { code }`, so a test sees exactly which code was raised.
 */
export function appWith(...middleware: MiddlewareHandler<AppEnv>[]): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  for (const handler of middleware) app.use('*', handler);
  app.all('*', (c) => c.text('ok'));
  app.onError(
    (error) =>
      new Response(JSON.stringify({ code: isAppError(error) ? error.code : 'not an AppError' }), {
        status: 599,
        headers: { 'content-type': 'application/json' },
      }),
  );
  return app;
}
