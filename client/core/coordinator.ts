/**
 * The session coordinator — one copy, run by the SW and by every page the SW does not control (first
 * load, Shift+reload, no SW support): knows the session's expiry (never a token), refreshes once for
 * every context under the cross-context lock, forwards customer API calls to the BFF, turns the BFF's
 * `reauth_required` into a `logout` for every tab, and answers offline with a 503, never a logout.
 * All I/O is injected; memory is only a cache: after a restart it starts `unknown` and re-learns from
 * `GET /auth/session`.
 *
 * `client/core/` is the runtime-neutral coordination core: it uses only what both a window and a
 * ServiceWorkerGlobalScope have (fetch, Request/Response, Web Locks, BroadcastChannel, timers), and is
 * type-checked under both the DOM lib (tsconfig.json) and the WebWorker lib (sw/tsconfig.json).
 * The rule: `sw/` and `client/` share the typed message contract (`client/messages.ts`) and this core;
 * nothing else. Core modules import only each other, `client/messages.ts` (types) and
 * `broadcast-channel` (lazily) — never `client/lib/`, `client/app/` or `sw/`.
 */
import {
  EXPIRES_AT_HEADER,
  isExpiryChange,
  isRefreshDue,
  isReauthBody,
  knowledgeFromSession,
  parseExpiresAtHeader,
  parseRefreshBody,
  parseSessionView,
  ROOT_PATHS,
  type BffPaths,
  type BusPayload,
  type SessionKnowledge,
} from './policy.ts';
import { LockTimeoutError, type WithLock } from './lock.ts';
import type { BusMessage, SessionView } from '../messages.ts';

export type FreshnessOutcome =
  | 'fresh' // nothing to do, or another context refreshed while we waited
  | 'refreshed' // this context did the one refresh
  | 'signed-out' // nothing to refresh: the call goes on and the BFF answers
  | 'reauth' // the refresh token is dead: logout was broadcast
  | 'unavailable' // Shopify hiccup: the call goes on with the current token, no logout
  | 'offline'
  | 'lock-timeout';

export interface CoordinatorDeps {
  readonly fetch: (url: string, init: RequestInit) => Promise<Response>;
  readonly withLock: WithLock;
  readonly publish: (payload: BusPayload) => void;
  readonly nowMs: () => number;
  /**
   * Read at every decision: a page learns the BFF's buffer from `GET /auth/session`; the SW has it
   * fixed in its script URL.
   */
  readonly bufferSeconds: () => number;
  /** Bound on each BFF call the coordinator makes itself (session, refresh). */
  readonly requestTimeoutMs: number;
  /** Where the BFF is (`bffPaths(basePath)`); the site root's paths when absent. */
  readonly paths?: Pick<BffPaths, 'session' | 'refresh' | 'graphql'>;
}

export interface Coordinator {
  /** Refreshes first when a call would start inside the buffer; shared by concurrent callers. */
  ensureFresh(): Promise<FreshnessOutcome>;
  /** Forwards one customer GraphQL call (its raw body) to the BFF, refreshing first if due. */
  /**
   * `pageUrl`: the page the call came from (a service worker's own fetches would otherwise name the
   * worker's script as their referrer, and a "sign in again" answer would lead back to it).
   */
  forward(body: string, contentType: string | null, pageUrl?: string): Promise<Response>;
  /**
   * Learns from a BFF answer (expiry header; a 401 `reauth_required`). `announce`: publish what
   * was learned — false when a SW answered and has announced it already.
   * @returns whether the answer said the session is gone.
   */
  observe(response: Response, announce: boolean): Promise<boolean>;
  /** Learns a session view read elsewhere; `announce` publishes a changed expiry. */
  learnSession(view: SessionView, announce: boolean): void;
  /** Applies another context's bus message to this context's knowledge. */
  onBusMessage(message: BusMessage): void;
  readonly knowledge: SessionKnowledge;
  /** The session is known to be signed in and not due for a refresh: a call needs nothing from us. */
  readonly fresh: boolean;
}

const JSON_HEADERS = { 'content-type': 'application/json' } as const;
const REFRESH_PAUSE_MS = 5000;

/** The answer when the network is down: 503, never a 401, so nobody is signed out. */
export function offlineResponse(): Response {
  return new Response(JSON.stringify({ error: 'offline' }), {
    status: 503,
    headers: { ...JSON_HEADERS, 'retry-after': '5' },
  });
}

export function createCoordinator(deps: CoordinatorDeps): Coordinator {
  const paths = deps.paths ?? ROOT_PATHS;
  let knowledge: SessionKnowledge = { state: 'unknown' };
  let inflight: Promise<FreshnessOutcome> | null = null;
  let lastLogoutMs = Number.NEGATIVE_INFINITY;
  // After a refresh that did not happen (Shopify hiccup), calls go straight on for a while: the BFF
  // keeps using the still-valid token or answers 503 itself, and nobody hammers /auth/refresh.
  let pausedUntilMs = Number.NEGATIVE_INFINITY;

  const refreshDue = (): boolean => isRefreshDue(knowledge, deps.nowMs(), deps.bufferSeconds());

  function learnExpiry(expiresAtMs: number, announce: boolean): void {
    const changed = isExpiryChange(knowledge, expiresAtMs);
    knowledge = { state: 'signed-in', expiresAtMs };
    if (announce && changed) deps.publish({ type: 'expiry', expiresAtMs });
  }

  function signedOutEverywhere(announce: boolean): void {
    knowledge = { state: 'signed-out' };
    // Ten parallel calls may all get the 401: one broadcast is enough.
    if (!announce || deps.nowMs() - lastLogoutMs < 2000) return;
    lastLogoutMs = deps.nowMs();
    deps.publish({ type: 'logout', reason: 'reauth_required' });
  }

  async function call(url: string, init: RequestInit): Promise<Response | 'offline'> {
    try {
      return await deps.fetch(url, {
        credentials: 'same-origin',
        signal: AbortSignal.timeout(deps.requestTimeoutMs),
        ...init,
      });
    } catch {
      return 'offline';
    }
  }

  /** Re-learns the session from the BFF (a cheap read: it never refreshes). */
  async function readSession(): Promise<'ok' | 'offline' | 'unavailable'> {
    const response = await call(paths.session, { method: 'GET', cache: 'no-store' });
    if (response === 'offline') return 'offline';
    if (!response.ok) return 'unavailable';
    const view = parseSessionView(await response.json().catch(() => null));
    if (view === null) return 'unavailable';
    knowledge = knowledgeFromSession(view);
    return 'ok';
  }

  async function refreshHoldingLock(): Promise<FreshnessOutcome> {
    // Someone may have refreshed while we waited: their `refreshed` message, or else the session
    // itself, tells. Only a still-due session is refreshed, so all waiters reuse one refresh.
    if (knowledge.state === 'signed-in' && !refreshDue()) return 'fresh';
    const read = await readSession();
    if (read !== 'ok') return read;
    if (knowledge.state !== 'signed-in') return 'signed-out';
    if (!refreshDue()) return 'fresh';

    deps.publish({ type: 'refreshing' });
    const response = await call(paths.refresh, {
      method: 'POST',
      headers: { ...JSON_HEADERS, 'X-CSRF': '1' },
      body: '{}',
    });
    if (response === 'offline') {
      deps.publish({ type: 'refresh-failed', error: 'offline' });
      return 'offline';
    }
    const body: unknown = await response.json().catch(() => null);
    const expiresAtMs = response.ok ? parseRefreshBody(body) : null;
    if (expiresAtMs !== null) {
      learnExpiry(expiresAtMs, false);
      // A 200 with an expiry still inside the buffer: the BFF kept the current token (Shopify hiccup).
      if (refreshDue()) return unavailable();
      deps.publish({ type: 'refreshed', expiresAtMs });
      return 'refreshed';
    }
    if (response.status === 401 && isReauthBody(body)) {
      signedOutEverywhere(true);
      return 'reauth';
    }
    return unavailable();
  }

  function unavailable(): FreshnessOutcome {
    pausedUntilMs = deps.nowMs() + REFRESH_PAUSE_MS;
    deps.publish({ type: 'refresh-failed', error: 'upstream_unavailable' });
    return 'unavailable';
  }

  async function ensureFreshOnce(): Promise<FreshnessOutcome> {
    if (knowledge.state === 'unknown') {
      const read = await readSession();
      if (read !== 'ok') return read;
    }
    if (knowledge.state !== 'signed-in') return 'signed-out';
    if (!refreshDue()) return 'fresh';
    try {
      return await deps.withLock(refreshHoldingLock);
    } catch (error) {
      if (error instanceof LockTimeoutError) {
        deps.publish({ type: 'refresh-failed', error: 'lock_timeout' });
        return 'lock-timeout';
      }
      return 'unavailable';
    }
  }

  function ensureFresh(): Promise<FreshnessOutcome> {
    if (knowledge.state === 'signed-out') return Promise.resolve('signed-out');
    if (knowledge.state === 'signed-in' && !refreshDue()) return Promise.resolve('fresh');
    if (inflight === null && deps.nowMs() < pausedUntilMs) return Promise.resolve('unavailable');
    inflight ??= ensureFreshOnce().finally(() => {
      inflight = null;
    });
    return inflight;
  }

  /** Learns from every BFF answer: the expiry header, and a 401 that means signed out everywhere. */
  async function observe(response: Response, announce: boolean): Promise<boolean> {
    const expiresAtMs = parseExpiresAtHeader(response.headers.get(EXPIRES_AT_HEADER));
    if (expiresAtMs !== null) learnExpiry(expiresAtMs, announce);
    if (response.status !== 401) return false;
    const body: unknown = await response
      .clone()
      .json()
      .catch(() => null);
    if (!isReauthBody(body)) return false;
    signedOutEverywhere(announce);
    return true;
  }

  async function forward(body: string, contentType: string | null, pageUrl?: string): Promise<Response> {
    // Whatever the outcome, the call goes on: the BFF is the authority and answers 401 or 503 itself.
    await ensureFresh();
    const response = await call(paths.graphql, {
      method: 'POST',
      headers: { 'content-type': contentType ?? 'application/json', 'X-CSRF': '1' },
      body,
      // The BFF may wait on its own upstream retries: a generous bound, still not forever.
      signal: AbortSignal.timeout(Math.max(deps.requestTimeoutMs, 30_000)),
      ...(pageUrl === undefined ? {} : { referrer: pageUrl }),
    });
    if (response === 'offline') return offlineResponse();
    await observe(response, true);
    return response;
  }

  function learnSession(view: SessionView, announce: boolean): void {
    const next = knowledgeFromSession(view);
    if (next.state === 'signed-in') learnExpiry(next.expiresAtMs, announce);
    else knowledge = next;
  }

  function onBusMessage(message: BusMessage): void {
    switch (message.type) {
      case 'refreshed':
        knowledge = { state: 'signed-in', expiresAtMs: message.expiresAtMs };
        break;
      case 'expiry':
        knowledge =
          message.expiresAtMs === null
            ? { state: 'signed-out' }
            : { state: 'signed-in', expiresAtMs: message.expiresAtMs };
        break;
      case 'logout':
        knowledge = { state: 'signed-out' };
        break;
      case 'login':
        knowledge = { state: 'unknown' };
        break;
      case 'hello':
      case 'refreshing':
      case 'refresh-failed':
        break;
    }
  }

  return {
    ensureFresh,
    forward,
    observe,
    learnSession,
    onBusMessage,
    get knowledge() {
      return knowledge;
    },
    get fresh() {
      return knowledge.state === 'signed-in' && !refreshDue();
    },
  };
}
