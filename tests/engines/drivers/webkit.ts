/**
 * WebKitGTK through WebdriverIO over classic WebDriver (`WebKitWebDriver` driving `MiniBrowser`).
 * WebKitWebDriver takes one session at a time, so a profile is one driver process with its own
 * MiniBrowser (its own cookies, storage and service workers); a tab is one of its windows. Commands
 * act on the current window, so each profile runs its commands one at a time, switching windows as
 * needed. MiniBrowser (GTK 3) has no headless mode: it runs on a private Xvfb.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { remote } from 'webdriverio';
import { NotSupported, type Engine, type Profile, type Tab } from '../driver.ts';

const DRIVER = process.env['WEBKIT_WEBDRIVER_PATH'] ?? '/usr/bin/WebKitWebDriver';
const MINIBROWSER = process.env['WEBKIT_MINIBROWSER_PATH'] ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

type Browser = Awaited<ReturnType<typeof remote>>;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

async function startXvfb(): Promise<{ display: string; process: ChildProcess }> {
  const xvfb = spawn('Xvfb', ['-displayfd', '1', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const display = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('Xvfb did not report a display within 10 s')), 10_000);
    xvfb.once('error', reject);
    xvfb.stdout?.setEncoding('utf8').once('data', (chunk: string) => {
      clearTimeout(timer);
      resolve(`:${chunk.trim()}`);
    });
  });
  return { display, process: xvfb };
}

async function waitDriver(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 100; i += 1) {
    if (child.exitCode !== null) throw new Error(`WebKitWebDriver exited (${child.exitCode})`);
    const ok = await fetch(`http://127.0.0.1:${port}/status`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('WebKitWebDriver did not answer within 10 s');
}

async function openProfile(display: string): Promise<Profile & { readonly version: string }> {
  const port = await freePort();
  const driver = spawn(DRIVER, [`--port=${port}`], { env: { ...process.env, DISPLAY: display }, stdio: 'ignore' });
  await waitDriver(port, driver);
  let browser: Browser;
  try {
    browser = await remote({
      hostname: '127.0.0.1',
      port,
      logLevel: 'error',
      connectionRetryCount: 0,
      capabilities: {
        browserName: 'MiniBrowser',
        // Classic WebDriver only (WebdriverIO 9 would otherwise ask for a BiDi session first).
        'wdio:enforceWebDriverClassic': true,
        'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
      } as WebdriverIO.Capabilities,
    });
  } catch (error) {
    driver.kill('SIGTERM');
    throw error;
  }
  // One command at a time per profile: each runs after switching to its window.
  let queue: Promise<unknown> = Promise.resolve();
  let current: string = await browser.getWindowHandle();
  let firstFree = true;
  const run = <T>(handle: string | null, task: () => Promise<T>): Promise<T> => {
    const next = queue.then(async () => {
      if (handle !== null && handle !== current) {
        await browser.switchToWindow(handle);
        current = handle;
      }
      return task();
    });
    queue = next.catch(() => undefined);
    return next;
  };

  const tab = (handle: string): Tab => ({
    goto: (url) => run(handle, async () => void (await browser.url(url))),
    evaluate: (fn, arg) =>
      run(handle, () => browser.execute(fn as (...args: unknown[]) => unknown, arg) as Promise<never>),
    url: () => run(handle, () => browser.getUrl()),
    async hardReload() {
      throw new NotSupported(
        'no SW-bypassing reload over WebDriver',
        'WebKitWebDriver 2.50 has no reload that bypasses the service worker (its Refresh is a plain reload, and ' +
          "synthesized key presses, even Ctrl+R, never reach MiniBrowser's own shortcuts such as Ctrl+Shift+R)",
      );
    },
    close: () =>
      run(handle, async () => {
        await browser.closeWindow();
        const [other] = await browser.getWindowHandles();
        if (other !== undefined) {
          await browser.switchToWindow(other);
          current = other;
        }
      }),
  });

  return {
    version: String(browser.capabilities.browserVersion ?? '?'),
    async newTab() {
      if (firstFree) {
        firstFree = false;
        return tab(current);
      }
      const created = await run(null, () => browser.createWindow('tab'));
      return tab(created.handle);
    },
    async terminateServiceWorkers() {
      throw new NotSupported(
        'no SW termination over WebDriver',
        'neither WebDriver classic nor WebKitWebDriver 2.50 has a command to stop a service worker, and WebKitGTK ' +
          'exposes no setting for its idle-worker timeout',
      );
    },
    async close() {
      if (driver.exitCode !== null || driver.killed) return;
      await browser.deleteSession().catch(() => undefined);
      driver.kill('SIGTERM');
    },
  };
}

export async function launchWebKit(): Promise<Engine> {
  // A private Xvfb even on a desktop (no windows popping up, the same screen everywhere); the
  // session's own DISPLAY only where Xvfb is missing.
  let xvfb: ChildProcess | null = null;
  let display = process.env['DISPLAY'] ?? '';
  try {
    const started = await startXvfb();
    xvfb = started.process;
    display = started.display;
  } catch (error) {
    if (display === '')
      throw new Error(`no display for MiniBrowser: Xvfb failed (${String(error)}) and DISPLAY is unset`);
  }
  const profiles: Profile[] = [];
  // The version is the session's (`2.50.6`); the first profile is kept for the first scenario.
  let spare: (Profile & { readonly version: string }) | null = await openProfile(display);
  return {
    name: 'webkitgtk',
    version: spare.version.split('.').slice(0, 2).join('.'),
    async newProfile() {
      const profile = spare ?? (await openProfile(display));
      spare = null;
      profiles.push(profile);
      return profile;
    },
    async close() {
      await Promise.all([...profiles, ...(spare ? [spare] : [])].map((p) => p.close().catch(() => undefined)));
      xvfb?.kill('SIGTERM');
    },
  };
}
