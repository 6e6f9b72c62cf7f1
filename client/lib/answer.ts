import type { CustomerClientErrorCode } from './index.ts';

/**
 * What a failed answer to a customer API call means for the page: the one mapping from an HTTP status
 * (and the BFF's `error` field) to the client's error codes.
 * - 401 `reauth_required`: the session has ended everywhere;
 * - 503 `offline`: the service worker (or this page) could not reach the BFF;
 * - 429, 502, 503, 504: Shopify or the session store is briefly unavailable, still signed in;
 * - 403 `csrf`: refused;
 * - anything else: an unexpected answer.
 */
export function answerErrorCode(status: number, error: unknown): CustomerClientErrorCode {
  if (status === 401 && error === 'reauth_required') return 'REAUTH_REQUIRED';
  if (status === 503 && error === 'offline') return 'OFFLINE';
  if (status === 429 || status === 502 || status === 503 || status === 504) return 'UPSTREAM_UNAVAILABLE';
  if (status === 403 && error === 'csrf') return 'CSRF';
  return 'HTTP_ERROR';
}
