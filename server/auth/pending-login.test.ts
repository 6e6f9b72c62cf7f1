import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createSealer } from '../sessions/seal.ts';
import { PASSWORD_A } from '../sessions/store.conformance.ts';
import type { PendingLogin } from '../sessions/types.ts';
import { createPendingLogins } from './pending-login.ts';

const LOGIN: PendingLogin = {
  codeVerifier: 'v'.repeat(43),
  nonce: 'n'.repeat(22),
  returnTo: '/account',
  createdAtMs: 0,
};

/** `/start` writes an attempt for state `s1`, `/callback` takes it back. */
function harness(secure: boolean, basePath?: string) {
  const pending = createPendingLogins({ sealer: createSealer([PASSWORD_A]), secure, basePath, nowMs: () => 1_000 });
  const app = new Hono();
  app.get('/start', async (c) => {
    await pending.write(c, 's1', { ...LOGIN, createdAtMs: 1_000 });
    return c.body(null, 204);
  });
  app.get('/callback', async (c) => c.json(await pending.take(c, 's1')));
  return app;
}

describe('pending sign-in cookies', () => {
  it.each([
    [true, undefined, /^__Host-csess_login_[0-9a-f]{16}=/, 'Path=/;'],
    [true, '/account-session', /^__Secure-csess_login_[0-9a-f]{16}=/, 'Path=/account-session;'],
    [false, '/account-session', /^csess_login_[0-9a-f]{16}=/, 'Path=/account-session;'],
  ])('secure=%s basePath=%s: named and scoped like the session cookie', async (secure, basePath, name, path) => {
    const app = harness(secure, basePath);
    const [written] = (await app.request('/start')).headers.getSetCookie();
    expect(written).toMatch(name);
    expect(written).toContain(`; ${path}`);
    expect(written).toContain('HttpOnly');
    // The callback finds it and clears it with the same name and Path.
    const pair = written!.split(';')[0]!;
    const taken = await app.request('/callback', { headers: { cookie: pair } });
    expect(await taken.json()).toEqual({ ...LOGIN, createdAtMs: 1_000 });
    const [cleared] = taken.headers.getSetCookie();
    expect(cleared).toMatch(new RegExp(`^${pair.slice(0, pair.indexOf('='))}=;`));
    expect(cleared).toContain(`; ${path}`);
    expect(cleared).toContain('Max-Age=0');
  });
});
