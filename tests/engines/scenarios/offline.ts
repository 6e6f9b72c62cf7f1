/**
 * Offline is not a sign-out: with the network to the BFF cut for real (the proxy stops listening and
 * drops its connections), calls answer OFFLINE, every tab stays signed in where it was; back online,
 * calls work again and the offline notice goes away.
 */
import { ALICE } from '../stack.ts';
import { accountUrl, assert, queryOnce, signedInTabs, sleep, waitFor, type Scenario } from '../scenario.ts';

// Page functions are sent as source: each must be self-contained.
const bannerShown = (): boolean =>
  document.querySelector<HTMLElement>('[data-testid="offline-banner"]')?.hidden === false;
const bannerHidden = (): boolean =>
  document.querySelector<HTMLElement>('[data-testid="offline-banner"]')?.hidden === true;

export const scenario: Scenario = {
  name: 'offline → no sign-out, then recovery',
  async run(context) {
    const { stack } = context;
    const { tabs } = await signedInTabs(context, ALICE, 2);
    const startedMs = Date.now();

    await stack.offline();
    try {
      assert.equal(await queryOnce(tabs[0]!), 'OFFLINE/503');
      assert.equal(await queryOnce(tabs[1]!), 'OFFLINE/503');
      await waitFor(tabs[0]!, 'the offline notice', bannerShown, null);
      await sleep(500);
      for (const [n, tab] of tabs.entries()) {
        assert.equal(await tab.evaluate(() => document.documentElement.dataset['session'], null), 'signed-in');
        assert.equal(await tab.url(), accountUrl(stack, n));
      }
    } finally {
      await stack.online();
    }

    assert.equal(await queryOnce(tabs[0]!), ALICE);
    assert.equal(await queryOnce(tabs[1]!), ALICE);
    await waitFor(tabs[0]!, 'the offline notice gone', bannerHidden, null);
    assert.equal(stack.count('GET', '/auth/login', startedMs), 0, 'no tab went to sign in');
    const session = await tabs[1]!.evaluate(
      () => fetch('/auth/session').then((r) => r.json() as Promise<{ authenticated: boolean }>),
      null,
    );
    assert.equal(session.authenticated, true);
  },
};
