/**
 * The BFF as a library (`createCustomerSessionBff`), mounted under `/account-session` in a host server
 * that has its own pages, with the emulator over real HTTP. `mountedBffSuite` is the walk every host
 * must pass: sign-in through the real OAuth redirects, a GraphQL call, a refresh inside the buffer,
 * the 401 and the cookie under the base path, sign-out; each host's test file adds its own checks.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type StartedEmulator } from '../../emulator/server.ts';
import type { EmulatorConfig } from '../../emulator/app.ts';
import { createCustomerSessionBff, type CustomerSessionBff } from '../../server/index.ts';
import { createCapturingDestination } from '../../server/observability/logger.ts';
import { createBrowser, type Browser } from './browser.ts';
import { emailIn, expectNoSecrets, sidOf } from './session-support.ts';
import { CUSTOMER_QUERY, emulatorAdmin, freePort, PASSWORD } from './stack.ts';

export const BASE_PATH = '/account-session';
export const ALICE = 'alice@example.com';
/** The host's own pages: what they answer, so a test can tell the host from the BFF. */
export const HOST_PAGE = (path: string) => `<!doctype html><title>host</title><p>host page ${path}</p>`;

/** A host server as the test files start it: the BFF mounted in it, listening on `port`. */
export type StartHost = (bff: CustomerSessionBff, port: number) => Promise<{ close(): Promise<void> }>;

/** The emulator, the mounted BFF and its host, on loopback sockets. */
export async function startMounted(startHost: StartHost) {
  const port = await freePort();
  const appOrigin = `http://localhost:${port}`;
  const clientId = 'mounted-storefront';
  const emulator: StartedEmulator = await startEmulator({
    port: 0,
    clients: [
      {
        clientId,
        type: 'public',
        redirectUris: [`${appOrigin}${BASE_PATH}/auth/callback`],
        javascriptOrigins: [appOrigin],
        logoutUris: [`${appOrigin}/`],
      },
    ],
  });
  const logs = createCapturingDestination();
  const bff = createCustomerSessionBff({
    shopify: { storefrontOrigin: emulator.url, clientId },
    appOrigin,
    basePath: BASE_PATH,
    session: { password: PASSWORD, store: 'sqlite::memory:' },
    logger: { level: 'debug', destination: logs },
    metrics: true,
  });
  await bff.storeReady;
  const host = await startHost(bff, port);

  const admin = emulatorAdmin(emulator.url);

  return {
    appOrigin,
    emulator,
    bff,
    logs,
    /** The BFF's own URL for `path` (under the base path). */
    bffUrl: (path: string) => `${appOrigin}${BASE_PATH}${path}`,
    refreshesAtEmulator: async () =>
      ((await admin('/stats')) as { token: { refresh_token: number } }).token.refresh_token,
    setEmulatorConfig: (patch: Partial<EmulatorConfig>) => admin('/config', patch),
    async close() {
      await host.close();
      await bff.close();
      await emulator.close();
    },
  };
}

export type Mounted = Awaited<ReturnType<typeof startMounted>>;

/** The Set-Cookie lines of a response that name `cookie`. */
const setCookiesOf = (response: Response, cookie: string) =>
  response.headers.getSetCookie().filter((line) => line.startsWith(`${cookie}=`));

/**
 * The walk every host passes, as one ordered suite (each step builds on the one before). `mounted()`
 * is the stack the test file started in its `beforeAll`.
 */
export function mountedBffSuite(mounted: () => Mounted): void {
  let m: Mounted;
  let browser: Browser;
  let signedInCookie: string;
  beforeAll(() => {
    m = mounted();
    browser = createBrowser();
  });
  const graphql = (b: Browser, headers: Record<string, string> = {}) =>
    b.request(m.bffUrl('/api/customer/graphql'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf': '1', ...headers },
      body: JSON.stringify({ query: CUSTOMER_QUERY }),
    });

  describe(`the BFF under ${BASE_PATH}`, () => {
    it('signs in through the real OAuth redirects, in the asked language and market, and comes back to the page', async () => {
      const query = new URLSearchParams({
        returnTo: '/account?tab=orders',
        login_hint: ALICE,
        login_hint_mode: 'submit',
        locale: 'fr-ca',
        country: 'ca',
      });
      const { url } = await browser.navigate(`${m.bffUrl('/auth/login')}?${query}`, {
        stopAt: (next) => next.origin === m.appOrigin && !next.pathname.startsWith(`${BASE_PATH}/`),
      });
      // Back on the storefront's own page, not under the base path.
      expect(url.href).toBe(`${m.appOrigin}/account?tab=orders`);

      const login = browser.seen.find((r) => r.url.startsWith(m.bffUrl('/auth/login')))!;
      expect(login.status).toBe(302);
      const authorize = new URL(login.headers.location!);
      expect(authorize.origin).toBe(m.emulator.url);
      expect(authorize.searchParams.get('redirect_uri')).toBe(`${m.appOrigin}${BASE_PATH}/auth/callback`);
      expect(m.bff.redirectUri).toBe(`${m.appOrigin}${BASE_PATH}/auth/callback`);
      expect(authorize.searchParams.get('locale')).toBe('fr-CA');
      expect(authorize.searchParams.get('region_country')).toBe('CA');
      // The attempt's cookie rides only the BFF's paths, as the session cookie does.
      expect(login.headers['set-cookie']).toMatch(
        /^csess_login_[0-9a-f]{16}=Fe26\.2\*[^;]+; Max-Age=600; Path=\/account-session;/,
      );

      const callback = browser.seen.find((r) => r.url.startsWith(m.bffUrl('/auth/callback')))!;
      expect(callback.status).toBe(302);
      expect(callback.headers.location).toBe('/account?tab=orders');
      expect(callback.headers['set-cookie']).toMatch(
        /(^|, )csess=Fe26\.2\*[^;]+; Max-Age=\d+; Path=\/account-session;/,
      );
      signedInCookie = browser.cookies(m.appOrigin).get('csess')!;
      expect(signedInCookie).toMatch(/^Fe26\.2\*/);
    });

    it('answers a GraphQL call for the signed-in customer, without refreshing', async () => {
      const before = await m.refreshesAtEmulator();
      const response = await graphql(browser);
      expect(response.status).toBe(200);
      expect(emailIn(await response.text())).toBe(ALICE);
      expect(Number(response.headers.get('x-session-expires-at'))).toBeGreaterThan(Date.now() + 3_000_000);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(await m.refreshesAtEmulator()).toBe(before);
    });

    it('refreshes exactly once for several parallel calls inside the refresh buffer', async () => {
      // A token that lives 30 s is inside the 60 s buffer from the start: get one, then serve long ones again.
      await m.setEmulatorConfig({ accessTokenTtlSeconds: 30 });
      const forced = await browser.request(m.bffUrl('/auth/refresh'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf': '1' },
        body: JSON.stringify({ force: true }),
      });
      expect(forced.status).toBe(200);
      const { expiresAt: shortExpiry } = (await forced.json()) as { expiresAt: number };
      expect(shortExpiry).toBeLessThan(Date.now() + 60_000);
      await m.setEmulatorConfig({ accessTokenTtlSeconds: 3600 });

      const before = await m.refreshesAtEmulator();
      const answers = await Promise.all(
        Array.from({ length: 8 }, async () => {
          const response = await graphql(browser);
          return {
            status: response.status,
            body: await response.text(),
            expiresAt: response.headers.get('x-session-expires-at'),
          };
        }),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
      expect(answers.map((a) => emailIn(a.body))).toEqual(Array(8).fill(ALICE));
      expect(await m.refreshesAtEmulator()).toBe(before + 1);
      // Every answer carries the refreshed expiry, outside the buffer again.
      expect(new Set(answers.map((a) => a.expiresAt)).size).toBe(1);
      expect(Number(answers[0]!.expiresAt)).toBeGreaterThan(Date.now() + 3_000_000);
    });

    it('answers 401 with a loginUrl under the base path back to the calling storefront page', async () => {
      const anonymous = createBrowser();
      const response = await graphql(anonymous, { referer: `${m.appOrigin}/account?tab=orders` });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({
        error: 'reauth_required',
        loginUrl: `${BASE_PATH}/auth/login?returnTo=%2Faccount%3Ftab%3Dorders`,
      });
      // A page of the BFF itself is never where a customer is sent back to.
      const fromBff = await graphql(anonymous, { referer: m.bffUrl('/auth/session') });
      expect(((await fromBff.json()) as { loginUrl: string }).loginUrl).toBe(`${BASE_PATH}/auth/login?returnTo=%2F`);
    });

    it('refuses a malformed locale or country with an exact 400, and keeps returnTo a storefront path', async () => {
      const anonymous = createBrowser();
      const bad = await anonymous.request(`${m.bffUrl('/auth/login')}?locale=fr_CA`);
      expect(bad.status).toBe(400);
      expect(await bad.json()).toEqual({
        error: 'bad_request',
        message: 'locale must be a language tag such as en or fr-CA',
      });
      const badCountry = await anonymous.request(`${m.bffUrl('/auth/login')}?country=CAN`);
      expect(await badCountry.json()).toEqual({
        error: 'bad_request',
        message: 'country must be a two-letter country code (ISO 3166-1 alpha-2) such as CA',
      });
      // A returnTo into the BFF, or off the origin, becomes the storefront's home page.
      for (const returnTo of [`${BASE_PATH}/auth/logout`, '//evil.example/x', 'https://evil.example/']) {
        const { url } = await anonymous.navigate(
          `${m.bffUrl('/auth/login')}?${new URLSearchParams({ returnTo, login_hint: ALICE, login_hint_mode: 'submit' })}`,
          { stopAt: (next) => next.origin === m.appOrigin && !next.pathname.startsWith(`${BASE_PATH}/`) },
        );
        expect(url.href).toBe(`${m.appOrigin}/`);
      }
    });

    it('a callback without an attempt offers "Sign in again" under the base path', async () => {
      const response = await createBrowser().request(`${m.bffUrl('/auth/callback')}?state=x&code=y`);
      expect(response.status).toBe(400);
      expect(await response.text()).toContain(`href="${BASE_PATH}/auth/login?returnTo=%2F"`);
    });

    it('signs out: the cookie is cleared on the base path, the old cookie is dead, Shopify brings the customer home', async () => {
      const response = await browser.request(m.bffUrl('/auth/logout'), {
        method: 'POST',
        headers: { origin: m.appOrigin },
      });
      expect(response.status).toBe(303);
      const [cleared] = setCookiesOf(response, 'csess');
      expect(cleared).toMatch(/^csess=; Max-Age=0; Path=\/account-session;/);
      expect(browser.cookies(m.appOrigin).has('csess')).toBe(false);
      const endSession = new URL(response.headers.get('location')!);
      expect(endSession.origin).toBe(m.emulator.url);
      expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${m.appOrigin}/`);
      const home = await browser.navigate(endSession.href);
      expect(home.url.href).toBe(`${m.appOrigin}/`);
      expect(home.body).toBe(HOST_PAGE('/'));

      // The cookie a thief kept from before the sign-out opens nothing, and is cleared on the base path.
      const thief = createBrowser();
      thief.setCookie(m.appOrigin, 'csess', signedInCookie);
      const replayed = await graphql(thief);
      expect(replayed.status).toBe(401);
      expect(await replayed.json()).toMatchObject({ error: 'reauth_required' });
      expect(setCookiesOf(replayed, 'csess')[0]).toMatch(/^csess=; Max-Age=0; Path=\/account-session;/);
    });

    it('serves health, readiness and metrics under the base path', async () => {
      expect(await (await fetch(m.bffUrl('/healthz'))).json()).toEqual({ ok: true });
      const ready = await fetch(m.bffUrl('/readyz'));
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ ready: true });
      const metrics = await fetch(m.bffUrl('/metrics'));
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toMatch(/^bff_token_refresh_total\{outcome="success"\} 2$/m);
    });

    it('no token, code or session id in any answer or log line', async () => {
      const sids = [await sidOf(signedInCookie)];
      expectNoSecrets({
        appOrigins: [m.appOrigin],
        seen: browser.seen,
        logLines: m.logs.lines,
        sids,
        cookies: [signedInCookie],
        endSessionOrigin: m.emulator.url,
      });
    });
  });
}

/** The host's answer for its own paths: its pages, or its own 404. */
export const hostAnswer = (path: string): { status: number; body: string } =>
  path === '/' || path === '/account'
    ? { status: 200, body: HOST_PAGE(path) }
    : { status: 404, body: 'host: not found' };
