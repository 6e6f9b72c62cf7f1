/** 5 tabs × 10 parallel calls inside the refresh buffer: all succeed on exactly one refresh. */
import { ALICE } from '../stack.ts';
import { assert, expireSoon, refreshCounter, signedInTabs, storm, type Scenario } from '../scenario.ts';

export const scenario: Scenario = {
  name: '5 tabs × 10 calls inside the buffer → 1 refresh',
  async run(context) {
    const { tabs } = await signedInTabs(context, ALICE, 5);
    await expireSoon(tabs);
    const refreshes = await refreshCounter(context.stack);

    const results = await storm(tabs, 10);

    assert.deepEqual(
      results,
      Array.from({ length: 50 }, () => ALICE),
    );
    // Exactly once at Shopify, and through the tabs' and the SW's own protocol (one POST /auth/refresh).
    assert.deepEqual(await refreshes(), { shopify: 1, bff: 1 });
  },
};
