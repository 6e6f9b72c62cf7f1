/** Values the bench's processes share: the BFF children and the load generator must agree on them. */

export const BENCH_PASSWORD = 'bench-session-password-0123456789abcdef0123';
/** The public client the bench's emulators register (PKCE plus a registered `Origin`, no secret). */
export const BENCH_CLIENT_ID = 'bench-public';
export const CUSTOMER_EMAIL = 'alice@example.com';
/** The call every scenario makes: a small Customer Account API query. */
export const QUERY = JSON.stringify({ query: '{ customer { id displayName emailAddress { emailAddress } } }' });
/** The bench's own calls to the emulator need a User-Agent: its token endpoint answers 403 without one, as Shopify's edge does. */
export const USER_AGENT = 'bench/1.0';
/**
 * The BFF's per-client-address limits, lifted: the bench's one address stands in for many clients
 * (1,000 connections for a storm, dozens of sign-ins a minute). Everything else keeps its default.
 */
export const BENCH_LIMITS = { MAX_CONNECTIONS_PER_IP: '100000', LOGIN_RATE_LIMIT_PER_MINUTE: '100000' };
