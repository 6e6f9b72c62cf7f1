import type { RefreshResult } from '../tokens/types.ts';

/** The parts of a token-endpoint answer that decide what a failed refresh means. */
export interface TokenEndpointAnswer {
  status: number;
  wwwAuthenticate: string | null;
  retryAfter: string | null;
  /** The parsed JSON body, or `null` when the body was not JSON. */
  body: unknown;
}

const stringField = (body: unknown, name: string): string | null => {
  if (typeof body !== 'object' || body === null) return null;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : null;
};

/** Seconds from a Retry-After header (delta-seconds form only; an HTTP date is rare here and ignored). */
export function parseRetryAfterSeconds(header: string | null): number | null {
  if (header === null || !/^\d{1,6}$/.test(header.trim())) return null;
  return Number(header.trim());
}

/**
 * Classifies a refresh-grant answer that is not a usable token response.
 *
 * The rule that keeps customers signed in through Shopify trouble (learned the hard way by Hydrogen):
 * only `invalid_grant` — or any other 400 — proves the refresh token is dead. Shopify answers transient
 * upstream failures with a 401 whose `error` is EMPTY, so a 401 alone must never sign anyone out.
 */
export function classifyRefreshFailure(answer: TokenEndpointAnswer): Exclude<RefreshResult, { kind: 'success' }> {
  const { status } = answer;
  const errorCode = stringField(answer.body, 'error');
  // A 2xx carrying `error: invalid_grant` and no access token has been seen: still a dead grant.
  if (errorCode === 'invalid_grant' || status === 400) return { kind: 'dead_grant', status, errorCode };
  if (status === 401) {
    if (errorCode === 'invalid_client' || errorCode === 'unauthorized_client') {
      return { kind: 'misconfiguration', status, errorCode };
    }
    // Missing or unregistered Origin for a public client: our deployment is wrong, not the customer's grant.
    if (answer.wwwAuthenticate !== null && /error="?invalid_token/i.test(answer.wwwAuthenticate)) {
      return { kind: 'misconfiguration', status, errorCode: 'invalid_token' };
    }
    return { kind: 'transient', status, errorCode: errorCode || null, retryAfterSeconds: null };
  }
  // 403 comes from Shopify's edge (e.g. no User-Agent): a fault of ours that retrying won't fix.
  if (status === 403) return { kind: 'misconfiguration', status, errorCode };
  return {
    kind: 'transient',
    status,
    errorCode: errorCode || null,
    retryAfterSeconds: parseRetryAfterSeconds(answer.retryAfter),
  };
}
