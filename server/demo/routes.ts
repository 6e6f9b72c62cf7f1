import { Hono } from 'hono';
import { AppError } from '../errors.ts';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../http/env.ts';
import { limitBody, readJsonObject, requireCsrfHeader, sessionReader } from '../api/guards.ts';

/**
 * Emulator mode only: the demo panel's buttons. The BFF reaches the emulator's admin API over HTTP,
 * exactly as everything else, and only for the signed-in customer's own session.
 */
export function demoRoutes(deps: AppDeps, emulatorAdminOrigin: string): Hono<AppEnv> {
  const { cookie, sessions, store, config, now } = deps;
  const app = new Hono<AppEnv>();
  app.use('*', requireCsrfHeader(), limitBody(1024));

  const currentSession = sessionReader(cookie, sessions);

  const admin = async (path: string, body: unknown): Promise<void> => {
    const response = await fetch(`${emulatorAdminOrigin}/__emulator${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new AppError('UPSTREAM_UNAVAILABLE', `emulator admin ${path} answered ${response.status}`);
  };

  // Moves the session's expiry inside the refresh buffer (half of it remains), so the next call refreshes.
  app.post('/expire-soon', async (c) => {
    const { sid, record } = await currentSession(c);
    const expiresAtMs = now() + (config.refreshBufferSeconds * 1000) / 2;
    const stored = await store.compareAndSet(sid, record.version, { ...record, expiresAtMs });
    if (stored === null) throw new AppError('REAUTH_REQUIRED', 'session changed');
    c.header('X-Session-Expires-At', String(stored.expiresAtMs));
    return c.json({ expiresAt: stored.expiresAtMs });
  });

  app.post('/revoke', async (c) => {
    const { record } = await currentSession(c);
    if (record.email === null) throw new AppError('BAD_REQUEST', 'this session has no e-mail to revoke');
    await admin(`/customers/${encodeURIComponent(record.email)}/revoke`, {});
    return c.json({ revoked: true });
  });

  app.post('/outage', async (c) => {
    await currentSession(c);
    const { count: asked } = await readJsonObject(c, { emptyIsObject: true });
    const count = typeof asked === 'number' && Number.isInteger(asked) && asked > 0 && asked <= 100 ? asked : 5;
    await admin('/faults', { endpoint: 'token', kind: 'status', status: 503, count });
    return c.json({ count });
  });

  return app;
}
