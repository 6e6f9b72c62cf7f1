/**
 * An engine without Web Locks anywhere — pages and service worker (the proxy removes them: stack.ts,
 * `no-locks`). The SW cannot load the broadcast-channel fallback (`import()` is not allowed in a service
 * worker), so it takes no lock of its own: its calls go on to the BFF, whose own single flight makes the
 * one refresh. 5 tabs × 10 calls: all succeed, one refresh at Shopify, nobody signed out.
 */
import { ALICE } from '../stack.ts';
import { assert, expireSoon, refreshCounter, signedInTabs, storm, type Scenario } from '../scenario.ts';

export const scenario: Scenario = {
  name: 'no Web Locks in pages nor SW → 1 refresh',
  async run(context) {
    const { stack } = context;
    const profile = await context.profile();
    stack.setFallback('no-locks');
    const startedMs = Date.now();
    const { tabs } = await signedInTabs(context, ALICE, 5, { profile });
    for (const tab of tabs) {
      const state = await tab.evaluate(
        () => ({
          forced: document.documentElement.dataset['enginesFallback'],
          locks: 'locks' in navigator,
          controlled: window.storefront!.client.controlled,
        }),
        null,
      );
      assert.deepEqual(state, { forced: 'no-locks', locks: false, controlled: true });
    }
    // The SW in control is the one whose script lost its Web Locks.
    const swScripts = stack.seen.filter((r) => r.atMs >= startedMs && r.url.startsWith('/sw.js?'));
    assert.ok(
      swScripts.some((r) => r.fallback),
      `sw.js was never fetched with the no-locks switch: ${JSON.stringify(swScripts)}`,
    );
    await expireSoon(tabs);
    const refreshes = await refreshCounter(stack);

    const results = await storm(tabs, 10);

    assert.deepEqual(
      results,
      Array.from({ length: 50 }, () => ALICE),
    );
    const { shopify, bff } = await refreshes();
    assert.equal(shopify, 1, 'one refresh at Shopify');
    // 0 when the SW skipped the lock and let the BFF refresh inside the calls.
    assert.ok(bff <= 1, `${bff} POST /auth/refresh`);
    context.note(`POST /auth/refresh ×${bff}`);
  },
};
