/**
 * The broadcast-channel fallback in a real browser: a profile whose pages have neither Web Locks nor
 * service workers (the proxy removes both before the storefront's code runs: stack.ts), so every tab
 * coordinates itself and the cross-tab lock is the broadcast-channel package's leader election.
 * 5 tabs × 10 calls inside the buffer still make one refresh.
 */
import { REFRESH_LOCK } from '../../../client/core/policy.ts';
import { ALICE } from '../stack.ts';
import { assert, expireSoon, signedInTabs, stormOnOneRefresh, type Scenario, type Win } from '../scenario.ts';

export const scenario: Scenario = {
  name: 'broadcast-channel fallback (no Web Locks, no SW) → 1 refresh',
  async run(context) {
    const { stack } = context;
    const profile = await context.profile();
    stack.setFallback('no-locks-no-sw');
    const { tabs } = await signedInTabs(context, ALICE, 5, { controlled: false, profile });
    for (const tab of tabs) {
      const state = await tab.evaluate(
        () => ({
          forced: document.documentElement.dataset['enginesFallback'],
          locks: 'locks' in navigator,
          serviceWorker: 'serviceWorker' in navigator,
          controlled: window.storefront!.client.controlled,
        }),
        null,
      );
      assert.deepEqual(state, { forced: 'no-locks-no-sw', locks: false, serviceWorker: false, controlled: false });
    }
    await expireSoon(tabs);
    // The election's own messages (the package's `{ type: 'internal', data: { context: 'leader' } }` on
    // the lock's name), seen from the first tab: the lock taken was the election.
    await tabs[0]!.evaluate((name: string) => {
      const seen: string[] = [];
      (window as unknown as Win)['__enginesElection'] = seen;
      const channel = new BroadcastChannel(name);
      channel.onmessage = (event: MessageEvent<{ type?: string; data?: { context?: string; action?: string } }>) => {
        if (event.data?.type === 'internal' && event.data.data?.context === 'leader')
          seen.push(event.data.data.action ?? '?');
      };
      return true;
    }, REFRESH_LOCK);
    await stormOnOneRefresh(context, tabs, ALICE);
    const election = await tabs[0]!.evaluate(() => (window as unknown as Win)['__enginesElection'] as string[], null);
    assert.ok(election.includes('apply'), `no leader election on ${REFRESH_LOCK}: ${JSON.stringify(election)}`);
    context.note(`${election.length} election messages`);
  },
};
