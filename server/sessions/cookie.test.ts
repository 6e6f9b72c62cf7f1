import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../errors.ts';
import { cookieScope, cookieValue, createSessionCookie, newSessionId, sessionIdHash } from './cookie.ts';
import { createSealer } from './seal.ts';
import { PASSWORD_A, PASSWORD_B, flipInSealPart } from './store.conformance.ts';

const DAY_SECONDS = 86_400;

/**
 * A tiny app: `/login` writes a fresh sid, `/me` reads it back, `/logout` clears it. Everything goes
 * through `app.request()`, no socket.
 */
function harness(
  passwords = [PASSWORD_A],
  appOrigin = 'http://localhost:3000',
  nowMs: () => number = Date.now,
  basePath = '',
) {
  const sealer = createSealer(passwords, { nowMs });
  const cookie = createSessionCookie({ appOrigin, basePath, sealer, absoluteTimeoutSeconds: 30 * DAY_SECONDS });
  const app = new Hono();
  const sid = newSessionId();
  app.post('/login', async (c) => {
    await cookie.write(c, sid);
    return c.json({ ok: true });
  });
  app.get('/me', async (c) => c.json({ sid: await cookie.read(c) }));
  app.post('/logout', (c) => {
    cookie.clear(c);
    return c.body(null, 204);
  });
  const readWith = async (cookieHeader: string) => {
    const res = await app.request('/me', { headers: { cookie: cookieHeader } });
    return ((await res.json()) as { sid: string | null }).sid;
  };
  return { app, cookie, sid, readWith };
}

/** The `name=value` pair of the first Set-Cookie, as a browser would send it back. */
const cookiePair = (res: Response): string => {
  const [setCookie] = res.headers.getSetCookie();
  if (setCookie === undefined) throw new Error('no Set-Cookie');
  return setCookie.split(';')[0] ?? '';
};

const valueOf = (pair: string) => pair.slice(pair.indexOf('=') + 1);

async function loginPair(h: ReturnType<typeof harness>): Promise<string> {
  return cookiePair(await h.app.request('/login', { method: 'POST' }));
}

describe('session cookie', () => {
  it('writes a cookie that reads back as the same sid', async () => {
    const h = harness();
    const pair = await loginPair(h);
    expect(pair.startsWith('csess=Fe26.2*')).toBe(true);
    expect(pair).not.toContain(h.sid);
    expect(await h.readWith(pair)).toBe(h.sid);
  });

  it('reads null without a cookie, with an empty one, or with only other cookies', async () => {
    const h = harness();
    const res = await h.app.request('/me');
    expect(await res.json()).toEqual({ sid: null });
    expect(await h.readWith('csess=')).toBeNull();
    expect(await h.readWith('other=1; theme=dark')).toBeNull();
  });

  it('reads null for a tampered cookie (ciphertext or HMAC changed)', async () => {
    const h = harness();
    const value = valueOf(await loginPair(h));
    expect(await h.readWith(`csess=${flipInSealPart(value, 4)}`)).toBeNull();
    expect(await h.readWith(`csess=${flipInSealPart(value, 7)}`)).toBeNull();
  });

  it('reads null for a truncated cookie', async () => {
    const h = harness();
    const value = valueOf(await loginPair(h));
    expect(await h.readWith(`csess=${value.slice(0, -10)}`)).toBeNull();
    expect(await h.readWith(`csess=${value.slice(0, 40)}`)).toBeNull();
  });

  it('reads null for garbage and for an oversized value', async () => {
    const h = harness();
    expect(await h.readWith('csess=not-a-seal')).toBeNull();
    expect(await h.readWith(`csess=Fe26.2*${'A'.repeat(2_000)}`)).toBeNull();
  });

  it('reads null for a cookie whose sealed expiry has passed (cold read)', async () => {
    const h = harness();
    // iron tolerates 60 s of clock skew, so the seal must have expired longer ago than that.
    const pastSeal = await sealWithExpiry({ sid: h.sid }, Date.now() - 120_000);
    expect(await h.readWith(`csess=${pastSeal}`)).toBeNull();
  });

  it('reads null for a cookie past its lifetime even when it sits in the cache', async () => {
    let nowMs = Date.now();
    const h = harness([PASSWORD_A], 'http://localhost:3000', () => nowMs);
    const pair = await loginPair(h);
    expect(await h.readWith(pair)).toBe(h.sid);
    // Past the sealed expiry plus iron's 60 s skew, with a second to spare for the time the seal took.
    nowMs += 30 * DAY_SECONDS * 1_000 + 61_000;
    expect(await h.readWith(pair)).toBeNull();
  });

  it('reads null for a valid seal that does not hold a usable { sid }', async () => {
    const h = harness();
    const sealer = createSealer([PASSWORD_A]);
    for (const payload of [
      {},
      { sid: 42 },
      { sid: 'short' },
      { sid: 'has spaces and is long enough' },
      { user: 'x' },
    ]) {
      expect(await h.readWith(`csess=${await sealer.seal(payload)}`)).toBeNull();
    }
  });

  it('still reads a cookie sealed with an old password while it is listed', async () => {
    const before = harness([PASSWORD_A]);
    const pair = await loginPair(before);
    const rotated = harness([PASSWORD_B, PASSWORD_A]);
    expect(await rotated.readWith(pair)).toBe(before.sid);
    // New cookies are sealed with the new password: they read without the old one.
    const fresh = await loginPair(rotated);
    expect(await harness([PASSWORD_B]).readWith(fresh)).toBe(rotated.sid);
  });

  it('reads null for a cookie sealed with a password that was removed', async () => {
    const before = harness([PASSWORD_A]);
    const pair = await loginPair(before);
    expect(await harness([PASSWORD_B]).readWith(pair)).toBeNull();
  });

  it('is HttpOnly, SameSite=Lax, Path=/, Max-Age = absolute lifetime, not Secure, named csess on http localhost', async () => {
    const h = harness();
    const res = await h.app.request('/login', { method: 'POST' });
    const [setCookie] = res.headers.getSetCookie();
    expect(setCookie).toMatch(/^csess=/);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Lax');
    expect(setCookie).toContain('Path=/');
    expect(setCookie).toContain(`Max-Age=${30 * DAY_SECONDS}`);
    expect(setCookie).not.toContain('Secure');
    expect(setCookie).not.toContain('Domain');
  });

  it('is Secure and __Host- prefixed on an https origin, and reads back under that name', async () => {
    const h = harness([PASSWORD_A], 'https://shop.example.com');
    const res = await h.app.request('/login', { method: 'POST' });
    const [setCookie] = res.headers.getSetCookie();
    expect(setCookie).toMatch(/^__Host-csess=/);
    expect(setCookie).toContain('Secure');
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Lax');
    expect(setCookie).toContain('Path=/');
    expect(setCookie).not.toContain('Domain');
    expect(await h.readWith(cookiePair(res))).toBe(h.sid);
    // The plain name is not read on https: a cookie planted without Secure does not count.
    expect(await h.readWith(`csess=${valueOf(cookiePair(res))}`)).toBeNull();
  });

  it('under a base path on https: __Secure- prefixed (__Host- needs Path=/), Path=<basePath>', async () => {
    const h = harness([PASSWORD_A], 'https://shop.example.com', Date.now, '/account-session');
    expect(h.cookie.name).toBe('__Secure-csess');
    const res = await h.app.request('/login', { method: 'POST' });
    const [setCookie] = res.headers.getSetCookie();
    expect(setCookie).toMatch(/^__Secure-csess=Fe26\.2\*/);
    expect(setCookie).toContain('; Path=/account-session;');
    expect(setCookie).toContain('Secure');
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Lax');
    expect(setCookie).not.toContain('Domain');
    expect(await h.readWith(cookiePair(res))).toBe(h.sid);
    // Neither the root cookie's name nor the plain one is read under a base path.
    expect(await h.readWith(`__Host-csess=${valueOf(cookiePair(res))}`)).toBeNull();
    expect(await h.readWith(`csess=${valueOf(cookiePair(res))}`)).toBeNull();
    const [cleared] = (await h.app.request('/logout', { method: 'POST' })).headers.getSetCookie();
    expect(cleared).toMatch(/^__Secure-csess=;/);
    expect(cleared).toContain('Max-Age=0');
    expect(cleared).toContain('; Path=/account-session;');
  });

  it('under a base path on plain-http localhost: the plain name, Path=<basePath>', async () => {
    const h = harness([PASSWORD_A], 'http://localhost:3000', Date.now, '/account-session');
    const res = await h.app.request('/login', { method: 'POST' });
    const [setCookie] = res.headers.getSetCookie();
    expect(setCookie).toMatch(/^csess=/);
    expect(setCookie).toContain('; Path=/account-session;');
    expect(setCookie).not.toContain('Secure');
    expect(h.cookie.attributes.path).toBe('/account-session');
  });

  it('cookieScope: __Host- at the root on https, __Secure- under a base path, no prefix on http', () => {
    expect(cookieScope('c', true, '')).toEqual({ name: '__Host-c', path: '/' });
    expect(cookieScope('c', true, '/a/b')).toEqual({ name: '__Secure-c', path: '/a/b' });
    expect(cookieScope('c', false, '')).toEqual({ name: 'c', path: '/' });
    expect(cookieScope('c', false, '/a')).toEqual({ name: 'c', path: '/a' });
  });

  it('clear expires the cookie with the same attributes', async () => {
    const h = harness();
    const res = await h.app.request('/logout', { method: 'POST' });
    const [setCookie] = res.headers.getSetCookie();
    expect(setCookie).toMatch(/^csess=;/);
    expect(setCookie).toContain('Max-Age=0');
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Lax');
    expect(setCookie).toContain('Path=/');
  });

  it('keeps the Set-Cookie through c.redirect and c.text as well as c.json', async () => {
    const h = harness();
    h.app.get('/login-redirect', async (c) => {
      await h.cookie.write(c, h.sid);
      return c.redirect('/account');
    });
    h.app.get('/login-text', async (c) => {
      await h.cookie.write(c, h.sid);
      return c.text('ok');
    });
    const redirect = await h.app.request('/login-redirect');
    expect(redirect.status).toBe(302);
    expect(await h.readWith(cookiePair(redirect))).toBe(h.sid);
    expect(await h.readWith(cookiePair(await h.app.request('/login-text')))).toBe(h.sid);
  });

  it('documents the gotcha: a raw new Response() from the handler carries no Set-Cookie unless copied', async () => {
    const h = harness();
    h.app.get('/raw', async (c) => {
      await h.cookie.write(c, h.sid);
      return new Response('upstream body');
    });
    h.app.get('/raw-copied', async (c) => {
      await h.cookie.write(c, h.sid);
      const res = new Response('upstream body');
      for (const setCookie of c.res.headers.getSetCookie()) res.headers.append('set-cookie', setCookie);
      return res;
    });
    expect((await h.app.request('/raw')).headers.getSetCookie()).toEqual([]);
    expect(await h.readWith(cookiePair(await h.app.request('/raw-copied')))).toBe(h.sid);
  });

  it('rejects plain http off loopback and a non-URL origin at construction', () => {
    const sealer = createSealer([PASSWORD_A]);
    for (const appOrigin of ['http://shop.example.com', 'not a url']) {
      let error: unknown;
      try {
        createSessionCookie({ appOrigin, sealer, absoluteTimeoutSeconds: DAY_SECONDS });
      } catch (caught) {
        error = caught;
      }
      expect(isAppError(error, 'CONFIG')).toBe(true);
    }
  });
});

describe('session ids', () => {
  it('newSessionId gives 43 base64url characters (32 random bytes), different every time', () => {
    const ids = new Set(Array.from({ length: 1_000 }, newSessionId));
    expect(ids.size).toBe(1_000);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('sessionIdHash is a 12-hex-character prefix that does not contain the sid', () => {
    const sid = newSessionId();
    expect(sessionIdHash(sid)).toMatch(/^[0-9a-f]{12}$/);
    expect(sessionIdHash(sid)).toBe(sessionIdHash(sid));
    expect(sessionIdHash(sid)).not.toBe(sessionIdHash(newSessionId()));
  });
});

/** An iron seal with an explicit expiry in the past, made the way iron-webcrypto makes seals. */
async function sealWithExpiry(payload: object, expiresAtMs: number): Promise<string> {
  const { seal, defaults } = await import('iron-webcrypto');
  const sealer = createSealer([PASSWORD_A]);
  const [[id, secret]] = Object.entries(sealer.ironSealPasswords) as [[string, string]];
  const sealed = await seal(
    payload,
    { id, secret },
    { ...defaults, ttl: 1, localtimeOffsetMsec: expiresAtMs - 1 - Date.now() },
  );
  return `${sealed}~2`;
}

describe('cookieValue', () => {
  it('finds our cookie among others, the first when named twice, and nothing for a prefix or a bare name', () => {
    expect(cookieValue('a=1; csess=Fe26.2*x~2; b=2', 'csess')).toBe('Fe26.2*x~2');
    expect(cookieValue('csess=first;csess=second', 'csess')).toBe('first');
    expect(cookieValue('csess_login=abc; xcsess=1', 'csess')).toBeNull();
    expect(cookieValue('csess; csess=', 'csess')).toBeNull();
    expect(cookieValue(undefined, 'csess')).toBeNull();
    expect(cookieValue('__Host-csess=v', '__Host-csess')).toBe('v');
  });
});
