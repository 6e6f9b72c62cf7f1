import { createHash } from 'node:crypto';
import { sealData, unsealData } from 'iron-session';
import { AppError } from '../errors.ts';

/** iron's password map: `{ [id]: password }`, the id travelling in clear inside every seal. */
export type IronPasswords = Record<string, string>;

export interface Sealer {
  /**
   * Seals `value` (plain JSON) with the current password. `ttlSeconds` puts an expiry inside the
   * seal (checked by iron on unseal, with its 60 s clock skew); `0`, the default, means none — the
   * stores enforce lifetimes with their own row/key TTLs.
   */
  seal(value: object, ttlSeconds?: number): Promise<string>;
  /**
   * Unseals with any listed password and hands the plain JSON to `parse`, the trust boundary.
   * Returns `null` — never throws — for a tampered, truncated, expired or unknown-password seal,
   * or when `parse` rejects the shape. Repeat reads of the same string are served from the cache.
   */
  unseal<T>(sealed: string, parse: (value: unknown) => T | null): Promise<T | null>;
  /** Cache counters since start, for metrics and tests: `hits` skipped key derivation. */
  cacheStats(): { size: number; hits: number; misses: number };
  /** The map for unsealing (every listed password), keyed by stable ids. */
  readonly ironPasswords: Readonly<IronPasswords>;
  /** The map for sealing: only the current password, so iron-session cannot pick another one. */
  readonly ironSealPasswords: Readonly<IronPasswords>;
}

export interface SealerOptions {
  /** Most unsealed values kept (LRU). ~1.5 ms of PBKDF2 CPU saved per hit. Default 50 000. */
  cacheSize?: number;
  /** Injected clock for the cache's expiry check; defaults to `Date.now`. */
  nowMs?: () => number;
}

const MIN_PASSWORD_LENGTH = 32; // iron's own minimum; shorter passwords are rejected by it anyway
// Every active session uses two entries (its cookie and its stored record): 50,000 keeps 25,000
// sessions warm, at about 4 KB each (the record's seal, the key, is the larger part). With fewer entries
// than that, calls spread over many sessions pay a key derivation each (bench scenario 3).
const DEFAULT_CACHE_SIZE = 50_000;
// iron accepts a seal until `expiration + 60 s` (its default `timestampSkewSec`); cache hits must
// stop at the same moment, or a cached seal would outlive the one iron would still unseal.
const IRON_SKEW_MS = 60_000;

/**
 * A password's id: the first 12 hex digits of its SHA-256, written as a decimal integer.
 *
 * Why derived rather than positional: ids are written into every seal, so they must stay the same
 * when a new password is put in front of the list. Why decimal: iron-session 9 requires integer ids
 * (`getSessionConfig` checks `Number.isInteger`, and `sealData` picks `Math.max` of the numeric ids),
 * and 48 bits fit a JS safe integer. Leaking 48 bits of a hash of a ≥32-char random password adds
 * nothing to what the seal's HMAC already allows an attacker to test offline.
 */
export function passwordId(password: string): string {
  const hex = createHash('sha256').update(password).digest('hex').slice(0, 12);
  return Number.parseInt(hex, 16).toString(10);
}

/**
 * The one rule for a session password list, or `null` when it holds: at least one password, each at
 * least 32 characters (iron's own minimum), none listed twice. The problem names a position, never a
 * value: a password must not end up in a log.
 */
export function sessionPasswordProblem(passwords: readonly string[]): string | null {
  if (passwords.length === 0) return 'at least one is required';
  const ids = new Set<string>();
  for (const [index, password] of passwords.entries()) {
    if (password.length < MIN_PASSWORD_LENGTH) return `#${index} is shorter than ${MIN_PASSWORD_LENGTH} characters`;
    const id = passwordId(password);
    if (ids.has(id)) return `#${index} is listed twice`;
    ids.add(id);
  }
  return null;
}

/**
 * Builds the sealer for one password set. `passwords[0]` is the current one (it seals); every listed
 * password unseals, which is how rotation works: prepend the new password, deploy, and drop the old
 * one once every seal made with it has expired or been rewritten.
 *
 * @throws AppError `CONFIG` if the list is empty, a password is shorter than 32 characters, or two
 *   passwords collide on their id (in practice: the same password listed twice).
 */
export function createSealer(passwords: readonly string[], options: SealerOptions = {}): Sealer {
  const problem = sessionPasswordProblem(passwords);
  const [current] = passwords;
  if (problem !== null || current === undefined) throw new AppError('CONFIG', `session passwords: ${problem}`);
  const ironPasswords: IronPasswords = {};
  for (const password of passwords) ironPasswords[passwordId(password)] = password;
  // iron-session seals with the highest numeric id of the map it is given; our ids are hashes, so
  // "highest" is arbitrary. Handing it a one-entry map makes the current password the only choice.
  const ironSealPasswords: IronPasswords = { [passwordId(current)]: current };
  Object.freeze(ironPasswords);
  Object.freeze(ironSealPasswords);

  const cache = new LruCache<string, Promise<Unsealed | null>>(options.cacheSize ?? DEFAULT_CACHE_SIZE);
  const nowMs = options.nowMs ?? Date.now;
  let hits = 0;
  let misses = 0;

  async function unsealFresh(sealed: string): Promise<Unsealed | null> {
    let failed = false;
    const value: unknown = await unsealData(sealed, {
      password: ironPasswords,
      onUnsealError: () => {
        failed = true;
      },
    });
    // unsealData never throws: a bad seal gives `{}` and calls onUnsealError, which is how a
    // failure is told apart from a seal that really held an empty object.
    if (failed) return null;
    return { value, expiresAtMs: sealExpiresAtMs(sealed) };
  }

  return {
    ironPasswords,
    ironSealPasswords,
    cacheStats: () => ({ size: cache.size, hits, misses }),
    async seal(value, ttlSeconds = 0) {
      const sealed = await sealData(value, { password: ironSealPasswords, ttl: ttlSeconds });
      // Whoever wrote a value reads it back next (a session written by one request is read by the
      // following ones): prime the cache with what unsealing would give, a JSON round trip.
      const unsealed: Unsealed = { value: JSON.parse(JSON.stringify(value)), expiresAtMs: sealExpiresAtMs(sealed) };
      cache.set(sealed, Promise.resolve(unsealed));
      return sealed;
    },
    async unseal(sealed, parse) {
      let pending = cache.get(sealed);
      if (pending === undefined) {
        misses += 1;
        // The promise is cached, not the result, so concurrent reads of one cold seal unseal once.
        pending = unsealFresh(sealed);
        cache.set(sealed, pending);
      } else {
        hits += 1;
      }
      const unsealed = await pending;
      if (unsealed === null || (unsealed.expiresAtMs !== null && unsealed.expiresAtMs + IRON_SKEW_MS <= nowMs())) {
        // Failures are not kept: the LRU is for the valid seals that real clients send again.
        cache.delete(sealed);
        return null;
      }
      // parse runs on every hit: it builds a fresh object, so callers never share a mutable one.
      return parse(unsealed.value);
    },
  };
}

interface Unsealed {
  value: unknown;
  expiresAtMs: number | null;
}

/**
 * The expiry iron wrote into a seal that has just been verified (field 6 of `Fe26.2*…`, covered by
 * the HMAC; iron-session appends `~2` after it), or `null` when the seal never expires.
 */
function sealExpiresAtMs(sealed: string): number | null {
  const expiration = sealed.split('~')[0]?.split('*')[5];
  return expiration ? Number.parseInt(expiration, 10) : null;
}

/** A bounded least-recently-used map: a `Map` keeps insertion order, so re-inserting on a hit is enough. */
class LruCache<K, V> {
  readonly #entries = new Map<K, V>();
  readonly maxEntries: number;
  constructor(maxEntries: number) {
    this.maxEntries = maxEntries;
  }

  get(key: K): V | undefined {
    const value = this.#entries.get(key);
    if (value !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }

  get size(): number {
    return this.#entries.size;
  }

  delete(key: K): void {
    this.#entries.delete(key);
  }
}
