/**
 * Pure decisions of the customer-API path, the same for the SW and for pages it does not control:
 * no I/O, no globals. Part of the runtime-neutral core (see coordinator.ts).
 */
import type { ApiErrorBody, BusChannelName, BusMessage, BusSender, RefreshLockName, SessionView } from '../messages.ts';

/** The same-origin BFF endpoint every customer API call goes to (with the default, empty base path). */
export const BFF_GRAPHQL_PATH = '/api/customer/graphql';

/**
 * The BFF's same-origin paths. A storefront may mount the BFF under a base path (`/account-session`):
 * every context (pages, the SW) must then agree on it, so it is one parameter turned into all paths here.
 */
export interface BffPaths {
  /** `GET`: the public session view (never a token). */
  readonly session: string;
  /** `POST`: refresh the tokens now (the coordinator's one refresh). */
  readonly refresh: string;
  /** `GET`: start a sign-in (a navigation). */
  readonly login: string;
  /** `POST`: sign out everywhere (a form navigation). */
  readonly logout: string;
  /** `POST`: the Customer Account API proxy. */
  readonly graphql: string;
  /** `POST`: bind a Storefront API cart to the signed-in customer (`attachCart`). */
  readonly cartBuyerIdentity: string;
}

/** The BFF's paths under `basePath` (already checked by `parseBasePath`; `''` gives today's root paths). */
export const bffPaths = (basePath: string): BffPaths => ({
  session: `${basePath}/auth/session`,
  refresh: `${basePath}/auth/refresh`,
  login: `${basePath}/auth/login`,
  logout: `${basePath}/auth/logout`,
  graphql: `${basePath}${BFF_GRAPHQL_PATH}`,
  cartBuyerIdentity: `${basePath}/api/cart/buyer-identity`,
});

/** The paths of a BFF mounted at the site root (the default). */
export const ROOT_PATHS: BffPaths = bffPaths('');

// No `%`: the URL parser reads `%2e%2e` as `..`.
const BASE_PATH_SEGMENT = /^[A-Za-z0-9._~!$&'()*+,;=:@-]+$/;

/**
 * Normalises a base path: `''` and `'/'` are the root (`''`), a trailing slash is dropped
 * (`/account-session/` → `/account-session`). `null` for anything that is not a plain same-origin path
 * (no scheme or host, no `?`/`#`, no empty, `.` or `..` segment): a base path ends up in URLs the
 * SW matches and the browser navigates to, so it must mean exactly one path.
 */
export function parseBasePath(raw: string): string | null {
  if (raw === '' || raw === '/') return '';
  if (!raw.startsWith('/')) return null;
  const trimmed = raw.endsWith('/') ? raw.slice(0, -1) : raw;
  const segments = trimmed.slice(1).split('/');
  const valid = segments.every((s) => s !== '.' && s !== '..' && BASE_PATH_SEGMENT.test(s));
  return valid ? trimmed : null;
}

/** The header every signed-in BFF API response carries: the session's token expiry, ms since epoch. */
export const EXPIRES_AT_HEADER = 'X-Session-Expires-At';
/** Set by the service worker on the answers it forwarded: it has learned from them and announced it. */
export const OBSERVED_BY_SW_HEADER = 'X-Session-Observed-By-Sw';

/** A bus message before the sender stamps it (`v`, `from`, `atMs` are added by the publisher). */
export type BusPayload = BusMessage extends infer M
  ? M extends BusMessage
    ? Omit<M, 'v' | 'from' | 'atMs'>
    : never
  : never;

/** The one channel and the one lock name every context (pages and the SW) must agree on. */
export const BUS_CHANNEL: BusChannelName = 'customer-session.v1';
export const REFRESH_LOCK: RefreshLockName = 'customer-session.refresh.v1';
/** How long a context waits for another's refresh before it goes on without the lock. */
export const REFRESH_LOCK_WAIT_MS = 15_000;

/** Stamps a payload for the bus: protocol version, sender, time. */
export const stampBusMessage = (payload: BusPayload, from: BusSender, atMs: number): BusMessage =>
  ({ ...payload, v: 1, from, atMs }) as BusMessage;

/** What this context believes about the session. `unknown` after a (re)start: learn before deciding. */
export type SessionKnowledge =
  | { readonly state: 'unknown' }
  | { readonly state: 'signed-out' }
  | { readonly state: 'signed-in'; readonly expiresAtMs: number };

/** `X-Session-Expires-At` → ms epoch, or `null` when absent or not a plausible positive integer. */
export function parseExpiresAtHeader(value: string | null): number | null {
  if (value === null || !/^\d{1,16}$/.test(value.trim())) return null;
  const ms = Number(value.trim());
  return Number.isSafeInteger(ms) && ms > 0 ? ms : null;
}

/** True when a call starting at `nowMs` would start inside the refresh buffer (or after expiry). */
export function needsRefresh(expiresAtMs: number, nowMs: number, bufferSeconds: number): boolean {
  return expiresAtMs - nowMs < bufferSeconds * 1000;
}

/** True when `knowledge` says a refresh is due now. Unknown and signed-out never are. */
export function isRefreshDue(knowledge: SessionKnowledge, nowMs: number, bufferSeconds: number): boolean {
  return knowledge.state === 'signed-in' && needsRefresh(knowledge.expiresAtMs, nowMs, bufferSeconds);
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** True for the BFF's `401 {"error":"reauth_required"}` body: the session is gone everywhere. */
export function isReauthBody(body: unknown): body is Extract<ApiErrorBody, { error: 'reauth_required' }> {
  return isRecord(body) && body['error'] === 'reauth_required';
}

/** Validates `GET /auth/session` (a trust boundary like any other); `null` when malformed. */
export function parseSessionView(body: unknown): SessionView | null {
  if (!isRecord(body) || typeof body['authenticated'] !== 'boolean') return null;
  const customer = body['customer'];
  const expiresAt = body['expiresAt'];
  const parsedCustomer =
    isRecord(customer) && typeof customer['id'] === 'string'
      ? { id: customer['id'], email: typeof customer['email'] === 'string' ? customer['email'] : null }
      : null;
  return {
    authenticated: body['authenticated'],
    customer: parsedCustomer,
    expiresAt: typeof expiresAt === 'number' && Number.isFinite(expiresAt) ? expiresAt : null,
    graphqlApiUrl: typeof body['graphqlApiUrl'] === 'string' ? body['graphqlApiUrl'] : '',
    refreshBufferSeconds:
      typeof body['refreshBufferSeconds'] === 'number' &&
      Number.isFinite(body['refreshBufferSeconds']) &&
      body['refreshBufferSeconds'] >= 0
        ? body['refreshBufferSeconds']
        : 60,
    demo: body['demo'] === true,
  };
}

/** Knowledge from a session view: signed in only with a known expiry. */
export function knowledgeFromSession(view: SessionView): SessionKnowledge {
  return view.authenticated && view.expiresAt !== null
    ? { state: 'signed-in', expiresAtMs: view.expiresAt }
    : { state: 'signed-out' };
}

/** `POST /auth/refresh` 200 body → the new expiry, or `null` when malformed. */
export function parseRefreshBody(body: unknown): number | null {
  // Finite: JSON.parse reads `1e999` as Infinity, an expiry that would never come due.
  const expiresAt = isRecord(body) ? body['expiresAt'] : null;
  return typeof expiresAt === 'number' && Number.isFinite(expiresAt) && expiresAt > 0 ? expiresAt : null;
}

/**
 * Whether a newly observed expiry is worth announcing to the other contexts: only a real change
 * (a refresh done by the BFF on its own, a demo control), not the same value seen again.
 */
export function isExpiryChange(previous: SessionKnowledge, expiresAtMs: number): boolean {
  return previous.state !== 'signed-in' || Math.abs(previous.expiresAtMs - expiresAtMs) > 1000;
}
