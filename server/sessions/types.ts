/**
 * What the BFF keeps per customer session, and the storage contract every store implements.
 * The record holds tokens, so stores seal it at rest; it never leaves the server.
 */
export interface SessionRecord {
  accessToken: string;
  refreshToken: string;
  /** Kept across refreshes (Shopify's refresh response has none): logout sends it as `id_token_hint`. */
  idToken: string;
  /** When the access token expires (issue time + `expires_in`); the refresh buffer is applied at check time. */
  expiresAtMs: number;
  customerId: string;
  email: string | null;
  /** Bumped by every successful write; writes are compare-and-set on it. */
  version: number;
  createdAtMs: number;
  lastSeenAtMs: number;
  /** The Storefront API cart the customer was attached to (`POST /api/cart/buyer-identity`): detached at sign-out. */
  cartId?: string;
}

/** A sign-in in progress: sealed in a cookie between `/auth/login` and `/auth/callback` (`auth/pending-login.ts`), taken once. */
export interface PendingLogin {
  codeVerifier: string;
  nonce: string;
  returnTo: string;
  createdAtMs: number;
  /** A silent attempt (`prompt=none`): "not signed in at Shopify" brings the customer back, signed out. */
  silent?: true;
}

/** What an operator may see of a session (the admin API): when, never a token. */
export interface SessionSummary {
  /** The session's label in the logs (`sessionIdHash`, 12 hex digits): cannot be turned into a cookie. */
  id: string;
  createdAtMs: number;
  lastSeenAtMs: number;
}

export interface SessionStore {
  /** The record, or `null` when absent, expired by the store's own TTL, or unreadable (bad seal). */
  get(sid: string): Promise<SessionRecord | null>;
  /** Stores a new record with `version: 1` (whatever the argument's version), replacing nothing: fails if sid exists. */
  create(sid: string, record: SessionRecord): Promise<SessionRecord>;
  /**
   * Replaces the record only if the stored version is still `expectedVersion`; the stored copy gets
   * `expectedVersion + 1`. Returns the stored record, or `null` when it changed meanwhile or is gone —
   * so a refresh that lands after a sign-out can never bring the session back.
   */
  compareAndSet(sid: string, expectedVersion: number, next: SessionRecord): Promise<SessionRecord | null>;
  delete(sid: string): Promise<void>;
  /** The live sessions of a customer (`SessionRecord.customerId`), oldest first. */
  listByCustomer(customerId: string): Promise<SessionSummary[]>;
  /** Deletes the customer's session labelled `id` (see `SessionSummary`); `false` when there is none. */
  deleteByCustomer(customerId: string, id: string): Promise<boolean>;

  /** Resolves once the storage has answered a cheap read; rejects when it cannot. For `/readyz` and `npm run doctor`. */
  ping(): Promise<void>;

  close(): Promise<void>;
}

/**
 * The right to refresh one session, across BFF instances. In-process single flight is done by the token
 * manager; this lock covers other processes (Redis lease). `acquire` waits up to `waitMs`.
 */
export interface RefreshLock {
  /** Resolves to a release function once held, or `null` if not acquired within `waitMs`. The lease expires after `leaseMs` if the holder dies. */
  acquire(sid: string, options: { leaseMs: number; waitMs: number }): Promise<(() => Promise<void>) | null>;
}
