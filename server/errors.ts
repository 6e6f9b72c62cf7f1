/**
 * The one error family of the BFF. Core code throws `AppError`; it becomes an HTTP response in one
 * place only, `toResponse` in `server/http/errors.ts` (called by `app.onError`). Codes are stable
 * strings that tests and logs rely on, and each code has its own typed details.
 */
export type AppErrorCode =
  | 'REAUTH_REQUIRED' // no session, or the refresh token is dead: the customer must sign in again
  | 'UPSTREAM_UNAVAILABLE' // Shopify failed transiently or is misconfigured; the session is kept
  | 'UPSTREAM_INVALID' // Shopify (or what stands at SHOPIFY_STOREFRONT_ORIGIN) served a document we cannot use
  | 'SESSION_STORE_UNAVAILABLE' // the session store failed or did not answer in time; the session is kept
  | 'CSRF' // an API call without the X-CSRF header, or a cross-site form post
  | 'BAD_REQUEST' // malformed input
  | 'PAYLOAD_TOO_LARGE'
  | 'RATE_LIMITED' // too many requests from one client address (sign-in starts)
  | 'LOGIN_FAILED' // a sign-in callback that cannot complete (state, code, id_token, upstream error)
  | 'CONFIG'; // invalid configuration at start-up

/** Why a session ended, as logged and as the token manager reports it. */
export type ReauthReason =
  | 'no_session'
  | 'session_missing'
  | 'session_gone'
  | 'session_changed'
  | 'dead_grant'
  | 'signed_out_during_refresh'
  | 'upstream_unauthorized';

/** Why a sign-in callback failed; `status` and `error` say what Shopify answered, never a code or token. */
export type LoginFailure =
  | { reason: 'unknown_state' }
  | { reason: 'bad_callback' }
  | { reason: 'authorization_error'; error: string }
  /** `busy`: a transient answer (429, or 401 with an empty error code): Shopify asks to try again. */
  | { reason: 'token_endpoint'; status: number | null; error?: string; busy?: true }
  | { reason: 'id_token' };

type Empty = Record<string, never>;

/** The non-secret facts each code carries, for the response and the log. */
export interface AppErrorDetails {
  REAUTH_REQUIRED: { reason: ReauthReason };
  /** `rateLimited`: Shopify said 429; the answer says so too (429, its Retry-After kept). */
  UPSTREAM_UNAVAILABLE: { retryAfterSeconds: number; stage?: 'discovery'; rateLimited?: true };
  UPSTREAM_INVALID: { stage: 'discovery' | 'storefront' };
  SESSION_STORE_UNAVAILABLE: { retryAfterSeconds: number };
  CSRF: Empty;
  BAD_REQUEST: Empty;
  PAYLOAD_TOO_LARGE: { limitBytes: number };
  RATE_LIMITED: { retryAfterSeconds: number };
  /** `returnTo`: where "Sign in again" leads back to (the attempt's own page). */
  LOGIN_FAILED: LoginFailure & { returnTo?: string };
  CONFIG: Empty;
}

/** Codes whose details are all optional may leave them out. */
type DetailsArgs<C extends AppErrorCode> = Empty extends AppErrorDetails[C]
  ? [details?: AppErrorDetails[C], options?: ErrorOptions]
  : [details: AppErrorDetails[C], options?: ErrorOptions];

export class AppError<C extends AppErrorCode = AppErrorCode> extends Error {
  override readonly name = 'AppError';
  readonly code: C;
  readonly details: Readonly<AppErrorDetails[C]>;
  /** `options.cause` keeps the error this one wraps (for a log, never for a response). */
  constructor(code: C, message: string, ...[details, options]: DetailsArgs<C>) {
    super(message, options);
    this.code = code;
    this.details = details ?? ({} as AppErrorDetails[C]);
  }
}

/** Every `AppError`, as a union over its codes, so that a `switch (error.code)` narrows `details`. */
export type AnyAppError = { [C in AppErrorCode]: AppError<C> }[AppErrorCode];

export function isAppError(value: unknown): value is AnyAppError;
export function isAppError<C extends AppErrorCode>(value: unknown, code: C): value is AppError<C>;
export function isAppError(value: unknown, code?: AppErrorCode): boolean {
  return value instanceof AppError && (code === undefined || value.code === code);
}
