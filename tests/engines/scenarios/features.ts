/**
 * What the engine offers that the design relies on, checked in the engine itself: a module service
 * worker (the storefront's own `sw.js` controls the page, and a probe module SW that imports a module
 * registers), Web Locks and BroadcastChannel in the page and inside a service worker. Each must be
 * there, or the scenario fails naming what is missing (the fallback for it then needs its own test).
 */
import { ALICE } from '../stack.ts';
import { assert, signedInTabs, type Scenario } from '../scenario.ts';

interface Probe {
  readonly module: boolean;
  readonly locks: boolean;
  readonly broadcastChannel: boolean;
}

export const scenario: Scenario = {
  name: 'engine features: module SW, Web Locks, BroadcastChannel (page and SW)',
  async run(context) {
    const { tabs } = await signedInTabs(context, ALICE, 1);
    const page = await tabs[0]!.evaluate(
      () => ({
        controller: navigator.serviceWorker.controller?.scriptURL ?? null,
        locks: typeof navigator.locks?.request === 'function',
        broadcastChannel: typeof BroadcastChannel === 'function',
      }),
      null,
    );
    const inWorker = await tabs[0]!.evaluate(async (): Promise<Probe | string> => {
      try {
        const registration = await navigator.serviceWorker.register('/__engines/probe-sw.js', {
          type: 'module',
          scope: '/__engines/',
        });
        const worker = await new Promise<ServiceWorker>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('the probe SW never activated')), 10_000);
          const check = (): void => {
            if (registration.active) {
              clearTimeout(timer);
              resolve(registration.active);
            } else setTimeout(check, 50);
          };
          check();
        });
        const answer = await new Promise<Probe>((resolve) => {
          navigator.serviceWorker.addEventListener('message', (event) => resolve(event.data as Probe), { once: true });
          worker.postMessage('probe');
        });
        await registration.unregister();
        return answer;
      } catch (error) {
        return String(error);
      }
    }, null);
    context.note(
      `sw.js in control: ${page.controller !== null}; page: locks ${page.locks}, BroadcastChannel ${page.broadcastChannel}; ` +
        `SW: ${typeof inWorker === 'string' ? inWorker : `module ${inWorker.module}, locks ${inWorker.locks}, BroadcastChannel ${inWorker.broadcastChannel}`}`,
    );
    assert.match(page.controller ?? '', /\/sw\.js\?/, 'the module sw.js controls the page');
    assert.equal(page.locks, true, 'Web Locks in the page');
    assert.equal(page.broadcastChannel, true, 'BroadcastChannel in the page');
    assert.deepEqual(inWorker, { module: true, locks: true, broadcastChannel: true });
  },
};
