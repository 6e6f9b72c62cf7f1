/**
 * The storefront demo in a real browser: the compiled launcher (`dist/node/scripts/start.js`, emulator
 * and BFF serving the built pages, as `npm start` runs them) on ports of its own, so the bench never
 * meets a browser test's server, and Debian's Chromium launched the way playwright.config.ts does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test';
import playwrightConfig from '../../playwright.config.ts';
import { freePort } from '../../tests/helpers/stack.ts';
import { BENCH_LIMITS, BENCH_PASSWORD, CUSTOMER_EMAIL } from './constants.ts';
import { trackProcess } from './processes.ts';

const LAUNCHER = fileURLToPath(new URL('../../dist/node/scripts/start.js', import.meta.url));
const STARTUP_TIMEOUT_MS = 30_000;

export interface Demo {
  app: string;
  emulatorUrl: string;
  browser: Browser;
  stop(): Promise<void>;
}

/** Starts the demo (emulator mode, SQLite in memory) and Chromium; `stop()` ends both. */
export async function startDemo(): Promise<Demo> {
  const [port, emulatorPort] = [await freePort(), await freePort()];
  const server = spawn(process.execPath, [LAUNCHER], {
    env: {
      ...process.env,
      PORT: String(port),
      EMULATOR_PORT: String(emulatorPort),
      // Empty, not unset: a developer's .env must not point the bench at a real store (set variables win).
      SHOPIFY_STOREFRONT_ORIGIN: '',
      APP_ORIGIN: '',
      SHOPIFY_CLIENT_ID: '',
      SHOPIFY_CLIENT_SECRET: '',
      // Given, so the launcher does not write a demo password into .data/.
      SESSION_PASSWORD: BENCH_PASSWORD,
      SESSION_STORE: 'sqlite::memory:',
      LOG_LEVEL: 'warn',
      // 20 revocation rounds sign in and send 5 tabs to /auth/login each, from one address in a minute.
      ...BENCH_LIMITS,
      // The per-customer GraphQL cost bucket would throttle hundreds of calls of one customer.
      EMULATOR_CONFIG: JSON.stringify({ graphqlBucketSize: 1_000_000, graphqlRestoreRatePerSecond: 1_000_000 }),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  trackProcess(server);
  const app = `http://localhost:${port}`;
  const stopServer = async () => {
    if (hasExited(server)) return;
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  };
  let browser: Browser;
  try {
    await untilHealthy(app, server);
    // The browser tests' own launch options: Debian's Chromium (CHROMIUM_PATH or /usr/bin/chromium), same flags.
    browser = await chromium.launch(playwrightConfig.use?.launchOptions);
  } catch (error) {
    await stopServer();
    throw error;
  }
  return {
    app,
    emulatorUrl: `http://localhost:${emulatorPort}`,
    browser,
    async stop() {
      await browser.close();
      await stopServer();
    },
  };
}

const hasExited = (child: ChildProcess): boolean => child.exitCode !== null || child.signalCode !== null;

async function untilHealthy(app: string, server: ChildProcess): Promise<void> {
  const deadline = performance.now() + STARTUP_TIMEOUT_MS;
  const healthy = () =>
    fetch(`${app}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
  while (!(await healthy())) {
    if (hasExited(server)) throw new Error(`the demo launcher exited with code ${server.exitCode}`);
    if (performance.now() > deadline)
      throw new Error(`the demo did not answer /healthz within ${STARTUP_TIMEOUT_MS} ms`);
    await sleep(100);
  }
}

/** Resolves once the page shows a signed-in session, controlled by the SW (`true`) or not (`false`). */
export async function settled(page: Page, controlled: boolean): Promise<void> {
  // `?.`: polled while a document is being replaced, when `documentElement` can be null.
  const state = () =>
    page.evaluate(() => ({
      session: document.documentElement?.dataset['session'] ?? null,
      controlled: navigator.serviceWorker.controller !== null,
    }));
  try {
    await page.waitForFunction(
      (wanted) =>
        document.documentElement?.dataset['session'] === 'signed-in' &&
        (navigator.serviceWorker.controller !== null) === wanted,
      controlled,
      { timeout: 10_000 },
    );
  } catch (error) {
    const seen = await state().catch(() => null);
    throw new Error(
      `${page.url()} did not settle signed in and ${controlled ? '' : 'un'}controlled within 10 s ` +
        `(it shows ${JSON.stringify(seen)})`,
      { cause: error },
    );
  }
}

/** A fresh browser profile with `tabs` tabs on /account, signed in through the real OAuth redirects. */
export async function signedInTabs(demo: Demo, tabs: number): Promise<{ context: BrowserContext; pages: Page[] }> {
  const context = await demo.browser.newContext({ baseURL: demo.app, serviceWorkers: 'allow' });
  const first = await context.newPage();
  const query = new URLSearchParams({ returnTo: '/account', login_hint: CUSTOMER_EMAIL, login_hint_mode: 'submit' });
  await first.goto(`/auth/login?${query}`);
  await settled(first, true);
  const pages = [first];
  for (let i = 1; i < tabs; i += 1) {
    const page = await context.newPage();
    await page.goto('/account');
    pages.push(page);
  }
  await Promise.all(pages.map((page) => settled(page, true)));
  return { context, pages };
}

/** A Shift+reload through CDP: the page comes back without the SW controlling it. */
export async function uncontrolled(context: BrowserContext, page: Page): Promise<void> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Page.reload', { ignoreCache: true });
  await cdp.detach();
  await settled(page, false);
}
