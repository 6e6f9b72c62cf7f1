/**
 * Shared helpers for the browser tests: the emulator's admin API, signing in, opening tabs, storming
 * customer calls, and the `shop` fixture that records everything the browser received and, after each
 * test, fails it if any token value reached the browser (responses, headers, cookies, storage, caches).
 */
import { expect, test as base, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { E2E_ADMIN_TOKEN } from '../../playwright.config.ts';

export const APP = 'http://localhost:3100';
export const EMULATOR = 'http://localhost:3101';
export const EMULATOR_ADMIN = `${EMULATOR}/__emulator`;
export const ALICE = 'alice@example.com';
export const BOB = 'bob@example.com';

/** Shopify access/refresh/authorization-code token prefixes and an id_token (a JWT: header.payload.signature). */
const TOKEN_PATTERN = /shcat_|shcrt_|shcac_|eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/;

// `window.storefront` (the page's customer client and the demo's controls) is declared by client/app/shell.ts.

export interface EmulatorStats {
  readonly token: { readonly authorization_code: number; readonly refresh_token: number };
  readonly refresh: { readonly succeeded: number; readonly failed: number; readonly reused: number };
  readonly graphql: { readonly ok: number; readonly unauthorized: number };
}

export const emulator = {
  async stats(): Promise<EmulatorStats> {
    const response = await fetch(`${EMULATOR_ADMIN}/stats`);
    expect(response.ok).toBe(true);
    return (await response.json()) as EmulatorStats;
  },
  async configure(patch: Record<string, unknown>): Promise<void> {
    const response = await fetch(`${EMULATOR_ADMIN}/config`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(patch),
    });
    expect(response.ok).toBe(true);
  },
  /** The next `count` token-endpoint calls answer `status`. */
  async tokenOutage(count: number, status = 503): Promise<void> {
    const response = await fetch(`${EMULATOR_ADMIN}/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ endpoint: 'token', kind: 'status', status, count }),
    });
    expect(response.ok).toBe(true);
  },
  async clearFaults(): Promise<void> {
    expect((await fetch(`${EMULATOR_ADMIN}/faults`, { method: 'DELETE' })).ok).toBe(true);
  },
  async revoke(email: string): Promise<void> {
    const response = await fetch(`${EMULATOR_ADMIN}/customers/${encodeURIComponent(email)}/revoke`, { method: 'POST' });
    expect(response.ok).toBe(true);
  },
};

/** Signs `page` in through the real OAuth redirects (the emulator auto-submits the hint). */
export async function signIn(page: Page, email: string, returnTo = '/account'): Promise<void> {
  const query = new URLSearchParams({ returnTo, login_hint: email, login_hint_mode: 'submit' });
  await page.goto(`/auth/login?${query.toString()}`);
  await expect(page).toHaveURL(new RegExp(`^${APP}${returnTo.replace('/', '\\/')}`));
  await waitSignedIn(page);
}

/**
 * Signs in through the real OAuth redirects, then opens `path`. A Playwright route never sees the
 * target of a redirect, so the sign-in comes back to a page of the BFF's own that registers no SW.
 */
export async function signInThenOpen(page: Page, email: string, path: string): Promise<void> {
  const query = new URLSearchParams({ returnTo: '/healthz', login_hint: email, login_hint_mode: 'submit' });
  await page.goto(`/auth/login?${query.toString()}`);
  await expect(page).toHaveURL(`${APP}/healthz`);
  await page.goto(path);
  await waitSignedIn(page);
}

export const waitSignedIn = (page: Page): Promise<void> =>
  expect(page.locator('html')).toHaveAttribute('data-session', 'signed-in');

export async function waitControlled(page: Page): Promise<void> {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 10_000 });
}

/** Opens `count` more tabs on `path` in `context`, each signed in (the context's cookie) and controlled. */
export async function openTabs(context: BrowserContext, count: number, path = '/account'): Promise<Page[]> {
  const pages: Page[] = [];
  for (let i = 0; i < count; i += 1) {
    const page = await context.newPage();
    await page.goto(path);
    pages.push(page);
  }
  await Promise.all(pages.map(waitSignedIn));
  await Promise.all(pages.map(waitControlled));
  return pages;
}

/** A Shift+reload through CDP: the page comes back without a SW controlling it. */
export async function hardReload(context: BrowserContext, page: Page): Promise<void> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Page.reload', { ignoreCache: true });
  await cdp.detach();
  // `?.`: polled while the old document is being replaced, when `documentElement` can be null.
  await page.waitForFunction(
    () => document.documentElement?.dataset['session'] === 'signed-in' && navigator.serviceWorker.controller === null,
    undefined,
    { timeout: 10_000 },
  );
}

/** Fires `perTab` parallel customer calls in each page at once; returns each call's e-mail or error code. */
export async function storm(pages: readonly Page[], perTab = 10): Promise<string[]> {
  const results = await Promise.all(
    pages.map((page) =>
      page.evaluate(async (n) => {
        const client = window.storefront!.client;
        const settled = await Promise.allSettled(
          Array.from({ length: n }, () =>
            client.query<{ customer: { id: string; emailAddress: { emailAddress: string } | null } | null }>(
              'query Storm { customer { id emailAddress { emailAddress } } }',
            ),
          ),
        );
        return settled.map((r) =>
          r.status === 'fulfilled'
            ? (r.value.data?.customer?.emailAddress?.emailAddress ??
              `no-data:${JSON.stringify(r.value.errors ?? null)}`)
            : `error:${(r.reason as { code?: string }).code ?? String(r.reason)}`,
        );
      }, perTab),
    ),
  );
  return results.flat();
}

/** Puts the session inside the refresh buffer (demo control from `page`) and lets every context learn it. */
export async function expireSoon(pages: readonly Page[]): Promise<void> {
  await pages[0]!.evaluate(() => window.storefront!.demo.expireSoon());
  for (const page of pages) {
    await expect
      .poll(() =>
        page.evaluate(() => {
          const client = window.storefront!.client;
          const buffer = (client.current?.refreshBufferSeconds ?? 60) * 1000;
          return client.expiresAtMs !== null && client.expiresAtMs - Date.now() < buffer;
        }),
      )
      .toBe(true);
  }
  // The SW learns it on the same channel message; give its event loop a moment.
  await pages[0]!.waitForTimeout(150);
}

/** Counts the BFF paths the whole context (pages and the SW) requested. */
export function countRequests(context: BrowserContext, pathname: string): { readonly count: number } {
  const counter = { count: 0 };
  context.on('request', (request) => {
    const url = new URL(request.url());
    if (url.origin === APP && url.pathname === pathname) counter.count += 1;
  });
  return counter;
}

/** Everything one page can read on its origin: cookies, both storages, IndexedDB and Cache Storage. */
async function readBrowserStorage(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const parts: string[] = [
      document.cookie,
      JSON.stringify({ ...localStorage }),
      JSON.stringify({ ...sessionStorage }),
    ];
    for (const info of await indexedDB.databases()) {
      if (!info.name) continue;
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open(info.name!);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      for (const store of Array.from(db.objectStoreNames)) {
        const rows = await new Promise<unknown[]>((resolve, reject) => {
          const request = db.transaction(store, 'readonly').objectStore(store).getAll();
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
        parts.push(JSON.stringify(rows));
      }
      db.close();
    }
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      for (const request of await cache.keys()) {
        const response = await cache.match(request);
        parts.push(
          request.url,
          JSON.stringify([...(response?.headers ?? new Headers())]),
          (await response?.text()) ?? '',
        );
      }
    }
    return parts.join('\n');
  });
}

interface Leak {
  readonly where: string;
  readonly excerpt: string;
}

const excerptOf = (text: string): string => {
  const match = TOKEN_PATTERN.exec(text);
  return match === null ? '' : text.slice(Math.max(0, match.index - 40), match.index + 20);
};

interface EmulatorEndpoints {
  readonly authorization_endpoint: string;
  readonly end_session_endpoint: string;
}
let emulatorEndpoints: Promise<EmulatorEndpoints> | null = null;

/** Shopify's (the emulator's) endpoints, from its discovery document like the BFF reads them. */
function discoverEmulator(): Promise<EmulatorEndpoints> {
  emulatorEndpoints ??= fetch(`${EMULATOR}/.well-known/openid-configuration`).then(
    (response) => response.json() as Promise<EmulatorEndpoints>,
  );
  return emulatorEndpoints;
}

/**
 * The secrets a redirect may carry by design, and only there (the same value is then in the URL of the
 * request the browser makes to the `Location`): given a redirect, returns its `Location` with exactly
 * that one query parameter taken out — everything else in it is still scanned — or `null` for any other.
 * - Issue 3: the BFF's sign-out (`POST /auth/logout` → 303) sends the id_token to Shopify's
 *   end-session endpoint as `id_token_hint`.
 * - OAuth itself (RFC 6749 §4.1.2): Shopify's authorization endpoint returns the one-time
 *   authorization code (`shcac_…`) to the BFF's callback as `code`.
 */
function withoutRedirectSecret(
  method: string,
  url: string,
  status: number,
  location: string,
  endpoints: EmulatorEndpoints,
): string | null {
  const target = URL.canParse(location) ? new URL(location) : null;
  if (target === null || location !== target.href) return null;
  const at = `${target.origin}${target.pathname}`;
  const from = URL.canParse(url) ? new URL(url) : null;
  let param: string | null = null;
  if (method === 'POST' && url === `${APP}/auth/logout` && status === 303 && at === endpoints.end_session_endpoint) {
    param = 'id_token_hint';
  } else if (
    from !== null &&
    `${from.origin}${from.pathname}` === endpoints.authorization_endpoint &&
    (status === 302 || status === 303) &&
    at === `${APP}/auth/callback`
  ) {
    param = 'code';
  }
  if (param === null || !target.searchParams.has(param)) return null;
  target.searchParams.delete(param);
  return target.href;
}

/** Creates recorded browser contexts and checks them for token leaks when the test ends. */
export class Shop {
  readonly #contexts: BrowserContext[] = [];
  readonly #pending: Promise<void>[] = [];
  readonly leaks: Leak[] = [];
  responsesChecked = 0;

  private readonly browser: Browser;
  constructor(browser: Browser) {
    this.browser = browser;
  }

  async newContext(): Promise<BrowserContext> {
    const context = await this.browser.newContext({ baseURL: APP, serviceWorkers: 'allow' });
    this.#contexts.push(context);
    context.on('request', (request) => {
      this.#pending.push(
        (async () => {
          let url = request.url();
          const from = request.redirectedFrom();
          const redirect = from === null ? null : await from.response().catch(() => null);
          const location =
            redirect === null
              ? undefined
              : (await redirect.allHeaders().catch((): Record<string, string> => ({})))['location'];
          if (from !== null && redirect !== null && location === url) {
            const endpoints = await discoverEmulator();
            url = withoutRedirectSecret(from.method(), from.url(), redirect.status(), url, endpoints) ?? url;
          }
          if (TOKEN_PATTERN.test(url))
            this.leaks.push({ where: `${request.method()} request URL`, excerpt: excerptOf(url) });
        })(),
      );
    });
    context.on('response', (response) => {
      this.#pending.push(
        (async () => {
          const request = response.request();
          const where = `${request.method()} ${response.url()} → ${response.status()}`;
          const endpoints = await discoverEmulator();
          for (const [name, raw] of Object.entries(await response.allHeaders().catch(() => ({})))) {
            const value =
              name === 'location'
                ? (withoutRedirectSecret(request.method(), response.url(), response.status(), raw, endpoints) ?? raw)
                : raw;
            if (TOKEN_PATTERN.test(value))
              this.leaks.push({ where: `${where} header ${name}`, excerpt: excerptOf(value) });
          }
          // Redirects have no body Playwright can read (`body()` rejects); everything else is scanned.
          const body = await response.body().catch(() => null);
          if (body === null) return;
          this.responsesChecked += 1;
          const text = body.toString('latin1');
          if (TOKEN_PATTERN.test(text)) this.leaks.push({ where: `${where} body`, excerpt: excerptOf(text) });
        })(),
      );
    });
    return context;
  }

  /** A customer's live sessions in the BFF's store (its admin API, on in playwright.config.ts). */
  async sessionsOf(customerId: string): Promise<unknown[]> {
    const response = await fetch(`${APP}/admin/customers/${customerId}/sessions`, {
      headers: { authorization: `Bearer ${E2E_ADMIN_TOKEN}` },
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { sessions: unknown[] }).sessions;
  }

  /** A context with one tab signed in as `email` on `/account`, controlled by the SW. */
  async signedInContext(email: string): Promise<{ context: BrowserContext; page: Page }> {
    const context = await this.newContext();
    const page = await context.newPage();
    await signIn(page, email);
    await waitControlled(page);
    return { context, page };
  }

  /** Reads every context's storage from a fresh tab of the app's origin, then checks everything. */
  async assertNoTokens(): Promise<void> {
    for (const context of this.#contexts) {
      await context.setOffline(false);
      const probe = await context.newPage();
      await probe.goto('/');
      const storage = await readBrowserStorage(probe);
      if (TOKEN_PATTERN.test(storage)) this.leaks.push({ where: 'browser storage', excerpt: excerptOf(storage) });
    }
    await Promise.all(this.#pending);
    expect(this.leaks, 'token values that reached the browser').toEqual([]);
    expect(this.responsesChecked).toBeGreaterThan(0);
  }

  async close(): Promise<void> {
    await Promise.all(this.#contexts.map((context) => context.close()));
  }
}

export const test = base.extend<{ shop: Shop }>({
  shop: async ({ browser }, use) => {
    const shop = new Shop(browser);
    await use(shop);
    try {
      await shop.assertNoTokens();
    } finally {
      await shop.close();
    }
  },
});

export { expect };
