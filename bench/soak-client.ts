/**
 * The soak's calls, as a storefront's service worker and the demo panel make them: keep-alive undici
 * pools on loopback, the session cookie and `X-CSRF: 1` on every call, and the expiry each answer
 * carries (`X-Session-Expires-At`). A call never throws: no HTTP answer at all is status 0.
 */
import { Pool } from 'undici';
import { createBrowser } from '../tests/helpers/browser.ts';

/** Sockets per BFF: more than the soak ever has in flight, so no call queues in the client. */
const CONNECTIONS_PER_ORIGIN = 64;
/** Nothing the BFF does takes this long (its own bounds are seconds): past it the call counts as unanswered. */
const CALL_TIMEOUT_MS = 30_000;

export interface Reply {
  status: number;
  body: string;
  /** The session's expiry the answer carries; `null` on error answers (the BFF vouches for nothing then). */
  expiresAtMs: number | null;
}

export const PROFILE_QUERY = JSON.stringify({ query: '{ customer { id displayName emailAddress { emailAddress } } }' });
export const ORDERS_QUERY = JSON.stringify({ query: '{ customer { id orders(first: 5) { nodes { id name } } } }' });

export interface SoakClient {
  graphql(bffUrl: string, cookie: string, body: string): Promise<Reply>;
  /** `GET /auth/session`: the public view of the session (never a token). */
  sessionView(bffUrl: string, cookie: string): Promise<Reply>;
  /** `POST /auth/refresh`, forced when `force`. */
  refresh(bffUrl: string, cookie: string, force: boolean): Promise<Reply>;
  /** `POST /demo/expire-soon`: the session's token enters the refresh buffer (half of it left). */
  expireSoon(bffUrl: string, cookie: string): Promise<Reply>;
  /** `POST /demo/revoke`: every grant of the session's customer dies at the emulator. */
  demoRevoke(bffUrl: string, cookie: string): Promise<Reply>;
  close(): Promise<void>;
}

export function createSoakClient(): SoakClient {
  const pools = new Map<string, Pool>();
  const poolFor = (origin: string) => {
    let pool = pools.get(origin);
    if (pool === undefined) {
      pool = new Pool(origin, {
        connections: CONNECTIONS_PER_ORIGIN,
        pipelining: 1,
        headersTimeout: CALL_TIMEOUT_MS,
        bodyTimeout: CALL_TIMEOUT_MS,
      });
      pools.set(origin, pool);
    }
    return pool;
  };
  const send = async (url: string, method: 'GET' | 'POST', cookie: string, body?: string): Promise<Reply> => {
    const target = new URL(url);
    try {
      const response = await poolFor(target.origin).request({
        path: target.pathname,
        method,
        headers: {
          cookie: `csess=${cookie}`,
          'x-csrf': '1',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body,
      });
      const text = await response.body.text();
      const header = response.headers['x-session-expires-at'];
      return {
        status: response.statusCode,
        body: text,
        expiresAtMs: typeof header === 'string' ? Number(header) : null,
      };
    } catch {
      return { status: 0, body: '', expiresAtMs: null };
    }
  };
  return {
    graphql: (bffUrl, cookie, body) => send(`${bffUrl}/api/customer/graphql`, 'POST', cookie, body),
    sessionView: (bffUrl, cookie) => send(`${bffUrl}/auth/session`, 'GET', cookie),
    refresh: (bffUrl, cookie, force) => send(`${bffUrl}/auth/refresh`, 'POST', cookie, JSON.stringify({ force })),
    expireSoon: (bffUrl, cookie) => send(`${bffUrl}/demo/expire-soon`, 'POST', cookie),
    demoRevoke: (bffUrl, cookie) => send(`${bffUrl}/demo/revoke`, 'POST', cookie),
    async close() {
      await Promise.all([...pools.values()].map((pool) => pool.close()));
    },
  };
}

/**
 * A sign-in through the real redirects (BFF `/auth/login` → emulator authorize with `login_hint` →
 * BFF callback), each its own grant at the emulator. Answers the session cookie, or the status of the
 * answer that ended the attempt without one (0: no answer) — a sign-in that met an injected token fault,
 * say, or a store that could not keep the session.
 */
export async function signIn(appOrigin: string, email: string): Promise<{ cookie: string } | { failedWith: number }> {
  const browser = createBrowser();
  const query = new URLSearchParams({ returnTo: '/account', login_hint: email, login_hint_mode: 'submit' });
  try {
    const end = await browser.navigate(`${appOrigin}/auth/login?${query}`, {
      stopAt: (url) => url.origin === appOrigin && !url.pathname.startsWith('/auth/'),
    });
    const cookie = browser.cookies(appOrigin).get('csess');
    return cookie === undefined ? { failedWith: end.response.status } : { cookie };
  } catch {
    return { failedWith: 0 };
  }
}

/** Emulator admin calls (`/__emulator/*`, loopback only). @throws Error on any answer but 2xx. */
export function emulatorAdmin(emulatorUrl: string) {
  const call = async <T>(path: string, method: 'GET' | 'POST' | 'DELETE', body?: unknown): Promise<T> => {
    const response = await fetch(`${emulatorUrl}/__emulator${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`emulator ${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  return {
    stats: () => call<EmulatorStats>('/stats', 'GET'),
    configure: (patch: Record<string, unknown>) => call<unknown>('/config', 'POST', patch),
    fault: (fault: Record<string, unknown>) => call<unknown>('/faults', 'POST', fault),
    clearFaults: () => call<unknown>('/faults', 'DELETE'),
    revoke: (email: string) =>
      call<{ revokedGrants: number }>(`/customers/${encodeURIComponent(email)}/revoke`, 'POST', {}),
  };
}

export type EmulatorAdmin = ReturnType<typeof emulatorAdmin>;

export interface EmulatorStats {
  token: { authorization_code: number; refresh_token: number };
  refresh: { succeeded: number; failed: number; reused: number };
  graphql: { received: number; ok: number; unauthorized: number };
  faults: { injected: number };
  revocations: { customer: number; family: number };
}
