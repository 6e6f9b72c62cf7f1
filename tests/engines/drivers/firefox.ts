/**
 * Firefox ESR through puppeteer-core over WebDriver BiDi (no geckodriver): a profile is a BiDi user
 * context (Firefox's containers: their own cookies, storage and service workers).
 *
 * Two things BiDi does not offer here are done by a script in Firefox's own (chrome) context, which
 * `--remote-allow-system-access` allows over the same BiDi connection:
 * - a reload that bypasses the service worker: `browsingContext.reload` answers "Argument
 *   ignoreCache is not supported yet" in Firefox 153, so the tab's browsing context is reloaded with
 *   `LOAD_FLAGS_BYPASS_CACHE`, exactly what Shift+reload does (Firefox then bypasses the SW);
 * - stopping a service worker: `nsIServiceWorkerInfo.terminateWorker()`, what about:debugging's
 *   "Stop" button does.
 */
import puppeteer, { type Browser, type BrowserContext, type Page } from 'puppeteer-core';
import type { Engine, Profile, Tab } from '../driver.ts';

interface BidiResult {
  readonly type: 'success' | 'exception';
  readonly result?: { readonly value?: unknown };
  readonly exceptionDetails?: { readonly text?: string };
}

interface BidiConnection {
  send(method: string, params: object): Promise<{ result: unknown }>;
}

async function chromeEval(browser: Browser, expression: string): Promise<unknown> {
  const connection = (browser as unknown as { connection: BidiConnection }).connection;
  const tree = (await connection.send('browsingContext.getTree', { 'moz:scope': 'chrome', maxDepth: 0 })).result as {
    contexts: { context: string }[];
  };
  const target = tree.contexts[0]?.context;
  if (target === undefined) throw new Error('no chrome browsing context (is --remote-allow-system-access set?)');
  const answer = (
    await connection.send('script.evaluate', { target: { context: target }, awaitPromise: true, expression })
  ).result as BidiResult;
  if (answer.type !== 'success') throw new Error(`chrome script failed: ${answer.exceptionDetails?.text ?? 'unknown'}`);
  return answer.result?.value;
}

function tab(browser: Browser, page: Page): Tab {
  return {
    async goto(url) {
      await page.goto(url, { waitUntil: 'load' });
    },
    evaluate: (fn, arg) => page.evaluate(fn as (a: unknown) => unknown, arg) as never,
    url: async () => page.url(),
    async hardReload() {
      const id = JSON.stringify((page.mainFrame() as unknown as { _id: string })._id);
      await chromeEval(
        browser,
        `(() => {
          const { NavigableManager } = ChromeUtils.importESModule('chrome://remote/content/shared/NavigableManager.sys.mjs');
          NavigableManager.getBrowsingContextById(${id}).reload(Ci.nsIWebNavigation.LOAD_FLAGS_BYPASS_CACHE);
        })()`,
      );
    },
    close: () => page.close(),
  };
}

function profile(browser: Browser, context: BrowserContext): Profile {
  const userContext = JSON.stringify((context as unknown as { userContext: { id: string } }).userContext.id);
  return {
    newTab: async () => tab(browser, await context.newPage()),
    async terminateServiceWorkers() {
      const stopped = await chromeEval(
        browser,
        `(async () => {
          const { UserContextManager } = ChromeUtils.importESModule('chrome://remote/content/shared/UserContextManager.sys.mjs');
          const internal = UserContextManager.getInternalIdById(${userContext});
          const manager = Cc['@mozilla.org/serviceworkers/manager;1'].getService(Ci.nsIServiceWorkerManager);
          const registrations = manager.getAllRegistrations();
          let stopped = 0;
          for (let i = 0; i < registrations.length; i += 1) {
            const registration = registrations.queryElementAt(i, Ci.nsIServiceWorkerRegistrationInfo);
            if (registration.principal.originAttributes.userContextId !== internal || !registration.activeWorker) continue;
            await registration.activeWorker.terminateWorker();
            stopped += 1;
          }
          return stopped;
        })()`,
      );
      if (stopped === 0) throw new Error('no active service worker to stop in this profile');
    },
    close: () => context.close(),
  };
}

export async function launchFirefox(): Promise<Engine> {
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: process.env['FIREFOX_PATH'] ?? '/usr/bin/firefox-esr',
    headless: true,
    args: ['--remote-allow-system-access'],
    protocolTimeout: 60_000,
  });
  const version = (await browser.version()).replace(/^firefox\//, '').split('.')[0] ?? '';
  return {
    name: 'firefox-esr',
    version,
    newProfile: async () => profile(browser, await browser.createBrowserContext()),
    close: () => browser.close(),
  };
}
