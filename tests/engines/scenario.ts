/**
 * What the shared scenarios are made of: the scenario shape, and helpers written only against the
 * driver interface (driver.ts) and the stack (stack.ts) — signing in, opening tabs, storming calls,
 * putting the session inside the refresh buffer. Nothing here knows which engine runs it.
 *
 * Timing is never asserted (two shared cores), except the issue's generous "within 2 s" for a
 * revocation or a sign-out to reach every tab.
 */
import { strict as assert } from 'node:assert';
import type { Engine, Profile, Tab } from './driver.ts';
import type { Stack } from './stack.ts';

export interface ScenarioContext {
  readonly engine: Engine;
  readonly stack: Stack;
  /** A fresh browser profile, closed after the scenario. */
  profile(): Promise<Profile>;
  /** Adds a line to the scenario's report (what was observed in this engine). */
  note(text: string): void;
}

export interface Scenario {
  readonly name: string;
  run(context: ScenarioContext): Promise<void>;
}

/** The page's state as the scenarios read it (`window.storefront`, from client/app/shell.ts). */
export type Win = Window & Record<string, unknown>;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `fn(arg)` in `tab` until it returns true; a page in the middle of navigating is retried. `fn` is
 * sent as source text: it must not use anything from this module (a ReferenceError fails at once).
 */
export async function waitFor<A>(
  tab: Tab,
  what: string,
  fn: (arg: A) => boolean | Promise<boolean>,
  arg: A,
  timeoutMs = 10_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last: unknown = null;
  while (Date.now() < until) {
    try {
      if (await tab.evaluate(fn, arg)) return;
    } catch (error) {
      if (String(error).includes('ReferenceError')) throw error;
      last = error;
    }
    await sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
}

const isSignedIn = (): boolean => document.documentElement?.dataset['session'] === 'signed-in';
const isSignedInControlled = (): boolean =>
  document.documentElement?.dataset['session'] === 'signed-in' && navigator.serviceWorker?.controller != null;

/** One line about a page, for a failure's message: URL, session state, SW controller and registration. */
async function describePage(): Promise<string> {
  const registration = await navigator.serviceWorker?.getRegistration();
  const worker = (w: ServiceWorker | null | undefined): string => (w ? w.state : '-');
  return (
    `${location.pathname}${location.search} session=${document.documentElement?.dataset['session']} ` +
    `controller=${navigator.serviceWorker?.controller ? 'yes' : 'no'} registration=${registration ? `installing:${worker(registration.installing)} waiting:${worker(registration.waiting)} active:${worker(registration.active)}` : 'none'}`
  );
}

/** `<app>/account?tab=<n>`: each tab's URL names it (the sign-in URL it leaves for carries it as returnTo). */
export const accountUrl = (stack: Stack, n: number): string => `${stack.app}/account?tab=${n}`;

/** Signs `tab` in through the real OAuth redirects (the emulator auto-submits the hint); lands on tab 0's URL. */
export async function signIn(stack: Stack, tab: Tab, email: string): Promise<void> {
  const query = new URLSearchParams({ returnTo: '/account?tab=0', login_hint: email, login_hint_mode: 'submit' });
  await tab.goto(`${stack.app}/auth/login?${query.toString()}`);
  await waitFor(tab, `signed in as ${email}`, isSignedIn, null, 15_000);
  assert.equal(await tab.url(), accountUrl(stack, 0));
}

/**
 * A profile with `count` tabs signed in as `email` (tab n on `/account?tab=n`); with `controlled`, each
 * also controlled by the service worker.
 */
export async function signedInTabs(
  context: ScenarioContext,
  email: string,
  count: number,
  options: { readonly controlled?: boolean; readonly profile?: Profile } = {},
): Promise<{ profile: Profile; tabs: Tab[] }> {
  const controlled = options.controlled ?? true;
  const profile = options.profile ?? (await context.profile());
  const first = await profile.newTab();
  await signIn(context.stack, first, email);
  // Like a returning customer: the SW is in control before the other tabs open. (A tab whose page loads
  // while the SW activates can miss its `clients.claim()` and stay uncontrolled until reloaded — still
  // correct, it then coordinates itself — but these scenarios want the controlled case.)
  if (controlled) await waitFor(first, 'the first tab controlled by the SW', isSignedInControlled, null);
  const tabs = [first];
  for (let n = 1; n < count; n += 1) {
    const tab = await profile.newTab();
    await tab.goto(accountUrl(context.stack, n));
    tabs.push(tab);
  }
  try {
    for (const tab of tabs) {
      if (controlled) await waitFor(tab, 'signed in and controlled by the SW', isSignedInControlled, null);
      else await waitFor(tab, 'signed in', isSignedIn, null);
    }
  } catch (error) {
    const states: string[] = [];
    for (const tab of tabs) states.push(await tab.evaluate(describePage, null).catch((e: unknown) => String(e)));
    throw new Error(`${(error as Error).message}; tabs: ${states.join(' | ')}`, { cause: error });
  }
  return { profile, tabs };
}

/** Puts the session inside the refresh buffer (demo control from the first tab) and lets every context learn it. */
export async function expireSoon(tabs: readonly Tab[]): Promise<void> {
  await tabs[0]!.evaluate(() => window.storefront!.demo.expireSoon().then(() => true), null);
  for (const tab of tabs) {
    await waitFor(
      tab,
      'the session inside the refresh buffer',
      () => {
        const client = window.storefront!.client;
        const buffer = (client.current?.refreshBufferSeconds ?? 60) * 1000;
        return client.expiresAtMs !== null && client.expiresAtMs - Date.now() < buffer;
      },
      null,
    );
  }
  // The SW learns it from the same channel message: give its event loop a moment (not a timing assertion).
  await sleep(300);
}

/**
 * `perTab` parallel customer calls in every tab, started together: each tab arms its calls on a
 * BroadcastChannel, then one message starts them all (a WebDriver client can only talk to one window
 * at a time). Resolves with each call's e-mail, or `error:<code>`.
 */
export async function storm(tabs: readonly Tab[], perTab = 10): Promise<string[]> {
  for (const tab of tabs) {
    await tab.evaluate((n: number) => {
      const win = window as unknown as Win;
      win['__enginesStorm'] = new Promise<string[]>((resolve) => {
        const go = new BroadcastChannel('engines-go');
        go.onmessage = () => {
          go.close();
          const client = window.storefront!.client;
          void Promise.allSettled(
            Array.from({ length: n }, () =>
              client.query<{ customer: { emailAddress: { emailAddress: string } | null } | null }>(
                'query Storm { customer { id emailAddress { emailAddress } } }',
              ),
            ),
          ).then((settled) =>
            resolve(
              settled.map((r) =>
                r.status === 'fulfilled'
                  ? (r.value.data?.customer?.emailAddress?.emailAddress ?? `no-data:${JSON.stringify(r.value.errors)}`)
                  : `error:${(r.reason as { code?: string }).code ?? String(r.reason)}`,
              ),
            ),
          );
        };
      });
      return true;
    }, perTab);
  }
  await tabs[0]!.evaluate(() => {
    const go = new BroadcastChannel('engines-go');
    go.postMessage('go');
    go.close();
    return true;
  }, null);
  const results: string[] = [];
  for (const tab of tabs) {
    results.push(
      ...(await tab.evaluate(() => (window as unknown as Win)['__enginesStorm'] as Promise<string[]>, null)),
    );
  }
  return results;
}

/** One customer call from `tab`: the e-mail, or `<code>/<status>` of the CustomerClientError. */
export function queryOnce(tab: Tab): Promise<string> {
  return tab.evaluate(
    () =>
      window
        .storefront!.client.query<{ customer: { emailAddress: { emailAddress: string } } }>(
          '{ customer { emailAddress { emailAddress } } }',
        )
        .then(
          (answer) => answer.data?.customer.emailAddress.emailAddress ?? 'no-data',
          (error: { code?: string; status?: number }) => `${error.code}/${error.status}`,
        ),
    null,
  );
}

/** Counts in `tab` the service worker's `hello` messages on the session bus from now on. */
export async function listenForSwHello(tab: Tab): Promise<void> {
  await tab.evaluate(() => {
    const win = window as unknown as Win;
    const seen: string[] = [];
    win['__enginesSwHellos'] = seen;
    const bus = new BroadcastChannel('customer-session.v1');
    bus.onmessage = (event: MessageEvent<{ type?: string; from?: { kind?: string; id?: string } }>) => {
      if (event.data?.type === 'hello' && event.data.from?.kind === 'sw') seen.push(event.data.from.id ?? '?');
    };
    return true;
  }, null);
}

/** Refresh counts since a point: at Shopify (the emulator) and `POST /auth/refresh` calls to the BFF. */
export async function refreshCounter(stack: Stack): Promise<() => Promise<{ shopify: number; bff: number }>> {
  const since = Date.now();
  const before = (await stack.emulatorStats()).token.refresh_token;
  return async () => ({
    shopify: (await stack.emulatorStats()).token.refresh_token - before,
    bff: stack.count('POST', '/auth/refresh', since),
  });
}

export { assert };

/**
 * `perTab` calls from every tab at once, after the counters start: every call answers `email`, and
 * the whole storm costs exactly one refresh at Shopify and one `POST /auth/refresh` from the browser.
 */
export async function stormOnOneRefresh(context: ScenarioContext, tabs: readonly Tab[], email: string, perTab = 10) {
  const refreshes = await refreshCounter(context.stack);
  const results = await storm(tabs, perTab);
  assert.deepEqual(
    results,
    Array.from({ length: tabs.length * perTab }, () => email),
  );
  assert.deepEqual(await refreshes(), { shopify: 1, bff: 1 });
}

/**
 * Has every tab note, by its own clock, when it first shows signed out (see `signedOutAt`). Anything
 * that evaluates in a page will do: an engine's tab, or a Playwright page (the e2e specs, the bench).
 */
export async function noteSignOuts(tabs: ReadonlyArray<Pick<Tab, 'evaluate'>>): Promise<void> {
  for (const tab of tabs) {
    await tab.evaluate(() => {
      const root = document.documentElement;
      new MutationObserver(() => {
        const win = window as unknown as Win;
        if (root.dataset['session'] === 'signed-out' && win['__enginesSignedOutAt'] === undefined)
          win['__enginesSignedOutAt'] = Date.now();
      }).observe(root, { attributes: true, attributeFilter: ['data-session'] });
      return true;
    }, null);
  }
}

/** When the tab first showed signed out since `noteSignOuts` (its clock), or `null` if it never did. */
export const signedOutAt = (tab: Pick<Tab, 'evaluate'>): Promise<number | null> =>
  tab.evaluate(() => ((window as unknown as Win)['__enginesSignedOutAt'] as number | undefined) ?? null, null);
