/** Alice and Bob in two browser profiles, storming at once: each sees only their own data. */
import { ALICE, BOB } from '../stack.ts';
import { assert, expireSoon, refreshCounter, signedInTabs, storm, type Scenario } from '../scenario.ts';

export const scenario: Scenario = {
  name: 'Alice and Bob isolated (two profiles)',
  async run(context) {
    const alice = await signedInTabs(context, ALICE, 3);
    const bob = await signedInTabs(context, BOB, 3);
    await expireSoon(alice.tabs);
    await expireSoon(bob.tabs);
    const refreshes = await refreshCounter(context.stack);

    const [aliceResults, bobResults] = await Promise.all([storm(alice.tabs, 10), storm(bob.tabs, 10)]);

    assert.deepEqual(
      aliceResults,
      Array.from({ length: 30 }, () => ALICE),
    );
    assert.deepEqual(
      bobResults,
      Array.from({ length: 30 }, () => BOB),
    );
    // One refresh per customer.
    assert.deepEqual(await refreshes(), { shopify: 2, bff: 2 });
  },
};
