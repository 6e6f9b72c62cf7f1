/**
 * Shared pieces of the refresh integration suites (`tests/refresh-*.test.ts`): a skewable clock, the
 * calls a page makes, a `/metrics` reader, and the secret scan every suite ends with.
 */
import { expect } from 'vitest';
import { createSealer } from '../server/sessions/seal.ts';
import type { Browser, SeenResponse } from './helpers/browser.ts';
import { PASSWORD, graphql, type Stack } from './helpers/stack.ts';

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

const TOKEN_PREFIXES = ['shcat_', 'shcrt_', 'shcac_'];

/**
 * Asserts that no BFF response the browsers saw (status line aside: headers and body) and no log line
 * carries an access token, refresh token or authorization code, and that no log line carries a
 * session id or a sealed session cookie. The emulator's own answers are left out: its authorize
 * redirect carries the code to the callback by design, exactly as Shopify's does.
 */
export function expectNoSecrets(options: {
  appOrigins: string[];
  seen: SeenResponse[];
  logLines: string[];
  sids: string[];
  cookies: string[];
}): void {
  const fromBff = options.seen.filter((r) => options.appOrigins.includes(new URL(r.url).origin));
  expect(fromBff.length).toBeGreaterThan(0);
  for (const response of fromBff) {
    const text = JSON.stringify(response.headers) + response.body;
    for (const prefix of TOKEN_PREFIXES) expect(text, `${response.url} leaks ${prefix}`).not.toContain(prefix);
    for (const sid of options.sids) expect(text, `${response.url} leaks the session id`).not.toContain(sid);
  }
  expect(options.logLines.length).toBeGreaterThan(0);
  for (const line of options.logLines) {
    for (const secret of [...TOKEN_PREFIXES, ...options.sids, ...options.cookies]) {
      expect(line.includes(secret), `log line leaks a secret: ${line.slice(0, 160)}`).toBe(false);
    }
  }
}
