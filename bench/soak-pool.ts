/**
 * The soak's sessions: each signed in through the real redirects (its own grant at the emulator),
 * called as a storefront calls the BFF, with every answer written to the ledger. A session revoked on
 * purpose that has ended is replaced by a new sign-in of the same customer, so the pool keeps its size.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ORDERS_QUERY, PROFILE_QUERY, signIn, type EmulatorAdmin, type Reply, type SoakClient } from './soak-client.ts';
import type { CallPath, Ledger, SoakSession, StoreKind } from './soak-ledger.ts';
import type { BffGroup, BffInstance } from './soak-stack.ts';

export const ALICE = { email: 'alice@example.com', customerId: 'gid://shopify/Customer/7000000001' };
/** Bob's sessions are the ones revoked on purpose (the emulator revokes all of a customer's grants at once). */
export const BOB = { email: 'bob@example.com', customerId: 'gid://shopify/Customer/7000000002' };
export type Customer = typeof ALICE;

/** Two sessions in every fifty are Bob's; two in five are on SQLite, the rest on the Redis pair. */
const BOB_EVERY = 50;
const SQLITE_SHARE = 0.4;
const SIGN_IN_CONCURRENCY = 8;

export const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

/** Runs `work` on every item, at most `concurrency` at a time. */
export async function eachLimited<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

export interface PoolDeps {
  client: SoakClient;
  admin: EmulatorAdmin;
  groups: Record<StoreKind, BffGroup>;
  ledger: Ledger;
  /** Seconds into the traffic, for the ledger's record of when a session was lost. */
  elapsedSeconds: () => number;
}

export type SoakPool = ReturnType<typeof createPool>;

export function createPool({ client, admin, groups, ledger, elapsedSeconds }: PoolDeps) {
  /** Every session signed in, replacements included. */
  const sessions: SoakSession[] = [];
  /** The sessions the traffic goes to: one slot each; a replacement takes the slot of the one it replaces. */
  const slots: SoakSession[] = [];
  const signIns = { initial: 0, initialSeconds: 0, replacements: 0, failed: 0 };
  /** `/demo/expire-soon` answers: 200, or not (a session that ended, a store fault). */
  const controls = { expireSoonOk: 0, expireSoonFailed: 0 };
  const replacing = new Set<Promise<void>>();
  let replacingOn = true;
  let signingIn = 0;
  let revoking = false;

  const bffFor = (session: SoakSession): BffInstance => pick(groups[session.store].bffs);

  /** One sign-in; the session, or the status that ended the attempt. */
  const newSession = async (store: StoreKind, who: Customer): Promise<SoakSession | { failedWith: number }> => {
    signingIn += 1;
    try {
      const answer = await signIn(groups[store].appOrigin, who.email);
      if ('failedWith' in answer) {
        signIns.failed += 1;
        return answer;
      }
      const session: SoakSession = {
        id: sessions.length,
        store,
        email: who.email,
        customerId: who.customerId,
        cookie: answer.cookie,
        revoked: false,
        state: 'live',
        busy: false,
        episodeOpen: false,
      };
      sessions.push(session);
      return session;
    } finally {
      signingIn -= 1;
    }
  };

  /** A session revoked on purpose has ended: a new sign-in of the same customer takes its slot. */
  const replace = (ended: SoakSession) => {
    const job = (async () => {
      await sleep(1_000);
      for (let attempt = 1; attempt <= 5 && replacingOn; attempt += 1) {
        while (revoking) await sleep(100);
        const fresh = await newSession(ended.store, ended.email === BOB.email ? BOB : ALICE);
        if (!('failedWith' in fresh)) {
          slots[slots.indexOf(ended)] = fresh;
          signIns.replacements += 1;
          return;
        }
        await sleep(2_000);
      }
    })();
    replacing.add(job);
    void job.finally(() => replacing.delete(job));
  };

  /** Writes an answer to the ledger; answers its class. */
  const record = (session: SoakSession, path: CallPath, reply: Reply) => {
    const before = session.state;
    const kind = ledger.record(session, path, reply, Date.now(), elapsedSeconds());
    if (before === 'live' && session.state === 'ended' && replacingOn) replace(session);
    return kind;
  };

  /** The demo control: the session's token moves into the refresh buffer (an expiry episode opens). */
  const expireSoon = async (session: SoakSession) => {
    const moved = await client.expireSoon(bffFor(session).url, session.cookie);
    if (moved.status !== 200) return void (controls.expireSoonFailed += 1);
    controls.expireSoonOk += 1;
    ledger.openEpisode(session);
  };

  return {
    sessions,
    slots,
    signIns,
    controls,
    bffFor,
    newSession,
    expireSoon,

    /** Signs in `count` sessions before the traffic. @throws Error when one fails three times. */
    async signInAll(count: number) {
      const startedAt = performance.now();
      const plan = Array.from({ length: count }, (_, i) => ({
        store: (i % 5 < SQLITE_SHARE * 5 ? 'sqlite' : 'redis') as StoreKind,
        who: i % BOB_EVERY < 2 ? BOB : ALICE,
      }));
      await eachLimited(plan, SIGN_IN_CONCURRENCY, async ({ store, who }) => {
        for (let attempt = 1; attempt <= 3; attempt += 1) {
          const session = await newSession(store, who);
          if (!('failedWith' in session)) return void slots.push(session);
        }
        throw new Error(`a ${store} sign-in failed three times`);
      });
      signIns.initial = slots.length;
      signIns.initialSeconds = (performance.now() - startedAt) / 1000;
    },

    /** A Customer Account API call on one of the session's BFFs (the profile or the orders query). */
    async call(session: SoakSession, query = pick([PROFILE_QUERY, ORDERS_QUERY])) {
      return record(session, 'graphql', await client.graphql(bffFor(session).url, session.cookie, query));
    },
    async readSession(session: SoakSession) {
      return record(session, 'session', await client.sessionView(bffFor(session).url, session.cookie));
    },
    /** `POST /auth/refresh {"force": true}`, outside the ledger (the final check's). */
    forceRefresh: (session: SoakSession) => client.refresh(bffFor(session).url, session.cookie, true),
    /** A profile call outside the ledger (the final check's, after its forced refresh). */
    callUnrecorded: (session: SoakSession) => client.graphql(bffFor(session).url, session.cookie, PROFILE_QUERY),

    /** A live, idle session from the slots (a few random tries), or `null`. */
    idleSession(): SoakSession | null {
      for (let tries = 0; tries < 8; tries += 1) {
        const session = pick(slots);
        if (session.state === 'live' && !session.busy) return session;
      }
      return null;
    },

    /**
     * Opens an expiry episode on up to `count` idle sessions of `store` and keeps them out of the
     * traffic (busy) for the caller, which hands them back with `release`.
     */
    async primeEpisodes(store: StoreKind, count: number) {
      const chosen = slots.filter((s) => s.store === store && s.state === 'live' && !s.busy && !s.revoked);
      const primed = chosen.slice(0, count);
      for (const session of primed) session.busy = true;
      await Promise.all(primed.map((session) => expireSoon(session)));
      return primed;
    },
    release(primed: readonly SoakSession[]) {
      for (const session of primed) session.busy = false;
    },

    /**
     * Revokes every grant of Bob's at the emulator, through `/demo/revoke` on one of his sessions or the
     * admin API. No sign-in is under way meanwhile, so exactly the sessions marked revoked are. Answers
     * how, and how many live sessions it newly revoked.
     */
    async revokeBob(via: 'demo' | 'admin'): Promise<{ via: string; sessions: number }> {
      revoking = true;
      try {
        while (signingIn > 0) await sleep(20);
        const targets = slots.filter((s) => s.state === 'live' && s.email === BOB.email);
        const newly = targets.filter((target) => !target.revoked).length;
        for (const target of targets) target.revoked = true;
        const carrier = targets[0];
        if (via === 'demo' && carrier !== undefined) {
          const answer = await client.demoRevoke(bffFor(carrier).url, carrier.cookie);
          if (answer.status === 200) return { via, sessions: newly };
          await admin.revoke(BOB.email);
          return { via: `admin (the demo control answered ${answer.status})`, sessions: newly };
        }
        await admin.revoke(BOB.email);
        return { via: 'admin', sessions: newly };
      } finally {
        revoking = false;
      }
    },

    /** No more replacements; resolves once those under way have ended. */
    async stopReplacing() {
      replacingOn = false;
      while (replacing.size > 0) await Promise.allSettled([...replacing]);
    },
  };
}
