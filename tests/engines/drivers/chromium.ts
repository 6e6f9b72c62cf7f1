/** Chromium (Debian's, never a downloaded build) through Playwright: a profile is a browser context. */
import { chromium, type BrowserContext, type Page } from '@playwright/test';
import type { Engine, Profile, Tab } from '../driver.ts';

function tab(context: BrowserContext, page: Page): Tab {
  return {
    async goto(url) {
      await page.goto(url);
    },
    evaluate: (fn, arg) => page.evaluate(fn as (a: unknown) => unknown, arg as unknown) as never,
    url: async () => page.url(),
    async hardReload() {
      const cdp = await context.newCDPSession(page);
      await cdp.send('Page.reload', { ignoreCache: true });
      await cdp.detach();
    },
    close: () => page.close(),
  };
}

export async function launchChromium(): Promise<Engine> {
  const browser = await chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking'],
  });
  return {
    name: 'chromium',
    version: browser.version().split('.')[0] ?? browser.version(),
    async newProfile(): Promise<Profile> {
      const context = await browser.newContext({ serviceWorkers: 'allow' });
      return {
        newTab: async () => tab(context, await context.newPage()),
        async terminateServiceWorkers() {
          const page = context.pages()[0] ?? (await context.newPage());
          const cdp = await context.newCDPSession(page);
          await cdp.send('ServiceWorker.enable');
          await cdp.send('ServiceWorker.stopAllWorkers');
          await cdp.detach();
        },
        close: () => context.close(),
      };
    },
    close: () => browser.close(),
  };
}
