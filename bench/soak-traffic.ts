/**
 * The soak's load and Shopify's faults: customer actions started at a fixed rate on idle sessions
 * (bounded in flight), and one injected fault at a time, in turn, at a fixed interval.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { EmulatorAdmin } from './soak-client.ts';
import type { SoakSession } from './soak-ledger.ts';
import type { SoakPool } from './soak-pool.ts';

/** Bounds the load: an action due while this many are under way is skipped (and counted). */
const MAX_IN_FLIGHT = 48;
const TICK_MS = 50;
/** Of the actions: an expiry episode and a burst of calls on it; a session read; the rest one API call. */
const EXPIRY_SHARE = 0.06;
const SESSION_READ_SHARE = 0.04;
const BURST = { min: 2, max: 8 };

/** The Shopify faults, injected in turn: each fails the next `count` calls of its endpoint, then is spent. */
export const FAULTS: ReadonlyArray<{ label: string; spec: Record<string, unknown> & { count: number } }> = [
  { label: 'token 503', spec: { endpoint: 'token', kind: 'status', status: 503, count: 3 } },
  { label: 'GraphQL 503', spec: { endpoint: 'graphql', kind: 'status', status: 503, count: 5 } },
  { label: 'token 401, empty error code', spec: { endpoint: 'token', kind: 'status', status: 401, count: 2 } },
  { label: 'GraphQL connection reset', spec: { endpoint: 'graphql', kind: 'reset', count: 3 } },
  // Longer than the BFF's 5 s attempt timeout; `before`: the token is not rotated (no lost answer).
  { label: 'token timeout (6 s)', spec: { endpoint: 'token', kind: 'timeout', timeoutMs: 6_000, count: 1 } },
  {
    label: 'GraphQL 429',
    spec: { endpoint: 'graphql', kind: 'status', status: 429, headers: { 'retry-after': '1' }, count: 3 },
  },
  {
    label: 'token 429',
    spec: { endpoint: 'token', kind: 'status', status: 429, headers: { 'retry-after': '1' }, count: 2 },
  },
];

/** One customer action on `session`: an expiry episode with a burst of calls, a session read, or a call. */
async function act(pool: SoakPool, session: SoakSession): Promise<void> {
  const roll = Math.random();
  if (roll < EXPIRY_SHARE) {
    // The token moves into the refresh buffer; then a burst of calls races for the one refresh across
    // the group's BFFs (both Redis instances for a Redis session).
    await pool.expireSoon(session);
    const burst = BURST.min + Math.floor(Math.random() * (BURST.max - BURST.min + 1));
    await Promise.all(Array.from({ length: burst }, () => pool.call(session)));
  } else if (roll < EXPIRY_SHARE + SESSION_READ_SHARE) {
    await pool.readSession(session);
  } else {
    await pool.call(session);
  }
}

/** Starts `ratePerSecond` actions a second; `stop` ends the ticking and resolves once none is in flight. */
export function startTraffic(pool: SoakPool, ratePerSecond: number) {
  const actions = { started: 0, skipped: 0 };
  let inFlight = 0;
  let credit = 0;
  const ticker = setInterval(() => {
    credit += (ratePerSecond * TICK_MS) / 1000;
    for (; credit >= 1; credit -= 1) {
      const session = inFlight < MAX_IN_FLIGHT ? pool.idleSession() : null;
      if (session === null) {
        actions.skipped += 1;
        continue;
      }
      actions.started += 1;
      inFlight += 1;
      session.busy = true;
      void act(pool, session).finally(() => {
        session.busy = false;
        inFlight -= 1;
      });
    }
  }, TICK_MS);
  return {
    async stop() {
      clearInterval(ticker);
      while (inFlight > 0) await sleep(50);
      return actions;
    },
  };
}

/** Injects the next of `FAULTS` every `everyMs`; `stop` answers how many failing calls of each were asked for. */
export function startFaults(admin: EmulatorAdmin, everyMs: number, say: (line: string) => void) {
  const injected: Record<string, number> = {};
  let turn = 0;
  const injector = setInterval(() => {
    const fault = FAULTS[turn++ % FAULTS.length]!;
    admin.fault(fault.spec).then(
      () => void (injected[fault.label] = (injected[fault.label] ?? 0) + fault.spec.count),
      (error: unknown) => say(`fault not injected: ${String(error)}`),
    );
  }, everyMs);
  return {
    stop() {
      clearInterval(injector);
      return injected;
    },
  };
}
