/**
 * In-memory state of the emulator: browser sessions, authorization codes, grants (one per login, the
 * "token family"), access and refresh tokens, GraphQL cost buckets and the counters behind
 * `/__emulator/stats`. Pure bookkeeping: protocol decisions live in the route modules.
 */
import { randomBytes } from 'node:crypto';
import { Accounts } from './accounts.ts';
import type { CartState } from './storefront.ts';

/** One successful login of one customer into one client: every token it yields dies with it. */
export interface Grant {
  id: string;
  clientId: string;
  customerId: number;
  /** OIDC session id carried in the id_token's `sid`. */
  sid: string;
  revoked: boolean;
}

export interface CodeRecord {
  clientId: string;
  redirectUri: string;
  codeChallenge: string | null;
  customerId: number;
  nonce: string | null;
  sid: string;
  expiresAtMs: number;
  /** Set on first redemption attempt; a second attempt is a replay. */
  redeemed: boolean;
  /** The grant the code produced, revoked if the code is replayed (RFC 6749 §4.1.2). */
  grantId: string | null;
}

export interface RefreshTokenRecord {
  grantId: string;
  expiresAtMs: number;
  usedAtMs: number | null;
}

interface AccessTokenRecord {
  grantId: string;
  expiresAtMs: number;
}

export interface BrowserSession {
  sid: string;
  customerId: number;
}

export interface CostBucket {
  available: number;
  updatedAtMs: number;
}

export interface Stats {
  authorize: { codesIssued: number; errors: number };
  token: { authorization_code: number; refresh_token: number; other: number };
  code: { succeeded: number; failed: number };
  refresh: { succeeded: number; failed: number; reused: number };
  graphql: { received: number; ok: number; unauthorized: number; throttled: number; badRequest: number };
  /** The Storefront API (carts): calls received, refused for the token, mutations run, dead customer tokens. */
  storefront: { received: number; unauthorized: number; mutations: number; invalidCustomerToken: number };
  faults: { injected: number };
  endSession: number;
  revocations: { customer: number; family: number };
}

export function zeroStats(): Stats {
  return {
    authorize: { codesIssued: 0, errors: 0 },
    token: { authorization_code: 0, refresh_token: 0, other: 0 },
    code: { succeeded: 0, failed: 0 },
    refresh: { succeeded: 0, failed: 0, reused: 0 },
    graphql: { received: 0, ok: 0, unauthorized: 0, throttled: 0, badRequest: 0 },
    storefront: { received: 0, unauthorized: 0, mutations: 0, invalidCustomerToken: 0 },
    faults: { injected: 0 },
    endSession: 0,
    revocations: { customer: 0, family: 0 },
  };
}

/** 256 bits from the CSPRNG, URL-safe. */
export const randomToken = (prefix: string): string => `${prefix}${randomBytes(32).toString('base64url')}`;

// Expired records are dropped every so often so long benchmark runs don't grow memory without bound.
const SWEEP_EVERY_ISSUES = 1000;

export class Store {
  readonly sessions = new Map<string, BrowserSession>();
  readonly codes = new Map<string, CodeRecord>();
  readonly grants = new Map<string, Grant>();
  readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  readonly buckets = new Map<number, CostBucket>();
  /** What customers edited through the Customer Account API (names, addresses). */
  readonly accounts = new Accounts();
  /** Storefront API carts by id (emulator/storefront.ts). */
  readonly carts = new Map<string, CartState>();
  stats: Stats = zeroStats();
  private readonly accessTokens = new Map<string, AccessTokenRecord>();
  private issuesSinceSweep = 0;

  private readonly now: () => number;

  constructor(now: () => number) {
    this.now = now;
  }

  createSession(customerId: number): { cookieValue: string; session: BrowserSession } {
    const session = { sid: randomToken('sid_'), customerId };
    const cookieValue = randomToken('');
    this.sessions.set(cookieValue, session);
    return { cookieValue, session };
  }

  createGrant(clientId: string, customerId: number, sid: string): Grant {
    const grant: Grant = { id: randomToken('grant_'), clientId, customerId, sid, revoked: false };
    this.grants.set(grant.id, grant);
    return grant;
  }

  /** Issues a fresh access + refresh token pair within a grant. */
  issueTokens(
    grantId: string,
    accessTtlSeconds: number,
    refreshTtlSeconds: number,
  ): { accessToken: string; refreshToken: string } {
    const nowMs = this.now();
    if (++this.issuesSinceSweep >= SWEEP_EVERY_ISSUES) this.sweep(nowMs);
    const accessToken = randomToken('shcat_');
    const refreshToken = randomToken('shcrt_');
    this.accessTokens.set(accessToken, { grantId, expiresAtMs: nowMs + accessTtlSeconds * 1000 });
    this.refreshTokens.set(refreshToken, {
      grantId,
      expiresAtMs: nowMs + refreshTtlSeconds * 1000,
      usedAtMs: null,
    });
    return { accessToken, refreshToken };
  }

  /** The live grant behind an access token, or `null` (unknown, expired or revoked). */
  grantForAccessToken(token: string): Grant | null {
    const record = this.accessTokens.get(token);
    if (record === undefined || record.expiresAtMs <= this.now()) return null;
    const grant = this.grants.get(record.grantId);
    return grant !== undefined && !grant.revoked ? grant : null;
  }

  revokeGrant(grantId: string): void {
    const grant = this.grants.get(grantId);
    if (grant !== undefined && !grant.revoked) {
      grant.revoked = true;
      this.stats.revocations.family++;
    }
  }

  revokeCustomer(customerId: number): number {
    let revoked = 0;
    for (const grant of this.grants.values()) {
      if (grant.customerId === customerId && !grant.revoked) {
        grant.revoked = true;
        revoked++;
      }
    }
    this.stats.revocations.customer++;
    return revoked;
  }

  /** Grants of a customer that still hold a usable access or refresh token. */
  liveGrantCount(customerId: number): number {
    const nowMs = this.now();
    const live = new Set<string>();
    const consider = (grantId: string) => {
      const grant = this.grants.get(grantId);
      if (grant !== undefined && !grant.revoked && grant.customerId === customerId) live.add(grantId);
    };
    for (const r of this.accessTokens.values()) if (r.expiresAtMs > nowMs) consider(r.grantId);
    for (const r of this.refreshTokens.values()) {
      if (r.expiresAtMs > nowMs && r.usedAtMs === null) consider(r.grantId);
    }
    return live.size;
  }

  /** Forgets tokens, codes, grants, sessions, buckets and counters. */
  clear(): void {
    this.sessions.clear();
    this.codes.clear();
    this.grants.clear();
    this.refreshTokens.clear();
    this.accessTokens.clear();
    this.buckets.clear();
    this.accounts.clear();
    this.carts.clear();
    this.stats = zeroStats();
    this.issuesSinceSweep = 0;
  }

  private sweep(nowMs: number): void {
    this.issuesSinceSweep = 0;
    for (const [k, r] of this.accessTokens) if (r.expiresAtMs <= nowMs) this.accessTokens.delete(k);
    for (const [k, r] of this.refreshTokens) if (r.expiresAtMs <= nowMs) this.refreshTokens.delete(k);
    // A code is kept a while past expiry so that a late replay is still recognised as a replay.
    for (const [k, r] of this.codes) if (r.expiresAtMs + 600_000 <= nowMs) this.codes.delete(k);
  }
}
