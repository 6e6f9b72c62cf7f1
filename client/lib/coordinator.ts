/**
 * The page-side session coordinator, used when no SW controls the page (first load, Shift+reload,
 * no SW support): the same protocol as the SW's (sw/coordinator.ts) — one refresh for every context
 * under the shared lock, `reauth_required` → `logout` for every tab, offline → 503, never a logout.
 * All I/O is injected.
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
  type BusPayload,
  type SessionKnowledge,
} from './policy.ts';
import { LockTimeoutError, type WithLock } from './lock.ts';
import type { BusMessage, SessionView } from '../messages.ts';

/** The same-origin BFF endpoint every customer API call goes to. */
export const BFF_GRAPHQL_PATH = '/api/customer/graphql';

export type FreshnessOutcome =
  | 'fresh'
  | 'refreshed'
  | 'signed-out'
  | 'reauth'
  | 'unavailable'
  | 'offline'
  | 'lock-timeout';

export interface CoordinatorDeps {
  readonly fetch: (url: string, init: RequestInit) => Promise<Response>;
  readonly withLock: WithLock;
  readonly publish: (payload: BusPayload) => void;
  readonly nowMs: () => number;
  /** Read at every decision: the library learns the BFF's buffer from `GET /auth/session`. */
  readonly bufferSeconds: () => number;
  readonly requestTimeoutMs: number;
}

export interface Coordinator {
  ensureFresh(): Promise<FreshnessOutcome>;
  /** Sends one customer GraphQL call straight to the BFF, refreshing first if due. */
  forward(body: string, contentType: string | null): Promise<Response>;
  /**
   * Learns from a BFF answer (expiry header; a 401 `reauth_required`). `announce`: publish what
   * was learned — false when a SW answered and has announced it already.
   * @returns whether the answer said the session is gone.
   */
  observe(response: Response, announce: boolean): Promise<boolean>;
  /** Learns a session view read elsewhere; `announce` publishes a changed expiry. */
  learnSession(view: SessionView, announce: boolean): void;
  onBusMessage(message: BusMessage): void;
  readonly knowledge: SessionKnowledge;
}

const JSON_HEADERS = { 'content-type': 'application/json' } as const;
const REFRESH_PAUSE_MS = 5000;

/** The library's answer when the network is down: 503, never a 401, so nobody is signed out. */
export function offlineResponse(): Response {
  return new Response(JSON.stringify({ error: 'offline' }), {
    status: 503,
    headers: { ...JSON_HEADERS, 'retry-after': '5' },
  });
}

export function createCoordinator(deps: CoordinatorDeps): Coordinator {
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

  async function readSession(): Promise<'ok' | 'offline' | 'unavailable'> {
    const response = await call('/auth/session', { method: 'GET', cache: 'no-store' });
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

    const response = await call('/auth/refresh', {
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

  async function forward(body: string, contentType: string | null): Promise<Response> {
    // Whatever the outcome, the call goes on: the BFF is the authority and answers 401 or 503 itself.
    await ensureFresh();
    const response = await call(BFF_GRAPHQL_PATH, {
      method: 'POST',
      headers: { 'content-type': contentType ?? 'application/json', 'X-CSRF': '1' },
      body,
      signal: AbortSignal.timeout(Math.max(deps.requestTimeoutMs, 30_000)),
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
  };
}
