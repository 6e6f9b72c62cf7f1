/** 5 tabs × 10 parallel calls inside the refresh buffer: all succeed on exactly one refresh. */
import { ALICE } from '../stack.ts';
import { expireSoon, signedInTabs, stormOnOneRefresh, type Scenario } from '../scenario.ts';

export const scenario: Scenario = {
  name: '5 tabs × 10 calls inside the buffer → 1 refresh',
  async run(context) {
    const { tabs } = await signedInTabs(context, ALICE, 5);
    await expireSoon(tabs);
    // Exactly once at Shopify, and through the tabs' and the SW's own protocol (one POST /auth/refresh).
    await stormOnOneRefresh(context, tabs, ALICE);
  },
};
