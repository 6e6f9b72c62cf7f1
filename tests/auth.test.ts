import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBrowser, type Browser } from './helpers/browser.ts';
import { CUSTOMER_QUERY, freePort, graphql, OLD_PASSWORD, PASSWORD, startStack, type Stack } from './helpers/stack.ts';
import { startTamperingIssuer } from './helpers/tampering-issuer.ts';
import { expectNoSecrets, sessionCookiesSet, sessionOf, sidOf } from './helpers/session-support.ts';

const session = (browser: Browser, stack: Stack) => sessionOf(browser, stack.appOrigin);

/**
 * No token, code, id_token or session id reached this browser from the BFF or any log line; the one
 * place an id_token may go is the sign-out redirect to Shopify's end-session endpoint.
 */
async function expectNothingLeaked(browser: Browser, stack: Stack): Promise<void> {
  const cookies = sessionCookiesSet(browser.seen);
  const sids = await Promise.all(cookies.map(sidOf));
  expect(sids.length).toBeGreaterThan(0);
  expectNoSecrets({
    appOrigins: [stack.appOrigin],
    endSessionOrigin: stack.emulator.url,
    seen: browser.seen,
    logLines: stack.logs.lines,
    sids,
    cookies,
  });
}

describe.each(['public', 'confidential'] as const)('sign-in and sign-out with a %s client', (clientType) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ clientType });
  });
  afterAll(() => stack.close());

  it('lands on returnTo with a session, and sign-out ends it at Shopify too', async () => {
    const browser = createBrowser();
    const landed = await stack.signIn(browser, 'alice@example.com', '/account?tab=orders');
    expect(landed.url.href).toBe(`${stack.appOrigin}/account?tab=orders`);
    // The attempt's cookie went with its use; only the session's is left.
    const cookie = [...browser.cookies(stack.appOrigin).keys()];
    expect(cookie).toEqual(['csess']);

    const signedIn = await session(browser, stack);
    expect(signedIn).toMatchObject({ authenticated: true, customer: { email: 'alice@example.com' } });
    expect(signedIn.customer!.id).toMatch(/^gid:\/\/shopify\/Customer\/\d+$/);
    expect(signedIn.expiresAt).toBeGreaterThan(Date.now() + 3000_000);
    const data = await graphql(browser, stack.appOrigin, CUSTOMER_QUERY);
    expect(await data.json()).toMatchObject({ data: { customer: { displayName: 'Alice Liddell' } } });

    const logout = await browser.request(`${stack.appOrigin}/auth/logout`, {
      method: 'POST',
      headers: { origin: stack.appOrigin },
    });
    expect(logout.status).toBe(303);
    const endSession = new URL(logout.headers.get('location')!);
    expect(endSession.origin + endSession.pathname).toBe(
      `${stack.emulator.url}/authentication/${stack.emulator.shopId}/logout`,
    );
    expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${stack.appOrigin}/`);
    const back = await browser.navigate(endSession.href, { stopAt: (url) => url.origin === stack.appOrigin });
    expect(back.url.href).toBe(`${stack.appOrigin}/`);

    expect(browser.cookies(stack.appOrigin).has('csess')).toBe(false);
    expect(await session(browser, stack)).toMatchObject({ authenticated: false, customer: null, expiresAt: null });
    expect((await graphql(browser, stack.appOrigin)).status).toBe(401);
    expect(stack.logs.events().map((e) => e.event)).toEqual(
      expect.arrayContaining(['auth.login.succeeded', 'auth.logout']),
    );
    await expectNothingLeaked(browser, stack);
  });
});

describe('sign-in failures', () => {
  let stack: Stack;
  let browser: Browser;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  /** Runs the sign-in up to (not into) the BFF callback and returns the callback URL. */
  async function callbackUrl(b: Browser, returnTo = '/account'): Promise<URL> {
    const query = new URLSearchParams({ returnTo, login_hint: 'alice@example.com', login_hint_mode: 'submit' });
    const stop = await b.navigate(`${stack.appOrigin}/auth/login?${query}`, {
      stopAt: (url) => url.pathname === '/auth/callback',
    });
    return stop.url;
  }

  const expectFailurePage = async (response: Response, status: number, text: RegExp) => {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    const body = await response.text();
    expect(body).toMatch(text);
    expect(body).toContain('Sign in again');
  };

  it.each([
    ['missing state', (url: URL) => url.searchParams.delete('state')],
    ['wrong state', (url: URL) => url.searchParams.set('state', 'not-the-state-we-issued')],
  ])('refuses a callback with %s and stores nothing', async (_name, mangle) => {
    browser = createBrowser();
    const url = await callbackUrl(browser);
    mangle(url);
    await expectFailurePage(await browser.request(url.href), 400, /expired or was already used/);
    expect(browser.cookies(stack.appOrigin).has('csess')).toBe(false);
    expect(stack.logs.events().some((e) => e.event === 'auth.login.failed' && e.reason === 'unknown_state')).toBe(true);
  });

  it('refuses a replayed callback (state is one-time) and keeps the first session', async () => {
    browser = createBrowser();
    const url = await callbackUrl(browser);
    expect((await browser.request(url.href)).status).toBe(302);
    const cookieAfterFirst = browser.cookies(stack.appOrigin).get('csess');
    await expectFailurePage(await browser.request(url.href), 400, /expired or was already used/);
    expect(browser.cookies(stack.appOrigin).get('csess')).toBe(cookieAfterFirst);
    expect((await session(browser, stack)).authenticated).toBe(true);
  });

  it('refuses a callback opened in a browser other than the one that started the sign-in (login CSRF)', async () => {
    const attacker = createBrowser();
    const url = await callbackUrl(attacker); // the attacker's own code and state
    const victim = createBrowser();
    await expectFailurePage(await victim.request(url.href), 400, /expired or was already used/);
    expect(victim.cookies(stack.appOrigin).has('csess')).toBe(false);
    // The attacker's own attempt is untouched by the victim's failed one.
    expect((await attacker.request(url.href)).status).toBe(302);
  });

  it('refuses a replayed code under a fresh state', async () => {
    browser = createBrowser();
    const first = await callbackUrl(browser);
    expect((await browser.request(first.href)).status).toBe(302);
    const attacker = createBrowser();
    const second = await callbackUrl(attacker);
    second.searchParams.set('code', first.searchParams.get('code')!);
    await expectFailurePage(await attacker.request(second.href), 400, /refused the sign-in code/);
    expect(attacker.cookies(stack.appOrigin).has('csess')).toBe(false);
    expect(stack.logs.events().some((e) => e.event === 'auth.login.failed' && e.error === 'invalid_grant')).toBe(true);
  });

  it('shows Shopify declining the sign-in', async () => {
    browser = createBrowser();
    const url = await callbackUrl(browser);
    url.searchParams.delete('code');
    url.searchParams.set('error', 'access_denied');
    await expectFailurePage(await browser.request(url.href), 400, /declined/);
    expect(browser.cookies(stack.appOrigin).has('csess')).toBe(false);
  });

  it.each([
    [400, { error: 'invalid_grant' }, 400],
    [500, 'Internal Server Error', 502],
    // Shopify's transient answers (as at a refresh): busy, not the customer's mistake.
    [429, 'Too Many Requests', 503],
    [401, { error: '' }, 503],
  ])('turns a token endpoint %i at code exchange into a clear page (%j)', async (status, body, pageStatus) => {
    browser = createBrowser();
    const url = await callbackUrl(browser);
    await stack.fault({ endpoint: 'token', kind: 'status', status, body });
    const page = await browser.request(url.href);
    expect(page.headers.get('retry-after')).toBe(pageStatus === 503 ? '5' : null);
    await expectFailurePage(page, pageStatus, /Shopify/);
    expect(browser.cookies(stack.appOrigin).has('csess')).toBe(false);
  });

  it.each([
    '//evil.example',
    'https://evil.example/steal',
    '/\\evil.example',
    '%2F%2Fevil.example',
    '/%2F%2Fevil.example',
    '/.//evil.example',
    'javascript:alert(1)',
  ])('never redirects off-site after sign-in (returnTo=%s)', async (returnTo) => {
    browser = createBrowser();
    const landed = await stack.signIn(browser, 'alice@example.com', returnTo);
    expect(landed.url.href).toBe(`${stack.appOrigin}/`);
  });

  it('lets two tabs of one browser sign in at once', async () => {
    browser = createBrowser();
    const [tabA, tabB] = [await callbackUrl(browser, '/a'), await callbackUrl(browser, '/b')];
    const [a, b] = await Promise.all([browser.request(tabA.href), browser.request(tabB.href)]);
    expect([a.status, b.status]).toEqual([302, 302]);
    expect([a.headers.get('location'), b.headers.get('location')]).toEqual(['/a', '/b']);
    expect((await session(browser, stack)).authenticated).toBe(true);
  });

  it('treats tampered, truncated and foreign cookies as no session', async () => {
    browser = createBrowser();
    await stack.signIn(browser, 'alice@example.com');
    const good = browser.cookies(stack.appOrigin).get('csess')!;
    const flipped = good.slice(0, 60) + (good[60] === 'A' ? 'B' : 'A') + good.slice(61);
    for (const bad of [flipped, good.slice(0, good.length - 10), 'Fe26.2**garbage', 'x'.repeat(5000), '%%%']) {
      const other = createBrowser();
      other.setCookie(stack.appOrigin, 'csess', bad);
      expect(await session(other, stack)).toMatchObject({ authenticated: false });
      const api = await graphql(other, stack.appOrigin);
      expect(api.status).toBe(401);
      expect(await api.json()).toMatchObject({ error: 'reauth_required' });
    }
    expect((await session(browser, stack)).authenticated).toBe(true);
  });

  it('requires a same-origin sign-out', async () => {
    browser = createBrowser();
    await stack.signIn(browser, 'alice@example.com');
    const crossSite = await browser.request(`${stack.appOrigin}/auth/logout`, {
      method: 'POST',
      headers: { origin: 'https://evil.example' },
    });
    expect(crossSite.status).toBe(403);
    const noOrigin = await browser.request(`${stack.appOrigin}/auth/logout`, { method: 'POST' });
    expect(noOrigin.status).toBe(403);
    expect((await session(browser, stack)).authenticated).toBe(true);
  });

  it('never shows a token, code, id_token or session id to the browser or the log', async () => {
    await expectNothingLeaked(browser, stack);
  });
});

describe('the id_token is checked', () => {
  let stack: Stack;
  let issuer: Awaited<ReturnType<typeof startTamperingIssuer>>;
  beforeAll(async () => {
    stack = await startStack();
    issuer = await startTamperingIssuer(stack.emulator.url);
    await stack.restartBff({ storefrontOrigin: issuer.url });
  });
  afterAll(async () => {
    await stack.close();
    await issuer.close();
  });

  it('accepts an untouched token re-signed with the published key (the harness is sound)', async () => {
    issuer.setTamper((claims) => claims);
    issuer.setForgeSignature(false);
    const browser = createBrowser();
    expect((await stack.signIn(browser, 'bob@example.com')).url.pathname).toBe('/account');
    expect((await session(browser, stack)).customer?.email).toBe('bob@example.com');
  });

  it.each([
    ['a wrong nonce', { tamper: (c: Record<string, unknown>) => ({ ...c, nonce: 'replayed-nonce' }) }],
    ['a wrong audience', { tamper: (c: Record<string, unknown>) => ({ ...c, aud: 'someone-else' }) }],
    [
      'a wrong issuer',
      { tamper: (c: Record<string, unknown>) => ({ ...c, iss: 'https://shopify.com/authentication/1' }) },
    ],
    [
      'an expired token',
      { tamper: (c: Record<string, unknown>) => ({ ...c, exp: Math.floor(Date.now() / 1000) - 3600 }) },
    ],
    ['a forged signature', { forge: true }],
  ])(
    'refuses %s',
    async (
      _name,
      { tamper, forge }: { tamper?: (c: Record<string, unknown>) => Record<string, unknown>; forge?: boolean },
    ) => {
      issuer.setTamper(tamper ?? ((claims) => claims));
      issuer.setForgeSignature(forge ?? false);
      const browser = createBrowser();
      const result = await stack.signIn(browser, 'bob@example.com');
      expect(result.response.status).toBe(400);
      expect(result.body).toContain('The ID token did not pass its checks');
      expect(browser.cookies(stack.appOrigin).has('csess')).toBe(false);
      expect(stack.logs.events().some((e) => e.event === 'auth.login.failed' && e.reason === 'id_token')).toBe(true);
    },
  );
});

describe('sessions survive restarts and password rotation', () => {
  let dir: string;
  let stack: Stack;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bff-sessions-'));
    stack = await startStack({ sessionStore: `sqlite:${join(dir, 'sessions.db')}`, sessionPasswords: [OLD_PASSWORD] });
  });
  afterAll(async () => {
    await stack.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the customer signed in across a BFF restart, under a rotated password while the old one is listed', async () => {
    const browser = createBrowser();
    await stack.signIn(browser, 'alice@example.com');

    await stack.restartBff();
    expect((await session(browser, stack)).authenticated).toBe(true);

    await stack.restartBff({ sessionPasswords: [PASSWORD, OLD_PASSWORD] });
    expect(await session(browser, stack)).toMatchObject({
      authenticated: true,
      customer: { email: 'alice@example.com' },
    });
    expect((await graphql(browser, stack.appOrigin)).status).toBe(200);

    await stack.restartBff({ sessionPasswords: [PASSWORD] });
    expect((await session(browser, stack)).authenticated).toBe(false);
  });
});

describe('session lifetimes', () => {
  let stack: Stack;
  let clockMs = Date.now();
  beforeAll(async () => {
    stack = await startStack({
      bff: { now: () => clockMs },
      env: { SESSION_IDLE_TIMEOUT_SECONDS: '600', SESSION_ABSOLUTE_TIMEOUT_SECONDS: '3600' },
    });
  });
  afterAll(() => stack.close());

  it('ends a session left idle longer than the idle timeout', async () => {
    clockMs = Date.now();
    const browser = createBrowser();
    await stack.signIn(browser, 'alice@example.com');
    clockMs += 590_000;
    expect((await session(browser, stack)).authenticated).toBe(true);
    clockMs += 590_000; // active 590 s ago: still inside the idle window
    expect((await session(browser, stack)).authenticated).toBe(true);
    clockMs += 601_000;
    const api = await graphql(browser, stack.appOrigin);
    expect(api.status).toBe(401);
    expect((await session(browser, stack)).authenticated).toBe(false);
  });

  it('ends an active session at its absolute lifetime', async () => {
    clockMs = Date.now();
    const browser = createBrowser();
    await stack.signIn(browser, 'bob@example.com');
    for (let i = 0; i < 6; i++) {
      clockMs += 500_000;
      expect((await session(browser, stack)).authenticated).toBe(true);
    }
    clockMs += 700_000; // 3 700 s after sign-in
    expect((await session(browser, stack)).authenticated).toBe(false);
  });
});

describe('Shopify unreachable', () => {
  let dir: string;
  let stack: Stack;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bff-sessions-'));
    stack = await startStack({ sessionStore: `sqlite:${join(dir, 'sessions.db')}` });
  });
  afterAll(async () => {
    await stack.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 and keeps every session while discovery fails, and heals when Shopify is back', async () => {
    const browser = createBrowser();
    await stack.signIn(browser, 'alice@example.com');
    await stack.restartBff({ storefrontOrigin: `http://127.0.0.1:${await freePort()}` });

    const login = await browser.request(`${stack.appOrigin}/auth/login?returnTo=/account`, {
      headers: { accept: 'text/html' },
    });
    expect(login.status).toBe(503);
    expect(login.headers.get('retry-after')).toBe('5');
    expect(await login.text()).toContain('Your session is safe');
    const api = await graphql(browser, stack.appOrigin);
    expect(api.status).toBe(503);
    expect(await api.json()).toEqual({ error: 'upstream_unavailable' });
    expect(await session(browser, stack)).toMatchObject({ authenticated: true });
    expect(stack.logs.events().some((e) => e.event === 'shopify.discovery_failed')).toBe(true);

    await stack.restartBff();
    expect((await graphql(browser, stack.appOrigin)).status).toBe(200);
  });
});
