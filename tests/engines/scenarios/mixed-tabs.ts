/** 3 tabs the SW controls and 2 it does not (reloaded bypassing it): still exactly one refresh. */
import { ALICE } from '../stack.ts';
import { assert, expireSoon, signedInTabs, stormOnOneRefresh, waitFor, type Scenario } from '../scenario.ts';

export const scenario: Scenario = {
  name: '3 controlled + 2 uncontrolled tabs → 1 refresh',
  async run(context) {
    const { tabs } = await signedInTabs(context, ALICE, 5);
    for (const tab of tabs.slice(3)) {
      await tab.hardReload();
      await waitFor(
        tab,
        'signed in without a SW controller',
        () =>
          document.documentElement?.dataset['session'] === 'signed-in' && navigator.serviceWorker.controller === null,
        null,
      );
    }
    const controlled: boolean[] = [];
    for (const tab of tabs) controlled.push(await tab.evaluate(() => window.storefront!.client.controlled, null));
    assert.deepEqual(controlled, [true, true, true, false, false]);
    await expireSoon(tabs);
    await stormOnOneRefresh(context, tabs, ALICE);
  },
};
