/**
 * The small driver interface the shared scenarios are written against, implemented once per engine:
 * Playwright (Chromium), puppeteer-core over WebDriver BiDi (Firefox ESR), WebdriverIO over WebDriver
 * (WebKitGTK). A profile is one browser profile (its own cookies, storage and service workers); a
 * tab is one top-level page in it.
 */

/** Thrown by a driver that cannot do something: the scenario is reported "not run", with the reason. */
export class NotSupported extends Error {
  override readonly name = 'NotSupported';
  /** A few words for the totals line, e.g. `no SW termination over WebDriver`. */
  readonly short: string;
  constructor(short: string, message: string) {
    super(message);
    this.short = short;
  }
}

export interface Tab {
  /** Navigates and waits for the load (an absolute URL). */
  goto(url: string): Promise<void>;
  /**
   * Runs `fn(arg)` in the page and resolves with its (awaited, JSON-serializable) result. `fn` must be
   * self-contained: it is sent as source text.
   */
  evaluate<A, R>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  url(): Promise<string>;
  /**
   * A reload that bypasses the service worker (what Shift+reload does): the page comes back without
   * a controller. @throws NotSupported where the driver cannot do it.
   */
  hardReload(): Promise<void>;
  close(): Promise<void>;
}

export interface Profile {
  newTab(): Promise<Tab>;
  /** Stops this profile's running service workers. @throws NotSupported where the driver cannot. */
  terminateServiceWorkers(): Promise<void>;
  close(): Promise<void>;
}

export interface Engine {
  /** `chromium`, `firefox-esr`, `webkitgtk`. */
  readonly name: string;
  readonly version: string;
  newProfile(): Promise<Profile>;
  close(): Promise<void>;
}

export type EngineName = 'chromium' | 'firefox' | 'webkit';
