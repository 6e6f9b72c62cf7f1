/**
 * What the example's browser tests share: the emulator's admin API (counters, config, revocation),
 * signing in through the real OAuth redirects, opening tabs, and firing customer calls from pages.
 */
import { expect, test as base, type BrowserContext, type Page } from '@playwright/test';
import { APP_ORIGIN, BASE_PATH, EMULATOR_ORIGIN } from './stack.ts';

export const ALICE = 'alice@example.com';
export const BOB = 'bob@example.com';
export const GRAPHQL_PATH = `${BASE_PATH}/api/customer/graphql`;
export const LOGIN_PATH = `${BASE_PATH}/auth/login`;

async function admin(path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${EMULATOR_ORIGIN}/__emulator${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(response.ok, `emulator ${path}: ${response.status}`).toBe(true);
  return response.json();
}

export const emulator = {
  /** Refresh-token grants the emulator has answered so far. */
  refreshes: async (): Promise<number> =>
    ((await admin('/stats')) as { token: { refresh_token: number } }).token.refresh_token,
  configure: (patch: Record<string, unknown>): Promise<unknown> => admin('/config', patch),
  /** Revokes every grant of the customer: the next call finds the session dead. */
  revoke: (email: string): Promise<unknown> => admin(`/customers/${encodeURIComponent(email)}/revoke`, {}),
};

/** The header's view of the session (`data-status`: unknown, signed-in, signed-out). */
export const sessionOf = (page: Page) => page.getByTestId('session');

export async function waitSignedIn(page: Page, email: string, timeout?: number): Promise<void> {
  await expect(sessionOf(page)).toHaveAttribute('data-status', 'signed-in', { timeout });
  await expect(page.getByTestId('signed-in-as')).toHaveText(email);
}

/** Waits until the storefront's service worker controls `page` (it claims open pages once activated). */
export async function waitControlled(page: Page): Promise<void> {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 10_000 });
}

/**
 * Signs `page` in through the real OAuth redirects, as the sign-in button does; the emulator signs the
 * hinted customer in at once (`login_hint_mode=submit`). Comes back to `returnTo`, controlled.
 */
export async function signIn(page: Page, email: string, returnTo: string): Promise<void> {
  const query = new URLSearchParams({ returnTo, login_hint: email, login_hint_mode: 'submit' });
  await page.goto(`${LOGIN_PATH}?${query.toString()}`);
  await expect(page).toHaveURL(`${APP_ORIGIN}${returnTo}`);
  await waitSignedIn(page, email);
  await waitControlled(page);
}

/** Opens `count` more tabs on `path`, each signed in as `email` and controlled by the service worker. */
export async function openTabs(context: BrowserContext, count: number, path: string, email: string): Promise<Page[]> {
  const pages: Page[] = [];
  for (let i = 0; i < count; i += 1) {
    const page = await context.newPage();
    await page.goto(path);
    pages.push(page);
  }
  for (const page of pages) {
    await waitSignedIn(page, email);
    await waitControlled(page);
  }
  return pages;
}

/** Counts the requests of the whole context (its pages and its service worker) to `pathname`. */
export function countRequests(context: BrowserContext, pathname: string): { readonly count: number } {
  const counter = { count: 0 };
  context.on('request', (request) => {
    const url = new URL(request.url());
    if (url.origin === APP_ORIGIN && url.pathname === pathname) counter.count += 1;
  });
  return counter;
}

/**
 * Fires `perTab` parallel Customer Account API calls in each page at once, as the customer client sends
 * them from a controlled page (a JSON POST with `X-CSRF: 1`); returns each call's e-mail or its error.
 */
export async function storm(pages: readonly Page[], perTab: number): Promise<string[]> {
  const results = await Promise.all(
    pages.map((page) =>
      page.evaluate(
        async ({ n, path }) => {
          const call = async (): Promise<string> => {
            const response = await fetch(path, {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'X-CSRF': '1' },
              body: JSON.stringify({ query: '{ customer { emailAddress { emailAddress } } }' }),
            });
            const body = (await response.json()) as {
              data?: { customer?: { emailAddress?: { emailAddress?: string } } };
            };
            return body.data?.customer?.emailAddress?.emailAddress ?? `${response.status}:${JSON.stringify(body)}`;
          };
          return Promise.all(Array.from({ length: n }, call));
        },
        { n: perTab, path: GRAPHQL_PATH },
      ),
    ),
  );
  return results.flat();
}

/** Resolves with the time `page` starts navigating to the BFF's sign-in. */
export const loginNavigation = (page: Page): Promise<number> =>
  new Promise((resolve) => {
    page.on('request', (request) => {
      if (request.isNavigationRequest() && new URL(request.url()).pathname === LOGIN_PATH) resolve(Date.now());
    });
  });

/** Shopify access and refresh tokens, and an id_token (a JWT). */
const TOKEN_PATTERN = /shcat_|shcrt_|eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/;

/**
 * The tests' `test`: after each one, no token was in any response body the browser received (pages and
 * service worker alike) nor in any of the storefront's caches (Workbox's precache and runtime caches).
 */
export const test = base.extend<{ noTokensInBrowser: void }>({
  noTokensInBrowser: [
    async ({ context }, use) => {
      const leaks: string[] = [];
      let bodiesRead = 0;
      const reads: Promise<void>[] = [];
      context.on('response', (response) => {
        reads.push(
          response.body().then(
            (body) => {
              bodiesRead += 1;
              if (TOKEN_PATTERN.test(body.toString('latin1'))) leaks.push(`${response.url()} body`);
            },
            () => undefined, // redirects and aborted responses have no body
          ),
        );
      });
      await use();
      await context.setOffline(false);
      const probe = await context.newPage();
      await probe.goto('/');
      const cached = await probe.evaluate(async () => {
        const texts: string[] = [];
        for (const name of await caches.keys()) {
          const cache = await caches.open(name);
          for (const request of await cache.keys()) texts.push((await (await cache.match(request))?.text()) ?? '');
        }
        return texts.join('\n');
      });
      if (TOKEN_PATTERN.test(cached)) leaks.push('Cache Storage');
      await Promise.all(reads);
      expect(leaks, 'token values that reached the browser').toEqual([]);
      expect(bodiesRead).toBeGreaterThan(0);
    },
    { auto: true },
  ],
});
