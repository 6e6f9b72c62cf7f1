import type { Handler } from 'hono';
import type { AppDeps } from '../deps.ts';
import { AppError } from '../errors.ts';
import type { AppEnv } from '../http/env.ts';
import { readJsonObject } from '../http/json-body.ts';
import { liveSession, updateSession } from '../http/middleware/session/index.ts';

/**
 * Emulator mode only: the demo panel's buttons. The BFF reaches the emulator's admin API over HTTP,
 * exactly as everything else, and only for the signed-in customer's own session.
 */
export function demoHandlers(deps: AppDeps, emulatorAdminOrigin: string) {
  const { store, config, now } = deps;

  const admin = async (path: string, body: unknown): Promise<void> => {
    const response = await fetch(`${emulatorAdminOrigin}/__emulator${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) {
      throw new AppError('UPSTREAM_UNAVAILABLE', `emulator admin ${path} answered ${response.status}`, {
        retryAfterSeconds: 5,
      });
    }
  };

  /** Moves the session's expiry inside the refresh buffer (half of it remains), so the next call refreshes. */
  const expireSoon: Handler<AppEnv> = async (c) => {
    const { sid, record } = liveSession(c);
    const expiresAtMs = now() + (config.refreshBufferSeconds * 1000) / 2;
    const stored = await store.compareAndSet(sid, record.version, { ...record, expiresAtMs });
    if (stored === null) throw new AppError('REAUTH_REQUIRED', 'session changed', { reason: 'session_changed' });
    updateSession(c, { sid, record: stored });
    return c.json({ expiresAt: stored.expiresAtMs });
  };

  /** Revokes every grant of the signed-in customer at the emulator: the next refresh is a dead grant. */
  const revoke: Handler<AppEnv> = async (c) => {
    const { record } = liveSession(c);
    if (record.email === null) throw new AppError('BAD_REQUEST', 'this session has no e-mail to revoke');
    await admin(`/customers/${encodeURIComponent(record.email)}/revoke`, {});
    return c.json({ revoked: true });
  };

  /** The next `count` (default 5, at most 100) token calls answer 503. */
  const outage: Handler<AppEnv> = async (c) => {
    const { count: asked } = await readJsonObject(c, { emptyIsObject: true });
    const count = typeof asked === 'number' && Number.isInteger(asked) && asked > 0 && asked <= 100 ? asked : 5;
    await admin('/faults', { endpoint: 'token', kind: 'status', status: 503, count });
    return c.json({ count });
  };

  return { expireSoon, revoke, outage };
}
