/**
 * The one error family of the BFF. Core code throws `AppError`; it becomes an HTTP response only at the
 * edge (`app.onError`). Codes are stable strings that tests and logs rely on.
 */
export type AppErrorCode =
  | 'REAUTH_REQUIRED' // no session, or the refresh token is dead: the customer must sign in again
  | 'UPSTREAM_UNAVAILABLE' // Shopify failed transiently or is misconfigured; the session is kept
  | 'CSRF' // an API call without the X-CSRF header, or a cross-site form post
  | 'BAD_REQUEST' // malformed input
  | 'PAYLOAD_TOO_LARGE'
  | 'LOGIN_FAILED' // a sign-in callback that cannot complete (state, code, id_token, upstream error)
  | 'CONFIG'; // invalid configuration at start-up

export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: AppErrorCode;
  /** Extra, non-secret facts for the response or log (e.g. `retryAfterSeconds`). */
  readonly details: Readonly<Record<string, string | number | boolean | null>>;
  constructor(code: AppErrorCode, message: string, details: AppError['details'] = {}) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

export const isAppError = (value: unknown, code?: AppErrorCode): value is AppError =>
  value instanceof AppError && (code === undefined || value.code === code);
