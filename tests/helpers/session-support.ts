/**
 * Shared pieces of the integration suites (`tests/*.test.ts`): a skewable clock, the calls a page
 * makes, a `/metrics` reader, and the secret scan every suite ends with.
 */
import { expect } from 'vitest';
import { createSealer } from '../../server/sessions/seal.ts';
import type { Browser, SeenResponse } from './browser.ts';
import { PASSWORD, graphql, type Stack } from './stack.ts';

/**
 * The BFF's clock: real time plus a skew the test moves. Real time keeps flowing (the emulator, the
 * sockets and the Redis lock run on it); the skew lets a test cross an expiry or a cooldown without
 * sleeping.
 */
export function createSkewedClock() {
  let skewMs = 0;
  return {
    now: () => Date.now() + skewMs,
    advance(ms: number) {
      skewMs += ms;
    },
    reset() {
      skewMs = 0;
    },
  };
}

/** Puts the session's expiry inside the refresh buffer (half the buffer left). */
export async function expireSoon(browser: Browser, appOrigin: string): Promise<number> {
  const response = await browser.request(`${appOrigin}/demo/expire-soon`, {
    method: 'POST',
    headers: { 'x-csrf': '1' },
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { expiresAt: number }).expiresAt;
}

export interface SessionView {
  authenticated: boolean;
  customer: { id: string; email: string | null } | null;
  expiresAt: number | null;
}

export async function sessionOf(browser: Browser, appOrigin: string): Promise<SessionView> {
  const response = await browser.request(`${appOrigin}/auth/session`);
  expect(response.status).toBe(200);
  return (await response.json()) as SessionView;
}

/** The e-mail in a GraphQL customer answer, or null when the body is something else. */
export function emailIn(body: string): string | null {
  try {
    const parsed = JSON.parse(body) as { data?: { customer?: { emailAddress?: { emailAddress?: string } } } };
    return parsed.data?.customer?.emailAddress?.emailAddress ?? null;
  } catch {
    return null;
  }
}

/** `n` concurrent GraphQL calls; answers in request order. */
export async function storm(browser: Browser, appOrigin: string, n: number) {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const response = await graphql(browser, appOrigin);
      return { status: response.status, body: await response.text(), headers: response.headers };
    }),
  );
}

/** One value of a Prometheus text exposition, e.g. `metric(text, 'bff_token_refresh_total{outcome="success"}')`. */
export function metric(text: string, series: string): number | null {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return null;
}

export async function scrape(origin: string): Promise<string> {
  const response = await fetch(`${origin}/metrics`);
  expect(response.status).toBe(200);
  return response.text();
}

export async function clearFaults(stack: Stack): Promise<void> {
  const response = await fetch(`${stack.emulator.url}/__emulator/faults`, { method: 'DELETE' });
  expect(response.status).toBe(200);
}

/** Signs out as the page's form does (`Origin` is the app's). */
export async function logout(browser: Browser, appOrigin: string) {
  return browser.request(`${appOrigin}/auth/logout`, { method: 'POST', headers: { origin: appOrigin } });
}

export const COOKIE_NAME = 'csess';

/** The session id sealed in a cookie value, unsealed with the stack's password (tests only). */
export async function sidOf(cookieValue: string): Promise<string> {
  const sid = await createSealer([PASSWORD]).unseal(cookieValue, (value) =>
    typeof (value as { sid?: unknown } | null)?.sid === 'string' ? (value as { sid: string }).sid : null,
  );
  if (sid === null) throw new Error('cookie does not unseal');
  return sid;
}

/** Every session cookie value the BFF set on this browser (sealed `{ sid }`s). */
export function sessionCookiesSet(seen: SeenResponse[]): string[] {
  return seen.flatMap((response) => {
    const match = new RegExp(`(?:^|, )${COOKIE_NAME}=([^;]+)`).exec(response.headers['set-cookie'] ?? '');
    return match ? [match[1]!] : [];
  });
}

const TOKEN_PREFIXES = ['shcat_', 'shcrt_', 'shcac_'];
const JWT = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]*/;
/** In a log line even a fragment of a JWT is too much. */
const JWT_FRAGMENT = /eyJ[\w-]+\./;

/**
 * Asserts that no BFF response the browsers saw (status line aside: headers and body) and no log line
 * carries an access token, refresh token, authorization code or id_token, or a session id, and that no
 * log line carries a sealed session cookie. The emulator's own answers are left out: its authorize
 * redirect carries the code to the callback by design, exactly as Shopify's does. The one place an
 * id_token may leave the BFF is the sign-out redirect (303) to Shopify's end-session endpoint.
 */
export function expectNoSecrets(options: {
  appOrigins: string[];
  seen: SeenResponse[];
  logLines: string[];
  sids: string[];
  cookies: string[];
  /** The Shopify (emulator) origin the sign-out redirect may name, with the id_token as its hint. */
  endSessionOrigin?: string;
}): void {
  const fromBff = options.seen.filter((r) => options.appOrigins.includes(new URL(r.url).origin));
  expect(fromBff.length).toBeGreaterThan(0);
  for (const response of fromBff) {
    const headers = { ...response.headers };
    const signOutRedirect =
      options.endSessionOrigin !== undefined &&
      response.status === 303 &&
      headers.location?.startsWith(`${options.endSessionOrigin}/`);
    if (signOutRedirect) delete headers.location;
    const text = JSON.stringify(headers) + response.body;
    for (const prefix of TOKEN_PREFIXES) expect(text, `${response.url} leaks ${prefix}`).not.toContain(prefix);
    expect(JWT.test(text), `${response.url} leaks an id_token`).toBe(false);
    for (const sid of options.sids) expect(text, `${response.url} leaks the session id`).not.toContain(sid);
  }
  expect(options.logLines.length).toBeGreaterThan(0);
  for (const line of options.logLines) {
    for (const secret of [...TOKEN_PREFIXES, ...options.sids, ...options.cookies]) {
      expect(line.includes(secret), `log line leaks a secret: ${line.slice(0, 160)}`).toBe(false);
    }
    expect(JWT_FRAGMENT.test(line), `log line leaks an id_token: ${line.slice(0, 160)}`).toBe(false);
  }
}
