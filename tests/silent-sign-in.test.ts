/**
 * Issue 14, silent sign-in (`SILENT_SIGN_IN=1`, `/auth/login?prompt=none`): a customer signed in at
 * Shopify comes back signed in with no click; one who is not comes back where they were, signed out,
 * with no error page and no loop; both shapes of Shopify's `login_required` answer are understood.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBrowser, type Browser } from './helpers/browser.ts';
import { logout, sessionOf } from './helpers/session-support.ts';
import { startStack, type Stack } from './helpers/stack.ts';

const ALICE = 'alice@example.com';
const SILENT = '/auth/login?prompt=none&returnTo=%2Faccount';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { SILENT_SIGN_IN: '1' } });
});
afterAll(() => stack?.close());

/** Follows a silent sign-in to its end: back on the storefront's `/account`, signed in or not. */
async function silently(browser: Browser) {
  const hops: string[] = [];
  const end = await browser.navigate(`${stack.appOrigin}${SILENT}`, {
    stopAt: (url) => {
      hops.push(url.href);
      return url.origin === stack.appOrigin && url.pathname === '/account';
    },
  });
  return { end: end.url.href, hops, session: await sessionOf(browser, stack.appOrigin) };
}

describe('silent sign-in', () => {
  it('signed in at Shopify (a live session there): signed in here, with no click and one code exchange', async () => {
    const browser = createBrowser();
    await stack.signIn(browser, ALICE);
    // Signed out of the storefront only: the 303 to Shopify's end-session page is not followed.
    expect((await logout(browser, stack.appOrigin)).status).toBe(303);
    expect((await sessionOf(browser, stack.appOrigin)).authenticated).toBe(false);
    const before = await stack.stats();

    const { end, session } = await silently(browser);

    expect(end).toBe(`${stack.appOrigin}/account`);
    expect(session).toMatchObject({ authenticated: true, customer: { email: ALICE } });
    expect((await stack.stats()).token.authorization_code - before.token.authorization_code).toBe(1);
  });

  it.each([
    ['error=login_required', 'error' as const],
    ['code=login_required', 'code' as const],
  ])('not signed in at Shopify (%s): back on the page, signed out, no error page', async (_shape, loginRequiredAs) => {
    await stack.setEmulatorConfig({ loginRequiredAs });
    try {
      const browser = createBrowser();
      const before = await stack.stats();
      const linesBefore = stack.logs.lines.length;

      const { end, hops, session } = await silently(browser);

      expect(end).toBe(`${stack.appOrigin}/account`);
      expect(hops.some((hop) => hop.startsWith(`${stack.emulator.url}/`))).toBe(true);
      expect(session.authenticated).toBe(false);
      expect((await stack.stats()).token.authorization_code).toBe(before.token.authorization_code);
      // This attempt's own line: the first case's would satisfy a look at the whole log.
      const lines = stack.logs.lines.slice(linesBefore);
      expect(lines.some((line) => line.includes(`"answer":"login_required"`))).toBe(true);
    } finally {
      await stack.setEmulatorConfig({ loginRequiredAs: 'error' });
    }
  });

  it('a second silent attempt in the same browser session goes straight back, without leaving the storefront', async () => {
    const browser = createBrowser();
    await silently(browser);
    const again = await browser.request(`${stack.appOrigin}${SILENT}`);
    expect(again.status).toBe(302);
    expect(again.headers.get('location')).toBe('/account');
  });

  it('refuses prompt values other than none, exactly', async () => {
    const answer = await createBrowser().request(`${stack.appOrigin}/auth/login?prompt=login&returnTo=%2F`);
    expect([answer.status, await answer.json()]).toEqual([
      400,
      { error: 'bad_request', message: 'prompt must be none' },
    ]);
  });
});

describe('without SILENT_SIGN_IN', () => {
  let plain: Stack;
  beforeAll(async () => {
    plain = await startStack();
  });
  afterAll(() => plain?.close());

  it('prompt=none is a 400 naming the setting, and Shopify is never asked', async () => {
    const before = await plain.stats();
    const answer = await createBrowser().request(`${plain.appOrigin}${SILENT}`);
    expect([answer.status, await answer.json()]).toEqual([
      400,
      { error: 'bad_request', message: 'prompt=none needs SILENT_SIGN_IN=1 on the BFF' },
    ]);
    expect(await plain.stats()).toEqual(before);
  });
});
