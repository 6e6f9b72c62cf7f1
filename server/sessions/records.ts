import { createHash } from 'node:crypto';
import type { PendingLogin, SessionRecord, SessionSummary } from './types.ts';

/**
 * What the stores share: the storage key derived from a secret id, the envelope that binds a sealed
 * value to that key, and the parsers that re-check an unsealed value's shape (a trust boundary).
 */

const RECENT_KEYS = 10_000;
const recentKeys = new Map<string, string>();

/**
 * The storage key for a session id or an OAuth `state`: the full SHA-256, hex.
 *
 * Why not the raw id: whoever reads a database file or a Redis dump must not get working cookies out
 * of it. The cookie seals the sid, but anyone holding the raw sid and the password set — or just
 * the sid, against a route that accepts it — could take the session over. A hash cannot be turned
 * back into a sid, and the sid's 256 random bits make guessing pointless, so no salt is needed.
 */
export function storageKey(secretId: string): string {
  // Every API call asks for the key of a live session; the recent ones are remembered (a hash a call).
  const known = recentKeys.get(secretId);
  if (known !== undefined) return known;
  const key = createHash('sha256').update(secretId).digest('hex');
  if (recentKeys.size >= RECENT_KEYS) {
    const oldest = recentKeys.keys().next();
    if (!oldest.done) recentKeys.delete(oldest.value);
  }
  recentKeys.set(secretId, key);
  return key;
}

/**
 * What is sealed at rest: the value plus the key it was stored under. Checking `key` on read stops
 * someone with write access to the storage from copying a sealed blob into another session's row
 * (the seal alone would still verify there).
 */
export interface Envelope<T> {
  key: string;
  value: T;
}

/** Returns the value if `raw` is an envelope for `key` whose value passes `parse`, else `null`. */
export function openEnvelope<T>(raw: unknown, key: string, parse: (value: unknown) => T | null): T | null {
  if (!isObject(raw) || raw['key'] !== key) return null;
  return parse(raw['value']);
}

/** A `SessionRecord` built field by field from untrusted JSON, or `null` if any field is missing or mistyped. */
export function parseSessionRecord(value: unknown): SessionRecord | null {
  if (!isObject(value)) return null;
  const {
    accessToken,
    refreshToken,
    idToken,
    expiresAtMs,
    customerId,
    email,
    version,
    createdAtMs,
    lastSeenAtMs,
    cartId,
  } = value;
  if (
    typeof accessToken !== 'string' ||
    typeof refreshToken !== 'string' ||
    typeof idToken !== 'string' ||
    !isTimestamp(expiresAtMs) ||
    typeof customerId !== 'string' ||
    (email !== null && typeof email !== 'string') ||
    !Number.isSafeInteger(version) ||
    (version as number) < 1 ||
    !isTimestamp(createdAtMs) ||
    !isTimestamp(lastSeenAtMs) ||
    (cartId !== undefined && typeof cartId !== 'string')
  ) {
    return null;
  }
  // Every field checked: rebuilt by the one copy that keeps only the contract's fields.
  return withVersion(value as unknown as SessionRecord, version as number);
}

/** A `PendingLogin` built field by field from untrusted JSON, or `null`. */
export function parsePendingLogin(value: unknown): PendingLogin | null {
  if (!isObject(value)) return null;
  const { codeVerifier, nonce, returnTo, createdAtMs, silent } = value;
  if (
    typeof codeVerifier !== 'string' ||
    typeof nonce !== 'string' ||
    typeof returnTo !== 'string' ||
    !isTimestamp(createdAtMs) ||
    (silent !== undefined && silent !== true)
  ) {
    return null;
  }
  return { codeVerifier, nonce, returnTo, createdAtMs, ...(silent === true ? { silent } : {}) };
}

/** A copy of `record` carrying `version`, holding only the contract's fields (no stray properties sealed). */
export function withVersion(record: SessionRecord, version: number): SessionRecord {
  return {
    accessToken: record.accessToken,
    refreshToken: record.refreshToken,
    idToken: record.idToken,
    expiresAtMs: record.expiresAtMs,
    customerId: record.customerId,
    email: record.email,
    version,
    createdAtMs: record.createdAtMs,
    lastSeenAtMs: record.lastSeenAtMs,
    ...(record.cartId !== undefined ? { cartId: record.cartId } : {}),
  };
}

/**
 * Thrown by `SessionStore.create` when the sid is already stored. With 256-bit random sids this
 * means a bug (a sid reused instead of minted at login), never bad luck.
 */
export class SessionExistsError extends Error {
  override readonly name = 'SessionExistsError';
  constructor() {
    // No sid in the message: errors end up in logs.
    super('sessions: create() on a session id that already exists');
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isTimestamp(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * The key a customer's sessions are indexed under: a SHA-256 of the customer id, so a copied database
 * does not list customer ids in clear next to their sessions.
 */
export const customerKey = (customerId: string): string => createHash('sha256').update(customerId).digest('hex');

/** A session's label in logs and the admin API: the first 12 hex digits of its storage key. */
export const labelOf = (storageKeyHex: string): string => storageKeyHex.slice(0, 12);

/** The operator's view of a record: never a token. */
export const summaryOf = (storageKeyHex: string, record: SessionRecord): SessionSummary => ({
  id: labelOf(storageKeyHex),
  createdAtMs: record.createdAtMs,
  lastSeenAtMs: record.lastSeenAtMs,
});
