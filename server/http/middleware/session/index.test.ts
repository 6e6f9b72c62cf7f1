import { describe, expect, it } from 'vitest';
import type { SessionCookie } from '../../../sessions/cookie.ts';
import type { SessionService } from '../../../sessions/session-service.ts';
import type { SessionRecord } from '../../../sessions/types.ts';
import { appWith } from '../../testing.ts';
import { liveSession, session, updateSession } from './index.ts';

const record = (expiresAtMs: number): SessionRecord => ({
  accessToken: 'shcat_x',
  refreshToken: 'shcrt_x',
  idToken: 'eyJ.x.y',
  expiresAtMs,
  customerId: 'gid://shopify/Customer/1',
  email: null,
  version: 1,
  createdAtMs: 0,
  lastSeenAtMs: 0,
});

/** The cookie says `sid` (or nothing); the service knows `records`; touches and clears are counted. */
function parts(sid: string | null, records: Record<string, SessionRecord>) {
  const touched: Array<[string, number]> = [];
  let cleared = 0;
  const cookie = { read: async () => sid, clear: () => void (cleared += 1) } as unknown as SessionCookie;
  const sessions: SessionService = {
    load: async (id) => records[id] ?? null,
    touch: async (id, r) => void touched.push([id, r.expiresAtMs]),
    end: async () => 'deleted',
  };
  return { cookie, sessions, touched, cleared: () => cleared };
}

describe('session middleware', () => {
  it('puts the live session in c.var.session; after the handler: one touch, the expiry header, no-store', async () => {
    const p = parts('sid-1', { 'sid-1': record(1_000) });
    const app = appWith(session({ ...p, required: true }), async (c, next) => {
      expect(liveSession(c).record.expiresAtMs).toBe(1_000);
      await next();
    });
    const response = await app.request('/');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-session-expires-at')).toBe('1000');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(p.touched).toEqual([['sid-1', 1_000]]);
  });

  it('stamps the record the handler left (after a refresh), not the one it read', async () => {
    const p = parts('sid-1', { 'sid-1': record(1_000) });
    const app = appWith(session({ ...p, required: true }), async (c, next) => {
      updateSession(c, { sid: 'sid-1', record: record(9_000) });
      await next();
    });
    expect((await app.request('/')).headers.get('x-session-expires-at')).toBe('9000');
    expect(p.touched).toEqual([['sid-1', 9_000]]);
  });

  it('required: no cookie, or a cookie whose session is gone, is REAUTH_REQUIRED before the handler', async () => {
    for (const p of [parts(null, {}), parts('sid-gone', {})]) {
      const response = await appWith(session({ ...p, required: true })).request('/');
      expect([response.status, await response.json()]).toEqual([599, { code: 'REAUTH_REQUIRED' }]);
      expect(p.touched).toEqual([]);
    }
  });

  it('optional: null session, no expiry header, and a stale cookie is cleared', async () => {
    const p = parts('sid-gone', {});
    const app = appWith(session({ ...p, required: false }), async (c, next) => {
      expect(c.get('session')).toBeNull();
      await next();
    });
    const response = await app.request('/');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-session-expires-at')).toBeNull();
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(p.cleared()).toBe(1);
  });

  it('a handler that failed gets no touch', async () => {
    const p = parts('sid-1', { 'sid-1': record(1_000) });
    const app = appWith(session({ ...p, required: true }), () => {
      throw new Error('boom');
    });
    const response = await app.request('/');
    expect(response.status).toBe(599);
    expect(p.touched).toEqual([]);
  });
});
