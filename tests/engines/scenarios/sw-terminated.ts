/** The service worker stopped mid-session: the next calls still work, on one refresh, and it restarted. */
import { ALICE } from '../stack.ts';
import {
  expireSoon,
  listenForSwHello,
  signedInTabs,
  stormOnOneRefresh,
  waitFor,
  type Scenario,
  type Win,
} from '../scenario.ts';

export const scenario: Scenario = {
  name: 'SW terminated mid-session',
  async run(context) {
    const { profile, tabs } = await signedInTabs(context, ALICE, 3);
    await expireSoon(tabs);
    await listenForSwHello(tabs[0]!);
    await profile.terminateServiceWorkers();
    await stormOnOneRefresh(context, tabs, ALICE);
    // A running SW says hello once, when its script starts: a new one shows it was stopped and restarted.
    await waitFor(
      tabs[0]!,
      'a restarted SW saying hello',
      () => ((window as unknown as Win)['__enginesSwHellos'] as string[]).length > 0,
      null,
      5000,
    );
  },
};
