/** A revoked grant: one call in one tab sends all 5 tabs to sign in, each within 2 s. */
import { ALICE } from '../stack.ts';
import { assert, queryOnce, signedInTabs, sleep, type Scenario } from '../scenario.ts';

export const scenario: Scenario = {
  name: 'revocation → every tab leaves for sign-in within 2 s',
  async run(context) {
    const { stack } = context;
    const { tabs } = await signedInTabs(context, ALICE, 5);
    await stack.revoke(ALICE);

    const startedMs = Date.now();
    assert.equal(await queryOnce(tabs[2]!), 'REAUTH_REQUIRED/401');

    // Each tab's navigation to the BFF's sign-in, seen by the proxy: its returnTo names the tab.
    const leftAt = (n: number): number | undefined =>
      stack.seen.find(
        (r) =>
          r.atMs >= startedMs &&
          r.method === 'GET' &&
          r.url.split('?')[0] === '/auth/login' &&
          new URL(r.url, stack.app).searchParams.get('returnTo') === `/account?tab=${n}`,
      )?.atMs;
    const until = Date.now() + 5000;
    while (Date.now() < until && tabs.some((_, n) => leftAt(n) === undefined)) await sleep(50);
    const delays = tabs.map((_, n) => (leftAt(n) ?? Infinity) - startedMs);
    for (const [n, delay] of delays.entries()) assert.ok(delay < 2000, `tab ${n} left for sign-in after ${delay} ms`);
    context.note(`left for sign-in after ${delays.map((d) => `${d} ms`).join(', ')}`);
  },
};
