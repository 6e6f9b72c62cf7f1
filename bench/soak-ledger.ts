/**
 * What the soak counts, and the rules it counts by: every customer call's answer by class, each
 * session's fate (alive, ended after a deliberate revocation, or lost), and its expiry episodes. No I/O:
 * the run feeds it answers and times, and `soak-ledger.test.ts` feeds it by hand.
 */
import { ANSWER_CLASSES, classifyAnswer, type AnswerClass } from './soak-plan.ts';
import type { Reply } from './soak-client.ts';

export type StoreKind = 'sqlite' | 'redis';
/** Which customer call: the Customer Account API proxy, the session read, or `/auth/refresh`. */
export type CallPath = 'graphql' | 'session' | 'refresh';

export interface SoakSession {
  id: number;
  store: StoreKind;
  email: string;
  /** The customer's GraphQL id: every answer for this session must be about this customer. */
  customerId: string;
  cookie: string;
  /** Its customer's grants were revoked at Shopify on purpose while it was live: it may end. */
  revoked: boolean;
  state: 'live' | 'ended' | 'lost';
  /** An action is under way on it (the soak never runs two actions on one session at once). */
  busy: boolean;
  /** Its token was moved into the refresh buffer and no answer has carried a fresh expiry since. */
  episodeOpen: boolean;
}

export interface LostSession {
  session: number;
  store: StoreKind;
  /** Seconds into the traffic (negative: before it; past its end: the final check). */
  atSeconds: number;
  how: string;
}

export type ClassCounts = Record<AnswerClass, number>;
export const noAnswers = (): ClassCounts => Object.fromEntries(ANSWER_CLASSES.map((name) => [name, 0])) as ClassCounts;

/** An answer whose expiry is further away than this carries fresh tokens (an episode leaves 30 s, a refresh a day). */
const FRESH_EXPIRY_MS = 10 * 60_000;

/** The customer id in a GraphQL answer, or `null` when the body carries none. */
export function customerIdIn(body: string): string | null {
  try {
    const id = (JSON.parse(body) as { data?: { customer?: { id?: unknown } } }).data?.customer?.id;
    return typeof id === 'string' ? id : null;
  } catch {
    return null;
  }
}

/** `GET /auth/session` said the session is signed out. */
function signedOutView(body: string): boolean {
  try {
    return (JSON.parse(body) as { authenticated?: unknown }).authenticated === false;
  } catch {
    return false;
  }
}

export function createLedger() {
  const answers = noAnswers();
  const byStore: Record<StoreKind, ClassCounts> = { sqlite: noAnswers(), redis: noAnswers() };
  /** Named windows (an episode under way) that count the answers of one store while they are open. */
  const windows = new Map<string, { store: StoreKind; counts: ClassCounts; open: boolean }>();
  const lost: LostSession[] = [];
  const tally = {
    /** 200 answers about another customer than the session's. */
    wrongCustomer: 0,
    /** 200 GraphQL answers that carry no customer at all (a GraphQL error such as THROTTLED). */
    noCustomer: 0,
    /** 401 reauth (or a signed-out session view) for a session revoked on purpose. */
    reauthRevoked: 0,
    episodesOpened: 0,
    episodesRefreshed: 0,
    revokedEnded: 0,
  };

  /** Ends `session` after an answer that says it is over: expected when revoked on purpose, else lost. */
  const end = (session: SoakSession, atSeconds: number, how: string) => {
    if (session.state !== 'live') return;
    if (session.revoked) {
      session.state = 'ended';
      tally.revokedEnded += 1;
      return;
    }
    session.state = 'lost';
    lost.push({ session: session.id, store: session.store, atSeconds, how });
  };

  return {
    answers,
    byStore,
    lost,
    tally,
    end,
    /**
     * Counts one customer call's answer for `session` and applies what it says: a fresh expiry closes
     * the session's episode; a reauth ends the session. Answers the class.
     */
    record(session: SoakSession, path: CallPath, reply: Reply, nowMs: number, atSeconds: number): AnswerClass {
      let kind = classifyAnswer(reply.status, reply.body);
      if (path === 'session' && kind === 'ok' && signedOutView(reply.body)) kind = 'reauth';
      answers[kind] += 1;
      byStore[session.store][kind] += 1;
      for (const window of windows.values())
        if (window.open && window.store === session.store) window.counts[kind] += 1;
      if (kind === 'ok' && path === 'graphql') {
        const id = customerIdIn(reply.body);
        if (id === null) tally.noCustomer += 1;
        else if (id !== session.customerId) tally.wrongCustomer += 1;
      }
      if (session.episodeOpen && reply.expiresAtMs !== null && reply.expiresAtMs - nowMs > FRESH_EXPIRY_MS) {
        session.episodeOpen = false;
        tally.episodesRefreshed += 1;
      }
      if (kind === 'reauth') {
        if (session.revoked) tally.reauthRevoked += 1;
        end(session, atSeconds, `${path} answered ${reply.status} reauth`);
      }
      return kind;
    },
    /** `/demo/expire-soon` succeeded: a new episode unless one is already open on the session. */
    openEpisode(session: SoakSession) {
      if (session.episodeOpen) return;
      session.episodeOpen = true;
      tally.episodesOpened += 1;
    },
    /**
     * Episodes no answer has closed (their session ended first, or never refreshed): each may have cost
     * one refresh or none.
     */
    unresolvedEpisodes: (sessions: readonly SoakSession[]) => sessions.filter((s) => s.episodeOpen).length,
    openWindow(name: string, store: StoreKind) {
      windows.set(name, { store, counts: noAnswers(), open: true });
    },
    closeWindow(name: string) {
      const window = windows.get(name);
      if (window !== undefined) window.open = false;
    },
    windowCounts: (name: string): ClassCounts | null => windows.get(name)?.counts ?? null,
  };
}

export type Ledger = ReturnType<typeof createLedger>;
