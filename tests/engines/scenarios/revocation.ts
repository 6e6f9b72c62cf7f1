/**
 * A revoked grant: one call in one tab, and within 2 s every tab knows the session is dead; exactly one
 * of them leaves for Shopify's sign-in (one sign-in for the browser, not one per tab), and the others
 * stay where they are, signed out, until that sign-in brings them back.
 */
import { ALICE } from '../stack.ts';
import { assert, noteSignOuts, queryOnce, signedInTabs, signedOutAt, sleep, type Scenario } from '../scenario.ts';

export const scenario: Scenario = {
  name: 'revocation → every tab signed out within 2 s, exactly one leaves for sign-in',
  async run(context) {
    const { stack } = context;
    const { tabs } = await signedInTabs(context, ALICE, 5);
    await noteSignOuts(tabs);
    await stack.revoke(ALICE);

    const startedMs = Date.now();
    assert.equal(await queryOnce(tabs[2]!), 'REAUTH_REQUIRED/401');

    // The tabs' navigations to the BFF's sign-in, seen by the proxy: each returnTo names its tab.
    const leavers = (): number[] =>
      tabs.flatMap((_, n) =>
        stack.seen.some(
          (r) =>
            r.atMs >= startedMs &&
            r.method === 'GET' &&
            r.url.split('?')[0] === '/auth/login' &&
            new URL(r.url, stack.app).searchParams.get('returnTo') === `/account?tab=${n}`,
        )
          ? [n]
          : [],
      );
    const until = Date.now() + 5000;
    while (Date.now() < until && leavers().length === 0) await sleep(50);
    assert.ok(leavers().length > 0, 'no tab left for sign-in within 5 s');
    const firstLeftMs = Date.now() - startedMs;
    assert.ok(firstLeftMs < 2000, `a tab left for sign-in after ${firstLeftMs} ms`);
    // Time enough for a second tab to leave, were it going to.
    await sleep(1500);
    assert.equal(leavers().length, 1, `tabs that left for sign-in: ${leavers().join(', ')}`);

    const [leaver] = leavers();
    for (const [n, tab] of tabs.entries()) {
      if (n === leaver) continue;
      const at = await signedOutAt(tab);
      assert.ok(typeof at === 'number', `tab ${n} never showed signed out`);
      assert.ok(at - startedMs < 2000, `tab ${n} showed signed out after ${at - startedMs} ms`);
    }
    context.note(`tab ${leaver} left for sign-in after ${firstLeftMs} ms; the other 4 showed signed out in place`);
  },
};
