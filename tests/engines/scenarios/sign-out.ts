/** Sign-out in one tab: every other tab shows signed out (within 2 s), where it was. */
import { ALICE } from '../stack.ts';
import { accountUrl, assert, noteSignOuts, signedInTabs, signedOutAt, waitFor, type Scenario } from '../scenario.ts';

export const scenario: Scenario = {
  name: 'sign-out in one tab → every tab signed out',
  async run(context) {
    const { stack } = context;
    const { tabs } = await signedInTabs(context, ALICE, 5);
    await noteSignOuts(tabs);

    const startedMs = await tabs[1]!.evaluate(() => {
      const at = Date.now();
      // The click submits a form (a POST through Shopify's end-session page): the navigation starts after
      // this script has answered. (Not in a timer: Firefox runs a background tab's timers up to 1 s late.)
      document.querySelector<HTMLButtonElement>('[data-testid="sign-out"]')!.click();
      return at;
    }, null);

    const others = tabs.flatMap((tab, n) => (n === 1 ? [] : [{ tab, n }]));
    const delays: number[] = [];
    for (const { tab, n } of others) {
      await waitFor(
        tab,
        `tab ${n} signed out`,
        () => document.documentElement.dataset['session'] === 'signed-out',
        null,
        5000,
      );
      const at = (await signedOutAt(tab))!;
      delays.push(at - startedMs);
      assert.ok(at - startedMs < 2000, `tab ${n} signed out after ${at - startedMs} ms`);
      // It stayed where it was, showing the signed-out state.
      assert.equal(await tab.url(), accountUrl(stack, n));
      assert.ok(await tab.evaluate(() => document.querySelector('[data-testid="sign-in"]') !== null, null));
    }
    // The tab that signed out came back from Shopify's end-session page to the storefront, signed out.
    await waitFor(
      tabs[1]!,
      'the signing-out tab back on the storefront, signed out',
      (app: string) => location.origin === app && document.documentElement?.dataset['session'] === 'signed-out',
      stack.app,
    );
    const session = await tabs[0]!.evaluate(
      () => fetch('/auth/session').then((r) => r.json() as Promise<{ authenticated: boolean }>),
      null,
    );
    assert.equal(session.authenticated, false);
    const at = (method: string, path: string): string => {
      const seen = stack.seen.find((r) => r.atMs >= startedMs && r.method === method && r.url.split('?')[0] === path);
      return seen === undefined ? '?' : `${seen.atMs - startedMs} ms`;
    };
    context.note(
      `signed out after ${delays.map((d) => `${d} ms`).join(', ')} (POST /auth/logout at ${at('POST', '/auth/logout')}, ` +
        `back on / at ${at('GET', '/')})`,
    );
  },
};
