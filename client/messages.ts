/**
 * The message contract between the service worker (`sw/`) and the pages (`client/`): types only.
 *
 * `sw/` and `client/` share this contract and the runtime-neutral coordination core (`client/core/`,
 * which validates every received message in its guard); nothing else. This module stays types only,
 * with no runtime import or value: each runtime keeps its own constants (typed against the literal
 * types below, so a typo fails the type check).
 *
 * Versioning: every message carries `v`; a receiver drops versions it does not know. A breaking change
 * bumps `BusVersion` and the channel name together, so old and new code never misread each other.
 */

/** The version of every message on the bus. */
export type BusVersion = 1;

/** Native `BroadcastChannel` name of the session bus (pages, installed windows and the SW). */
export type BusChannelName = 'customer-session.v1';

/** Web Locks name (and broadcast-channel fallback name) guarding `POST /auth/refresh`. */
export type RefreshLockName = 'customer-session.refresh.v1';

/**
 * Query parameters of the SW script URL: the SW's configuration survives its termination this way.
 * `api`: Shopify's Customer Account API GraphQL URL; `buffer`: the refresh buffer in seconds; `base`:
 * the base path the BFF is mounted under (absent for the site root).
 */
export type SwConfigParam = 'api' | 'buffer' | 'base';

/** Who posted a message: shown in the session panel, used to ignore one's own echoes. */
export interface BusSender {
  readonly kind: 'sw' | 'page';
  /** A random id per JS context (page load or SW start). */
  readonly id: string;
  /** Human-readable, e.g. `tab 3f2a /account` or `service worker`. */
  readonly label: string;
}

export type SignedOutReason = 'reauth_required' | 'signed_out';

interface BusEnvelope<T extends string> {
  readonly v: BusVersion;
  readonly type: T;
  readonly from: BusSender;
  readonly atMs: number;
}

/** A context started and listens (lets the panel show every open tab). */
export interface HelloMessage extends BusEnvelope<'hello'> {}

/** This browser's session became signed in (as `customerId`). */
export interface LoginMessage extends BusEnvelope<'login'> {
  readonly customerId: string;
}

/** The session is gone: every context goes to the login page or a signed-out state. */
export interface LogoutMessage extends BusEnvelope<'logout'> {
  readonly reason: SignedOutReason;
}

/**
 * The sender holds the refresh lock and is calling `POST /auth/refresh` now: a `refreshed`,
 * `refresh-failed` or `logout` follows (lets every tab show that a refresh is under way).
 */
export interface RefreshingMessage extends BusEnvelope<'refreshing'> {}

/** The sender's `POST /auth/refresh` succeeded; others may skip theirs. */
export interface RefreshedMessage extends BusEnvelope<'refreshed'> {
  readonly expiresAtMs: number;
}

/** The sender learned a different session expiry (e.g. a demo control moved it); not a refresh. */
export interface ExpiryMessage extends BusEnvelope<'expiry'> {
  readonly expiresAtMs: number | null;
}

/** The sender's refresh attempt failed without signing anyone out. */
export interface RefreshFailedMessage extends BusEnvelope<'refresh-failed'> {
  readonly error: 'upstream_unavailable' | 'offline' | 'lock_timeout';
}

export type BusMessage =
  | HelloMessage
  | LoginMessage
  | LogoutMessage
  | RefreshingMessage
  | RefreshedMessage
  | ExpiryMessage
  | RefreshFailedMessage;

export type BusMessageType = BusMessage['type'];

/** Error bodies the pages may see from a customer API call (the BFF's, plus the SW's own `offline`). */
export type ApiErrorBody =
  | { readonly error: 'reauth_required'; readonly loginUrl: string }
  | { readonly error: 'upstream_unavailable' }
  | { readonly error: 'session_store_unavailable' }
  | { readonly error: 'csrf' }
  | { readonly error: 'offline' };

/**
 * `POST /api/cart/buyer-identity` (the page's `attachCart`): the cart as Shopify now holds it after
 * `cartBuyerIdentityUpdate`, or Shopify's userErrors — never the customer's token.
 */
export interface CartAttachment {
  cart: {
    id: string;
    checkoutUrl: string;
    buyerIdentity: { email: string | null; customer: { id: string; displayName: string } | null };
  } | null;
  userErrors: Array<{ code: string | null; field: string[] | null; message: string }>;
}

/** `GET /auth/session` (the BFF's public view of a session: never a token). */
export interface SessionView {
  readonly authenticated: boolean;
  readonly customer: { readonly id: string; readonly email: string | null } | null;
  readonly expiresAt: number | null;
  readonly graphqlApiUrl: string;
  readonly refreshBufferSeconds: number;
  readonly demo: boolean;
}

/** What the BFF sends for `GET /auth/session` (`graphqlApiUrl` is `null` while Shopify's discovery fails); `parseSessionView` turns it into a `SessionView`. */
export type SessionViewBody = Omit<SessionView, 'graphqlApiUrl'> & { readonly graphqlApiUrl: string | null };
